import {
  announcementPersonalCard,
  announcementPersonalData,
  announcementPostCard,
  announcementPostData,
  announcementPreviewCard,
  announcementPreviewData,
  NO_AUDIENCE_LINE,
  POST_CHARS,
} from '../../src/teams/views/announcement-view';
import type { AnnouncementPreview } from '../../src/app/ports';
import { anAnnouncement, anAnnouncementText, bigCounts, longestText } from '../cards/announcement-fixtures';

type Node = Record<string, unknown>;
const actions = (content: Record<string, unknown>) => (content.actions ?? []) as Node[];
const verbs = (content: Record<string, unknown>) => actions(content).map((a) => a.verb ?? a.type);
const json = (content: unknown) => JSON.stringify(content);

const preview = (overrides: Partial<AnnouncementPreview> = {}): AnnouncementPreview => ({
  announcementId: 'ann-9',
  tenantId: 't',
  rolloutId: 'ro-1',
  text: anAnnouncementText(),
  audience: 'snapshot',
  recipients: 1234,
  scheduledAt: null,
  by: { id: 'admin', name: 'Ada Admin' },
  ...overrides,
});

describe('the personal card', () => {
  it('shows the plan, the time frame with its zone and the enrollment; Got it, Give feedback, Self-help', () => {
    const { content } = announcementPersonalCard.render(announcementPersonalData(anAnnouncement(), 4));
    const text = json(content);
    expect(text).toContain('2026-03-01 09:00 → 2026-03-15 17:00 (Europe/Amsterdam)');
    expect(text).toContain('Self-service: users enroll on their own');
    expect(text).toContain('Need help? Call 1234');
    expect(verbs(content)).toEqual(['announcement.gotit', 'feedback.edit', 'Action.OpenUrl']);
    expect(actions(content)[0]?.data).toEqual({ announcementId: 'ann-1', part: 4, test: false });
    expect(actions(content)[1]?.data).toEqual({ rolloutId: 'ro-1', stageId: 'enterprise/w2' });
  });

  it('a stage without feedback has no Give feedback; a self-help link that is not https has no button', () => {
    const a = anAnnouncement({
      text: anAnnouncementText({ takesFeedback: false, selfHelpUrl: 'http://intranet/help' }),
    });
    const { content } = announcementPersonalCard.render(announcementPersonalData(a, 0));
    expect(verbs(content)).toEqual(['announcement.gotit']);
    expect(json(content)).not.toContain('http://intranet');
  });

  it('thanked: the thanks instead of Got it; test: says so, and Got it names no partition', () => {
    const thanked = announcementPersonalCard.render(
      announcementPersonalData(anAnnouncement(), 4, 'thanked'),
    ).content;
    expect(verbs(thanked)).not.toContain('announcement.gotit');
    expect(json(thanked)).toContain('Thanks — noted');
    const test = announcementPersonalCard.render(
      announcementPersonalData(anAnnouncement(), 4, 'test'),
    ).content;
    expect(json(test)).toContain('Test — only you got this');
    expect(actions(test)[0]?.data).toEqual({ announcementId: 'ann-1', part: -1, test: true });
  });

  it('long texts are cut, with an ellipsis', () => {
    const data = announcementPersonalData(anAnnouncement({ text: longestText() }), 0);
    for (const fact of data.communication) expect([...fact.value].length).toBeLessThanOrEqual(301);
    expect(data.communication[0]?.value.endsWith('…')).toBe(true);
  });
});

describe('the post', () => {
  it('shows the counts and a scheduled time in the rollout’s zone', () => {
    const view = {
      announcement: anAnnouncement({ state: 'scheduled', scheduledAt: '2026-03-01T08:00:00.000Z' }),
      counts: bigCounts(),
    };
    const data = announcementPostData(view);
    // 08:00 UTC is 09:00 in Amsterdam (CET) on 1 March.
    expect(data.stateLine).toBe('Scheduled for 1 Mar 2026, 09:00 CET');
    expect(data.counts.map((c) => c.title)).toEqual([
      'Recipients',
      'Sent',
      'Got it',
      'Pending',
      'Failed',
      'Blocked the bot',
      'App not installed',
      'Possible duplicates',
    ]);
    expect(data.counts[0]?.value).toBe('120,000');
    const { content } = announcementPostCard.render(
      announcementPostData({ ...view, announcement: anAnnouncement({ text: longestText() }) }),
    );
    expect(json(content)).not.toContain('d'.repeat(POST_CHARS + 1));
  });

  it('says sending, done and cancelled', () => {
    const state = (over: Parameters<typeof anAnnouncement>[0]) =>
      announcementPostData({ announcement: anAnnouncement(over), counts: bigCounts() }).stateLine;
    expect(state({ state: 'sending' })).toBe('Sending…');
    expect(state({ state: 'done', completedAt: '2026-03-01T10:30:00.000Z' })).toBe(
      'Done (1 Mar 2026, 11:30 CET)',
    );
    expect(state({ state: 'cancelled', cancelledBy: { id: 'x', name: 'Bo' } })).toBe('Cancelled by Bo');
  });
});

describe('the preview', () => {
  it('Send, Send a test to me and Skip carry the announcement, rollout and stage; at only when scheduled', () => {
    const { content } = announcementPreviewCard.render(announcementPreviewData(preview()));
    expect(verbs(content)).toEqual(['announcement.send', 'announcement.test', 'announcement.skip']);
    for (const a of actions(content))
      expect(a.data).toEqual({ announcementId: 'ann-9', rolloutId: 'ro-1', stageId: 'enterprise/w2' });
    expect(json(content)).toContain('Goes to 1,234 people');
    const scheduled = announcementPreviewCard.render(
      announcementPreviewData(preview({ scheduledAt: '2026-03-01T08:00:00.000Z' })),
    ).content;
    expect(actions(scheduled)[0]?.data).toMatchObject({ at: '2026-03-01T08:00:00.000Z' });
    expect(json(scheduled)).toContain('Scheduled for 1 Mar 2026, 09:00 CET');
  });

  it('no audience: says only the conversations get it; decided: no buttons', () => {
    const none = announcementPreviewCard.render(
      announcementPreviewData(preview({ audience: 'none', recipients: 0 })),
    );
    expect(json(none.content)).toContain(NO_AUDIENCE_LINE);
    const decided = announcementPreviewCard.render(
      announcementPreviewData(preview(), { decided: 'Sent by Ada.' }),
    );
    expect(actions(decided.content)).toEqual([]);
    expect(json(decided.content)).toContain('Sent by Ada.');
  });
});
