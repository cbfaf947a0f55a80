import type { AnnouncementPostView, Announcer, PersonalCard } from '../../src/app/ports';
import type { SendOutcome } from '../../src/domain/announcement';
import type { Coordination } from '../../src/domain/rollout';

/** What a personal send is answered: an outcome, or 'hang' (the sender dies waiting). */
export type Script = (personId: string, attempt: number) => SendOutcome | 'hang';

/**
 * The Announcer port for unit tests: records every personal send (who, with which part) and
 * every post and update, and answers sends as scripted (default: sent). A 'hang' never answers,
 * as a sender that died mid-send; the test goes on with another worker.
 */
export class ScriptedAnnouncer implements Announcer {
  readonly sends: { personId: string; part: number; serviceUrl: string; at: number }[] = [];
  readonly posts: { to: Coordination; view: AnnouncementPostView }[] = [];
  readonly updates: { to: Coordination; messageId: string; view: AnnouncementPostView; at: number }[] = [];
  private readonly attempts = new Map<string, number>();

  constructor(
    private script: Script = () => ({ kind: 'sent' }),
    private readonly now: () => number = Date.now,
    /** Waited before each answer (a connector's latency, on the test's time). */
    private readonly latency: (() => Promise<void>) | null = null,
  ) {}

  answer(script: Script): void {
    this.script = script;
  }

  /** How often each person was sent to. */
  sendsPerPerson(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.sends) counts.set(s.personId, (counts.get(s.personId) ?? 0) + 1);
    return counts;
  }

  async sendPersonal(serviceUrl: string, card: PersonalCard): Promise<SendOutcome> {
    const personId = card.recipient.personId;
    const attempt = (this.attempts.get(personId) ?? 0) + 1;
    this.attempts.set(personId, attempt);
    this.sends.push({ personId, part: card.part, serviceUrl, at: this.now() });
    const outcome = this.script(personId, attempt);
    if (outcome === 'hang') return new Promise<SendOutcome>(() => {});
    if (this.latency) await this.latency();
    return outcome;
  }

  async post(_tenantId: string, to: Coordination, view: AnnouncementPostView): Promise<string> {
    this.posts.push({ to, view });
    return `post-${this.posts.length}`;
  }

  async update(
    _tenantId: string,
    to: Coordination,
    messageId: string,
    view: AnnouncementPostView,
  ): Promise<void> {
    this.updates.push({ to, messageId, view, at: this.now() });
  }

  async preview(): Promise<string> {
    return 'preview';
  }
}
