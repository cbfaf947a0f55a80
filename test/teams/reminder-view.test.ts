import type { PersonalCard } from '../../src/app/ports';
import { personalCardFor } from '../../src/teams/views/reminder-view';
import { cardText } from '../support/activities';
import { anAnnouncement } from '../cards/announcement-fixtures';

type Node = Record<string, unknown>;
const actions = (content: Node) => (content.actions ?? []) as Node[];
const byVerb = (content: Node, verb: string) => actions(content).filter((a) => a.verb === verb);

const send = (overrides: Partial<PersonalCard['announcement']>, ref?: number): PersonalCard => ({
  announcement: anAnnouncement({ rolloutId: 'ro-1', stageId: 'pilot', ...overrides }),
  part: 3,
  recipient: { personId: 'p-1', name: 'Lee', ...(ref !== undefined ? { ref } : {}) },
});

describe('the personal card by purpose', () => {
  it('a phase announcement: its own card, Got it on its own partition', () => {
    const content = personalCardFor(send({})).content as Node;
    expect(byVerb(content, 'announcement.gotit')[0]?.data).toEqual({
      announcementId: 'ann-1',
      part: 3,
      test: false,
    });
    expect(cardText(content)).not.toContain('Reminder');
  });

  it('a feedback nudge: How is <app> working for you?, Give feedback and Stop reminding me', () => {
    const content = personalCardFor(
      send({ purpose: { kind: 'feedback-nudge', n: 1 }, reminder: { app: 'Copilot' } }),
    ).content as Node;
    expect(cardText(content)).toContain('How is Copilot working for you?');
    expect(byVerb(content, 'feedback.edit')[0]?.data).toEqual({ rolloutId: 'ro-1', stageId: 'pilot' });
    expect(byVerb(content, 'reminders.stop')[0]).toMatchObject({
      title: 'Stop reminding me',
      data: { rolloutId: 'ro-1' },
    });
  });

  it('a Got it reminder: the announcement again, marked, its Got it on the original and the person’s partition there', () => {
    const content = personalCardFor(
      send({ id: 'rem-1', purpose: { kind: 'gotit-reminder', announcementId: 'ann-orig' } }, 7),
    ).content as Node;
    expect(cardText(content)).toContain('Reminder: please read this and click "Got it".');
    expect(byVerb(content, 'announcement.gotit')[0]?.data).toEqual({
      announcementId: 'ann-orig',
      part: 7,
      test: false,
    });
  });

  it('a sign-off reminder: Are you ready for <stage>?, the deadline in the rollout’s zone, Ready / Not ready as signoff.answer takes them', () => {
    const content = personalCardFor(
      send({
        purpose: { kind: 'signoff-reminder', requestId: 'req-9', n: 1 },
        reminder: { deadline: '2026-03-02T07:00:00.000Z' },
      }),
    ).content as Node;
    const text = cardText(content);
    expect(text).toContain('Are you ready for Enterprise rollout · Sales "EMEA" & <APAC>?');
    // Europe/Amsterdam (the fixture's zone): 08:00 local.
    expect(text).toMatch(/Please answer by 2 Mar 2026,? 08:00/);
    const answers = byVerb(content, 'signoff.answer').map((a) => a.data);
    expect(answers).toEqual([
      { rolloutId: 'ro-1', requestId: 'req-9', ready: true },
      { rolloutId: 'ro-1', requestId: 'req-9', ready: false },
    ]);
  });
});
