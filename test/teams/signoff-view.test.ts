import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as AC from 'adaptivecards';
import type { SignoffView } from '../../src/app/ports';
import type { Rollout } from '../../src/domain/rollout';
import { MAX_REASON_LENGTH, type SignoffAnswer, type SignoffRequest } from '../../src/domain/signoff';
import {
  LIST_LIMIT,
  memberMri,
  policyWords,
  REFRESH_LIMIT,
  signoffCardData,
  signoffRequestCard,
} from '../../src/teams/views/signoff-view';
import { cardText, findAction } from '../support/activities';
import { formValues, type Card } from '../support/cards';
import { CARD_FIXTURES, largestSignoff, memberId } from '../cards/card-fixtures';
import { ADMIN, aRollout, withWaves } from '../domain/fixtures';

const MAX_CARD_BYTES = 80 * 1024;

const ANA = { id: 'eeeeeeee-0000-4000-8000-000000000001', name: 'Ana Ready' };
const BO = { id: 'eeeeeeee-0000-4000-8000-000000000002', name: 'Bo Notready' };
const CY = { id: 'eeeeeeee-0000-4000-8000-000000000003', name: 'Cy Silent' };
const DEE = { id: 'eeeeeeee-0000-4000-8000-000000000004', name: 'Dee Unknown' };
const MEMBERS = [ANA.id, BO.id, CY.id, DEE.id];

const rollout: Rollout = (() => {
  const base = withWaves(
    aRollout({ position: { phase: 'enterprise', wave: 0 }, timeZone: 'Europe/Amsterdam' }),
    ['HR', 'Sales'],
  );
  return {
    ...base,
    app: { ...base.app, platforms: ['windows', 'ios'] },
    phases: base.phases.map((p) =>
      p.key !== 'enterprise'
        ? p
        : {
            ...p,
            communication: {
              whatIsDeployed: 'Teams Premium licences and the new meeting features',
              howAndWhen: 'Licences are assigned on Monday morning; an email goes out the Friday before',
              businessPurpose: 'Safer meetings with watermarks',
              selfHelpUrl: 'https://help.example.com/teams-premium',
              helpDeskContact: 'Call 555-0100 or open a ticket in ServiceNow',
            },
            waves: p.waves.map((w) =>
              w.id !== 'w2'
                ? w
                : {
                    ...w,
                    timeFrame: { start: '2026-03-02T09:00', end: '2026-03-13T17:00' },
                    targetGroups: ['Sales EMEA', 'Sales APAC'],
                    users: 1200,
                    devices: 1500,
                    platforms: ['windows', 'ios'],
                    enrollment: 'assisted' as const,
                  },
            ),
          },
    ),
  };
})();

const aRequest = (overrides: Partial<SignoffRequest> = {}): SignoffRequest => ({
  id: 'req-7',
  tenantId: rollout.tenantId,
  rolloutId: rollout.id,
  stageId: 'enterprise/w2',
  stageLabel: 'Enterprise rollout — wave 2 of 2: Sales',
  policy: { kind: 'everyone' },
  allowNotReady: false,
  members: MEMBERS,
  deadline: '2026-02-12T16:00:00.000Z',
  fingerprint: '{}',
  status: 'open',
  supersededBy: null,
  createdBy: ADMIN,
  createdAt: '2026-02-10T09:00:00.000Z',
  postedTo: null,
  messageId: null,
  ...overrides,
});

const answer = (
  person: { id: string; name: string },
  ready: boolean,
  at: string,
  reason?: string,
): SignoffAnswer => ({
  person,
  ready,
  reason: ready ? null : (reason ?? 'No troubleshooting guide yet'),
  at,
  activities: ['a1'],
});

const ANSWERS: SignoffAnswer[] = [
  answer(ANA, true, '2026-02-11T08:15:00.000Z'),
  answer(BO, false, '2026-02-11T09:30:00.000Z', 'The reset-password runbook is not updated'),
];

const aView = (overrides: Partial<SignoffView> = {}, request: Partial<SignoffRequest> = {}): SignoffView => ({
  rollout,
  request: aRequest(request),
  answers: ANSWERS,
  feedback: {
    openBlockers: 2,
    openMajors: 5,
    topCategories: [
      { category: 'Sign-in', count: 9 },
      { category: 'install', count: 4 },
    ],
  },
  now: '2026-02-11T12:00:00.000Z',
  ...overrides,
});

const render = (
  view: SignoffView = aView(),
  options: Parameters<typeof signoffCardData>[1] = { viewer: null },
): Card => signoffRequestCard.render(signoffCardData(view, options)).content;

const text = (card: Card) => cardText(card);
const answerActions = (card: Card) =>
  ((card.actions as Record<string, unknown>[] | undefined) ?? []).filter((a) => a.verb === 'signoff.answer');
const refreshOf = (card: Card) =>
  card.refresh as { action: Record<string, unknown>; userIds?: unknown } | undefined;

/** Parses a card as a client does; every parse and validation complaint. */
const problems = (content: Card): string[] => {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(content, context);
  const out: string[] = [];
  for (let i = 0; i < context.eventCount; i++) out.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) out.push(`validate: ${event.message}`);
  return out;
};

describe('the readiness card: header and state', () => {
  it('names the stage and the rollout; open with a deadline in the rollout’s time zone', () => {
    const card = render();
    expect(text(card)).toMatch(/^Help-desk readiness: Enterprise rollout — wave 2 of 2: Sales$/m);
    expect(text(card)).toMatch(/^Teams Premium$/m);
    expect(text(card)).toMatch(/^Open — answers until 12 Feb 2026, 17:00 CET$/m);
  });

  it('open with no deadline', () => {
    expect(text(render(aView({}, { deadline: null })))).toMatch(/^Open — no deadline$/m);
  });

  it('closed once the deadline passed (read from view.now)', () => {
    const card = render(aView({ now: '2026-02-12T16:00:00.000Z' }));
    expect(text(card)).toMatch(/^Closed — the deadline passed 12 Feb 2026, 17:00 CET$/m);
    expect(text(card)).toMatch(/⏳ Not met: .*Answers are closed/);
  });

  it('closed by the scheduler: the outcome recorded at the deadline, no buttons', () => {
    const closed = {
      status: 'closed' as const,
      closedAt: '2026-02-12T16:00:00.000Z',
      closeReason: 'Everyone is ready.',
    };
    const met = render(aView({ now: '2026-02-12T16:05:00.000Z' }, { ...closed, metAtClose: true }));
    expect(text(met)).toMatch(/^Closed — the deadline passed 12 Feb 2026, 17:00 CET$/m);
    expect(text(met)).toMatch(/✅ Met: Everyone is ready\./);
    expect(answerActions(met)).toEqual([]);
    const unmet = render(
      aView(
        { now: '2026-02-12T16:05:00.000Z' },
        { ...closed, metAtClose: false, closeReason: 'Waiting for 1 of 3.' },
      ),
    );
    expect(text(unmet)).toMatch(/⏳ Not met: Waiting for 1 of 3\. Answers are closed/);
  });

  it('superseded: the state line and an explanation only, no actions, no refresh', () => {
    const card = render(aView({}, { status: 'superseded', supersededBy: 'req-8' }), { viewer: ANA });
    expect(text(card)).toMatch(/^Superseded — the plan changed; answer the new request$/m);
    expect(text(card)).toMatch(/no longer count.*answer that one/);
    expect(text(card)).not.toMatch(/What is coming|Policy|Ready \(|Your answer/);
    expect(answerActions(card)).toEqual([]);
    expect(findAction(card, 'signoff.answer')).toBeNull();
    expect(refreshOf(card)).toBeUndefined();
    expect(formValues(card)).toEqual({});
    expect(JSON.stringify(card)).not.toContain('Action.OpenUrl');
  });
});

describe('what is coming', () => {
  const card = render();

  it('the time frame, target groups and the wave’s profile', () => {
    expect(text(card)).toContain('When: 2026-03-02 09:00 → 2026-03-13 17:00 (Europe/Amsterdam)');
    expect(text(card)).toContain('Target groups: Sales EMEA, Sales APAC');
    expect(text(card)).toMatch(/^Sales$/m);
    expect(text(card)).toContain('1,200 users · 1,500 devices · Windows, iOS/iPadOS · Assisted');
  });

  it('with a resolved audience, its users, managed devices and platforms instead of the planned ones', () => {
    const snapshot = {
      tenantId: rollout.tenantId,
      rolloutId: rollout.id,
      stageId: 'enterprise/w2',
      id: 's1',
      fingerprint: '[]',
      resolvedAt: '2026-02-11T10:00:00.000Z',
      counts: {
        people: 1180,
        byDepartment: {},
        byCountry: {},
        byPlatform: { windows: 1100, ios: 400, macos: 0 },
        devicesByOs: { Windows: 1150, iOS: 410 },
        withoutDevice: 20,
        leftOut: { guest: 3, disabled: 2, filtered: 0, noDevice: 0 },
        nonUsers: 0,
      },
      sample: [],
      warnings: [],
    };
    const resolved = render(aView({ audiences: new Map([['enterprise/w2', snapshot]]) }));
    expect(text(resolved)).toContain(
      '1,180 users · 1,560 managed devices · Windows, iOS/iPadOS · Assisted: IT helps each user enroll · resolved from Entra ID 11 Feb 2026, 11:00 CET',
    );
  });

  it('the communication plan in short, the help-desk contact and the self-help link', () => {
    expect(text(card)).toContain('What is deployed: Teams Premium licences and the new meeting features');
    expect(text(card)).toContain('How and when: Licences are assigned on Monday morning');
    expect(text(card)).toContain('Why: Safer meetings with watermarks');
    expect(text(card)).toContain('Help-desk contact for users: Call 555-0100 or open a ticket in ServiceNow');
    expect(JSON.stringify(card)).toContain(
      '{"type":"Action.OpenUrl","title":"Self-help and troubleshooting","url":"https://help.example.com/teams-premium"}',
    );
  });

  it('no self-help button without an https URL', () => {
    const noUrl = {
      ...rollout,
      phases: rollout.phases.map((p) => ({ ...p, communication: { ...p.communication, selfHelpUrl: '' } })),
    };
    expect(JSON.stringify(render(aView({ rollout: noUrl })))).not.toContain('Action.OpenUrl');
  });

  it('what the help desk should know: open blockers, major issues, top categories', () => {
    expect(text(card)).toContain('Open blockers: 2');
    expect(text(card)).toContain('Open major issues: 5');
    expect(text(card)).toContain('Top feedback categories: Sign-in (9), Installation (4)');
    const none = render(aView({ feedback: { openBlockers: 0, openMajors: 0, topCategories: [] } }));
    expect(text(none)).toContain('Top feedback categories: No feedback yet');
  });

  it('a phase without waves: its own target groups and the app’s platforms', () => {
    const pilot = {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'pilot' ? { ...p, targetGroups: ['IT'], timeFrame: { start: '2026-02-16', end: null } } : p,
      ),
    };
    const c = render(aView({ rollout: pilot }, { stageId: 'pilot', stageLabel: 'Pilot' }));
    expect(text(c)).toContain('When: 2026-02-16 → … (Europe/Amsterdam)');
    expect(text(c)).toContain('Target groups: IT');
    expect(text(c)).toContain('App platforms: Windows, iOS/iPadOS');
  });
});

describe('the policy and whether it is met', () => {
  it.each([
    [{ kind: 'everyone' } as const, false, 'Everyone must be ready'],
    [{ kind: 'quorum', n: 2 } as const, false, 'At least 2 ready and none not ready'],
    [
      { kind: 'quorum', n: 2 } as const,
      true,
      'At least 2 ready. Not ready answers are shown but do not block',
    ],
    [{ kind: 'first' } as const, false, 'The first answer decides'],
  ])('%j (allowNotReady %s): %s', (policy, allowNotReady, words) => {
    expect(policyWords({ policy, allowNotReady })).toBe(words);
    expect(text(render(aView({}, { policy, allowNotReady })))).toContain(`Policy: ${words}.`);
  });

  it('everyone: ⏳ while someone is missing, ✅ once all are ready', () => {
    expect(text(render())).toContain('⏳ Not met yet: Waiting for 3 of 4.');
    const all = MEMBERS.map((id, i) => answer({ id, name: `M${i}` }, true, `2026-02-11T0${i}:00:00.000Z`));
    expect(text(render(aView({ answers: all })))).toContain('✅ Met now: Everyone is ready.');
  });

  it('quorum: a Not ready blocks unless allowed', () => {
    const two = [...ANSWERS, answer(CY, true, '2026-02-11T10:00:00.000Z')];
    const policy = { kind: 'quorum', n: 2 } as const;
    expect(text(render(aView({ answers: two }, { policy })))).toContain(
      '⏳ Not met yet: 1 member is not ready: see below.',
    );
    expect(text(render(aView({ answers: two }, { policy, allowNotReady: true })))).toContain(
      '✅ Met now: 2 ready, at least 2 needed.',
    );
  });

  it('first: the earliest answer decides', () => {
    const policy = { kind: 'first' } as const;
    expect(text(render(aView({}, { policy })))).toContain('✅ Met now: Ana Ready answered first: Ready.');
    const late = [answer(ANA, true, '2026-02-11T10:00:00.000Z'), ANSWERS[1] as SignoffAnswer];
    expect(text(render(aView({ answers: late }, { policy })))).toContain(
      '⏳ Not met yet: Bo Notready answered first: Not ready.',
    );
  });
});

describe('the live tally', () => {
  const card = render();

  it('Ready: names with when', () => {
    expect(text(card)).toMatch(/^Ready \(1\)\n✅ Ana Ready · 11 Feb 2026, 09:15 CET$/m);
  });

  it('Not ready: names with when and the reason', () => {
    expect(text(card)).toMatch(
      /^Not ready \(1\)\n⛔ Bo Notready · 11 Feb 2026, 10:30 CET\nThe reset-password runbook is not updated$/m,
    );
  });

  it('Not answered: the ids of members with no known name', () => {
    expect(text(card)).toMatch(new RegExp(`^Not answered \\(2\\)\\n${CY.id}, ${DEE.id}$`, 'm'));
    expect(text(card)).not.toContain(CY.name);
  });

  it('Not answered: a name when one is known (the viewer, the requester)', () => {
    const c = render(aView({}, { members: [...MEMBERS, ADMIN.id] }), { viewer: CY });
    expect(text(c)).toMatch(new RegExp(`^Not answered \\(3\\)\\nCy Silent, ${DEE.id}, Adele Vance$`, 'm'));
  });

  it('empty lists say so', () => {
    const c = render(aView({ answers: [] }));
    expect(text(c)).toMatch(/^Ready \(0\)\nNobody yet\.$/m);
    expect(text(c)).toMatch(/^Not ready \(0\)\nNobody\.$/m);
    const all = MEMBERS.map((id) => answer({ id, name: '' }, true, '2026-02-11T08:00:00.000Z'));
    expect(text(render(aView({ answers: all })))).toMatch(/^Not answered \(0\)\nEveryone has answered\.$/m);
  });

  it('answers of people who are not members are not counted', () => {
    const stranger = answer(
      { id: 'ffffffff-0000-4000-8000-000000000009', name: 'Stranger' },
      false,
      '2026-02-11T08:00:00.000Z',
    );
    const c = render(aView({ answers: [...ANSWERS, stranger] }));
    expect(text(c)).not.toContain('Stranger');
    expect(text(c)).toContain('Not ready (1)');
  });
});

describe('the viewer’s own answer (user-specific view)', () => {
  it('Ready, with when', () => {
    expect(text(render(aView(), { viewer: ANA }))).toMatch(
      /^Your answer: Ready \(at 11 Feb 2026, 09:15 CET\)$/m,
    );
  });

  it('Not ready, with the reason; the reason input shows it for editing', () => {
    const card = render(aView(), { viewer: BO });
    expect(text(card)).toMatch(
      /^Your answer: Not ready \(at 11 Feb 2026, 10:30 CET\): The reset-password runbook is not updated$/m,
    );
    expect(formValues(card)).toEqual({ reason: 'The reset-password runbook is not updated' });
  });

  it('not answered yet', () => {
    const card = render(aView(), { viewer: CY });
    expect(text(card)).toMatch(/^You have not answered yet\.$/m);
    expect(formValues(card)).toEqual({ reason: '' });
    expect(answerActions(card)).toHaveLength(2);
  });

  it('someone who is not a member sees the tally but no buttons', () => {
    const card = render(aView(), {
      viewer: { id: 'ffffffff-0000-4000-8000-000000000009', name: 'Stranger' },
    });
    expect(text(card)).toMatch(/not one of the help-desk members/);
    expect(answerActions(card)).toEqual([]);
    expect(formValues(card)).toEqual({});
    expect(text(card)).toContain('Ready (1)');
  });

  it('the shared card has no viewer line', () => {
    expect(text(render())).not.toMatch(/Your answer|You have not answered/);
  });

  it('a notice is shown when given', () => {
    const card = render(aView(), { viewer: CY, notice: 'Not ready needs a reason: what is missing?' });
    expect(text(card)).toMatch(/^Not ready needs a reason: what is missing\?$/m);
    expect(JSON.stringify(card)).toContain('"color":"Attention"');
    expect(text(render(aView(), { viewer: CY }))).not.toContain('Not ready needs a reason');
  });
});

describe('the buttons', () => {
  it('while open: Ready (no inputs) and Not ready (with the reason), each naming the request', () => {
    const card = render();
    expect(answerActions(card)).toEqual([
      expect.objectContaining({
        type: 'Action.Execute',
        title: 'Ready',
        verb: 'signoff.answer',
        associatedInputs: 'none',
        data: { rolloutId: rollout.id, requestId: 'req-7', ready: true },
      }),
      expect.objectContaining({
        type: 'Action.Execute',
        title: 'Not ready',
        verb: 'signoff.answer',
        associatedInputs: 'auto',
        data: { rolloutId: rollout.id, requestId: 'req-7', ready: false },
      }),
    ]);
  });

  it('the reason input: labelled, multiline, at most MAX_REASON_LENGTH characters', () => {
    const inputs: Record<string, unknown>[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.type === 'Input.Text') inputs.push(n);
      Object.values(n).forEach(walk);
    };
    walk(render());
    expect(inputs).toEqual([
      expect.objectContaining({
        id: 'reason',
        label: 'If not ready: what is missing?',
        isMultiline: true,
        maxLength: MAX_REASON_LENGTH,
      }),
    ]);
  });

  it('closed: no buttons and no input, the tally still shown', () => {
    const card = render(aView({ now: '2026-02-13T00:00:00.000Z' }), { viewer: CY });
    expect(answerActions(card)).toEqual([]);
    expect(findAction(card, 'signoff.answer')).toBeNull();
    expect(formValues(card)).toEqual({});
    expect(text(card)).toContain('Ready (1)');
    expect(text(card)).toMatch(/^You did not answer\.$/m);
  });
});

describe('refresh (user-specific views)', () => {
  it('while open: signoff.view for the request, automatic for each member by MRI', () => {
    const refresh = refreshOf(render());
    expect(refresh?.action).toEqual({
      type: 'Action.Execute',
      title: 'Refresh',
      verb: 'signoff.view',
      data: { rolloutId: rollout.id, requestId: 'req-7' },
    });
    expect(refresh?.userIds).toEqual(MEMBERS.map((id) => `8:orgid:${id}`));
    expect(memberMri(ANA.id)).toBe(`8:orgid:${ANA.id}`);
  });

  it(`up to ${REFRESH_LIMIT} members are listed; with more, none (Teams offers a manual refresh)`, () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => memberId(i));
    expect(refreshOf(render(aView({ answers: [] }, { members: ids(REFRESH_LIMIT) })))?.userIds).toHaveLength(
      60,
    );
    const many = refreshOf(render(aView({ answers: [] }, { members: ids(REFRESH_LIMIT + 1) })));
    expect(many?.action).toMatchObject({ verb: 'signoff.view' });
    expect(many?.userIds ?? undefined).toBeUndefined();
  });

  it('no refresh once closed or superseded', () => {
    expect(refreshOf(render(aView({ now: '2026-02-13T00:00:00.000Z' })))).toBeUndefined();
    expect(refreshOf(render(aView({}, { status: 'superseded' })))).toBeUndefined();
  });

  it('the template’s refresh and buttons name the verbs literally', () => {
    const template = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'cards', 'signoff-request.json'), 'utf8'),
    ) as Card;
    expect((template.refresh as { action: { verb: string } }).action.verb).toBe('signoff.view');
    expect((template.actions as { verb: string }[]).map((a) => a.verb)).toEqual([
      'signoff.answer',
      'signoff.answer',
    ]);
  });
});

describe('every state parses and validates cleanly', () => {
  it.each([
    ['open, shared', () => render()],
    ['open, a member', () => render(aView(), { viewer: BO, notice: 'Saved.' })],
    [
      'open, many members',
      () => render(aView({}, { members: Array.from({ length: 61 }, (_, i) => memberId(i)) })),
    ],
    ['closed', () => render(aView({ now: '2026-02-13T00:00:00.000Z' }), { viewer: CY })],
    ['superseded', () => render(aView({}, { status: 'superseded' }))],
    ['nothing in the plan', () => render(aView({}, { stageId: 'enterprise/gone', members: [] }))],
  ])('%s', (_name, make) => {
    const card = make();
    expect(JSON.stringify(card)).not.toContain('${');
    expect(problems(card)).toEqual([]);
  });
});

describe('the largest request stays under the size limit', () => {
  const data = CARD_FIXTURES['signoff-request'];
  const card = signoffRequestCard.render(data).content;

  it('is the card fixture, under 80 KB', () => {
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
  });

  it(`caps each list at ${LIST_LIMIT} names, then "and N more"`, () => {
    expect(data.notReadyList.rows).toHaveLength(LIST_LIMIT);
    expect(text(card)).toMatch(/^Not ready \(60\)$/m);
    expect(text(card)).toMatch(/^and 10 more$/m);
    expect(text(card)).toMatch(/^Not answered \(140\)$/m);
    expect(data.pendingList.text.split(', ')).toHaveLength(LIST_LIMIT);
    expect(data.pendingList.text).toMatch(/ and 90 more$/);
  });

  it('with 200 members, no automatic refresh list', () => {
    expect(largestSignoff().request.members).toHaveLength(200);
    expect(data.refreshUserIds).toBeNull();
  });

  it('the communication plan is cut short', () => {
    expect(text(card)).not.toContain('d'.repeat(301));
    expect(text(card)).toContain(`${'d'.repeat(300)}…`);
  });
});
