import type { AnnouncementPostView, AnnouncementPreview, Announcer, PersonalCard } from '../../src/app/ports';
import type { SendOutcome } from '../../src/domain/announcement';
import type { Coordination } from '../../src/domain/rollout';

/**
 * The Announcer port for the announce commands' tests: records what it was asked to send (personal
 * cards, posts, updates, previews) and answers personal sends with `outcome` (default: sent).
 * Post and preview message ids are post-1, post-2, … and preview-1, ….
 */
export class RecordingAnnouncer implements Announcer {
  readonly personal: { serviceUrl: string; card: PersonalCard }[] = [];
  readonly posts: { to: Coordination; view: AnnouncementPostView; messageId: string }[] = [];
  readonly updates: { to: Coordination; messageId: string; view: AnnouncementPostView }[] = [];
  readonly previews: { to: Coordination; preview: AnnouncementPreview; messageId: string }[] = [];
  outcome: SendOutcome = { kind: 'sent' };
  /** Set to make posts fail as the Bot Connector would. */
  failPosts = false;

  async sendPersonal(serviceUrl: string, card: PersonalCard): Promise<SendOutcome> {
    this.personal.push({ serviceUrl, card });
    return this.outcome;
  }

  async post(_tenantId: string, to: Coordination, view: AnnouncementPostView): Promise<string> {
    if (this.failPosts) throw new Error('post failed');
    const messageId = `post-${this.posts.length + 1}`;
    this.posts.push({ to, view, messageId });
    return messageId;
  }

  async update(
    _tenantId: string,
    to: Coordination,
    messageId: string,
    view: AnnouncementPostView,
  ): Promise<void> {
    this.updates.push({ to, messageId, view });
  }

  async preview(_tenantId: string, to: Coordination, preview: AnnouncementPreview): Promise<string> {
    const messageId = `preview-${this.previews.length + 1}`;
    this.previews.push({ to, preview, messageId });
    return messageId;
  }
}
