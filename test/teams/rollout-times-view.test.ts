import type { AuditEntry, SignoffView } from '../../src/app/ports';
import { evaluateExitCriteria, NO_MEASUREMENTS } from '../../src/domain/criteria';
import type { Rollout } from '../../src/domain/rollout';
import { checklistCard, checklistCardData } from '../../src/teams/views/checklist-view';
import { signoffCardData, signoffRequestCard } from '../../src/teams/views/signoff-view';
import { statusCard, statusCardData } from '../../src/teams/views/status-view';
import { cardText } from '../support/activities';
import { ADMIN, aRollout, OTHER } from '../domain/fixtures';

/** Times of one rollout, on every card, in its own zone (Europe/Berlin: CET in winter, CEST in summer). */

const CREATED = '2026-02-10T17:30:00.000Z'; // 18:30 CET
const ENTERED = '2026-07-01T07:00:00.000Z'; // 09:00 CEST
const TICKED = '2026-03-29T01:00:00.000Z'; // 03:00 CEST, the first minute after the spring gap
const UNTICKED = '2026-10-25T01:30:00.000Z'; // 02:30 CET, the second 02:30 of the autumn change
const MARKED = '2026-10-25T00:30:00.000Z'; // 02:30 CEST, the first 02:30
const DEADLINE = '2026-02-12T16:00:00.000Z'; // 17:00 CET

const inZone = (timeZone: string): Rollout => {
  const base = aRollout({
    timeZone,
    createdAt: CREATED,
    enteredAt: ENTERED,
    position: { phase: 'poc', wave: null },
  });
  return {
    ...base,
    history: [
      {
        from: { phase: 'scope', wave: null, label: 'Scope' },
        to: { phase: 'poc', wave: null, label: 'Proof of concept' },
        by: ADMIN,
        at: ENTERED,
        forced: false,
        reason: null,
      },
    ],
    phases: base.phases.map((p) =>
      p.key !== 'poc'
        ? p
        : {
            ...p,
            checklist: [
              { id: 'c1', text: 'Licences bought', done: true, by: ADMIN, at: TICKED },
              { id: 'c2', text: 'Pilot group named', done: false, by: OTHER, at: UNTICKED },
              { id: 'c3', text: 'Help desk briefed', done: false, by: null, at: null },
            ],
            criteria: [
              {
                id: 'g1',
                kind: 'manual' as const,
                goal: 'Security review passed',
                met: true,
                note: null,
                by: ADMIN,
                at: MARKED,
              },
            ],
          },
    ),
  };
};

const recent = (rollout: Rollout): AuditEntry[] => [
  {
    rolloutId: rollout.id,
    type: 'phase-advanced',
    by: ADMIN,
    at: ENTERED,
    summary: 'Advanced Scope → Proof of concept',
    from: 'Scope',
    to: 'Proof of concept',
    reason: null,
    before: null,
    after: null,
  },
];

const statusText = (rollout: Rollout): string =>
  cardText(
    statusCard.render(
      statusCardData({
        rollout,
        criteria: evaluateExitCriteria(rollout, NO_MEASUREMENTS, null),
        recent: recent(rollout),
      }),
    ).content,
  );

const checklistText = (rollout: Rollout): string =>
  cardText(checklistCard.render(checklistCardData(rollout)).content);

const signoffText = (rollout: Rollout, deadline: string): string => {
  const view: SignoffView = {
    rollout,
    request: {
      id: 'req-1',
      tenantId: rollout.tenantId,
      rolloutId: rollout.id,
      stageId: 'pilot',
      stageLabel: 'Pilot',
      policy: { kind: 'everyone' },
      allowNotReady: false,
      members: [OTHER.id],
      deadline,
      fingerprint: '{}',
      status: 'open',
      supersededBy: null,
      createdBy: ADMIN,
      createdAt: CREATED,
      postedTo: null,
      messageId: null,
    },
    answers: [],
    feedback: { openBlockers: 0, openMajors: 0, topCategories: [] },
    now: CREATED,
  };
  return cardText(signoffRequestCard.render(signoffCardData(view, { viewer: null })).content);
};

describe('the status card shows times in the rollout’s time zone', () => {
  it('in Europe/Berlin: CET in winter, CEST in summer', () => {
    const text = statusText(inZone('Europe/Berlin'));
    expect(text).toContain('Created by: Adele Vance, 10 Feb 2026, 18:30 CET');
    expect(text).toContain('In this phase since: 1 Jul 2026, 09:00 CEST');
    expect(text).toContain('since 10 Feb 2026, 18:30 CET'); // the timeline: Scope entered when created
    expect(text).toContain('since 1 Jul 2026, 09:00 CEST'); // the timeline: Proof of concept
    expect(text).toContain('1 Jul 2026, 09:00 CEST · Adele Vance: Advanced Scope → Proof of concept');
    expect(text).not.toMatch(/UTC/);
  });

  it('in America/New_York', () => {
    const text = statusText(inZone('America/New_York'));
    expect(text).toContain('Created by: Adele Vance, 10 Feb 2026, 12:30 GMT-5'); // en-GB names US zones by offset
    expect(text).toContain('In this phase since: 1 Jul 2026, 03:00 GMT-4');
  });

  it('in UTC for a rollout planned in UTC', () => {
    expect(statusText(inZone('UTC'))).toContain('Created by: Adele Vance, 10 Feb 2026, 17:30 UTC');
  });
});

describe('the checklist card shows times in the rollout’s time zone', () => {
  it('ticks, unticks and marked goals, across both daylight-saving changes', () => {
    const text = checklistText(inZone('Europe/Berlin'));
    expect(text).toContain('✅ Done by Adele Vance, 29 Mar 2026, 03:00 CEST');
    expect(text).toContain('⚪ Open (unticked by Lee Gu, 25 Oct 2026, 02:30 CET)');
    expect(text).toContain('✅ Met, marked by Adele Vance, 25 Oct 2026, 02:30 CEST');
    expect(text).not.toMatch(/UTC/);
  });

  it('in UTC for a rollout planned in UTC', () => {
    expect(checklistText(inZone('UTC'))).toContain('✅ Done by Adele Vance, 29 Mar 2026, 01:00 UTC');
  });
});

describe('one instant reads the same on every card of a rollout', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata'])(
    '%s: sign-off, status and checklist',
    (zone) => {
      const rollout = inZone(zone);
      const withTick = {
        ...rollout,
        phases: rollout.phases.map((p) =>
          p.key !== 'poc'
            ? p
            : { ...p, checklist: p.checklist.map((i) => (i.id === 'c1' ? { ...i, at: DEADLINE } : i)) },
        ),
        createdAt: DEADLINE,
      };
      const signoff = /answers until ([^\n]+)/.exec(signoffText(withTick, DEADLINE))?.[1];
      expect(signoff).toMatch(/^12 Feb 2026, \d\d:\d\d \S+$/);
      expect(checklistText(withTick)).toContain(`✅ Done by Adele Vance, ${signoff}`);
      expect(statusText(withTick)).toContain(`Created by: Adele Vance, ${signoff}`);
    },
  );

  it('Europe/Berlin: 12 Feb 2026, 17:00 CET on each', () => {
    expect(signoffText(inZone('Europe/Berlin'), DEADLINE)).toContain('answers until 12 Feb 2026, 17:00 CET');
  });
});
