import {
  addTallies,
  contribution,
  decideResolve,
  decideSubmit,
  emptyTally,
  figuresOf,
  KEPT_ACTIVITY_KEYS,
  sumTallies,
  tallyDelta,
  type FeedbackAnswer,
  type FeedbackEntry,
} from '../../src/domain/feedback';
import { feedbackGate } from '../../src/domain/feedback-access';
import {
  evaluateFeedbackGoals,
  findStage,
  shareNeeded,
  stageTally,
  type FeedbackGoals,
} from '../../src/domain/feedback-goals';
import type { AccessPolicy } from '../../src/domain/roles';
import { ADMIN, aRollout, NOW, OTHER, tallyOf, withWaves } from './fixtures';

const NO_GOALS: FeedbackGoals = {
  minResponses: null,
  minResponsePercent: null,
  minAverageRating: null,
  minInstallSuccess: null,
  maxOpenBlockers: null,
};

const ANSWER: FeedbackAnswer = {
  rating: 4,
  installed: 'yes',
  category: 'functionality',
  severity: 'none',
  platform: 'windows',
  comment: 'Works well',
  shareName: true,
};
const input = (answer: Partial<FeedbackAnswer> = {}, activityKey = 'conv|act-1') => ({
  rolloutId: 'ro-test',
  stageId: 'pilot',
  person: OTHER,
  answer: { ...ANSWER, ...answer },
  activityKey,
});
const stored = (answer: Partial<FeedbackAnswer> = {}, activityKey = 'conv|act-1'): FeedbackEntry => {
  const decision = decideSubmit(null, input(answer, activityKey), NOW);
  if (decision.kind !== 'store') throw new Error(decision.kind);
  return decision.entry;
};
const LATER = new Date(NOW.getTime() + 60_000);
const r = (resolved: boolean, report: boolean, openBlockers: number, openMajors: number) => ({
  resolved,
  report,
  openBlockers,
  openMajors,
});

describe('submitting feedback', () => {
  it('a first answer adds one to every count it touches, and is kept with who and when', () => {
    const decision = decideSubmit(null, input(), NOW);
    if (decision.kind !== 'store') throw new Error(decision.kind);
    expect(decision.entry).toMatchObject({
      person: OTHER,
      submittedAt: NOW.toISOString(),
      activities: ['conv|act-1'],
    });
    expect(decision.delta).toMatchObject({
      responses: 1,
      ratingSum: 4,
      ratings: { 4: 1, 5: 0 },
      platforms: { windows: 1 },
      categories: { functionality: 1 },
      installed: { yes: 1 },
      openBlockers: 0,
    });
    expect(decision.report).toBe(false);
  });

  it('an edit moves the counts from the old answer to the new one; responses stay put', () => {
    const before = stored();
    const decision = decideSubmit(
      before,
      input({ rating: 2, installed: 'partly', platform: 'macos' }, 'conv|act-2'),
      LATER,
    );
    if (decision.kind !== 'store') throw new Error(decision.kind);
    expect(decision.delta).toMatchObject({
      responses: 0,
      ratingSum: -2,
      ratings: { 4: -1, 2: 1 },
      platforms: { windows: -1, macos: 1 },
      installed: { yes: -1, partly: 1 },
    });
    expect(decision.entry).toMatchObject({ submittedAt: NOW.toISOString(), updatedAt: LATER.toISOString() });
    // The counts after the edit are those of the new answer alone.
    expect(addTallies(tallyDelta(null, before), decision.delta)).toEqual(tallyDelta(null, decision.entry));
  });

  it('a redelivered activity is recognised and changes nothing', () => {
    expect(decideSubmit(stored(), input({ rating: 1 }), LATER).kind).toBe('duplicate');
  });

  it('the same answer again (a double click) changes nothing', () => {
    expect(decideSubmit(stored(), input({}, 'conv|act-2'), LATER).kind).toBe('unchanged');
  });

  it(`keeps the last ${KEPT_ACTIVITY_KEYS} activity keys`, () => {
    let entry = stored();
    for (let i = 0; i < KEPT_ACTIVITY_KEYS + 3; i++) {
      const decision = decideSubmit(entry, input({ rating: i % 2 ? 3 : 5 }, `conv|edit-${i}`), LATER);
      if (decision.kind !== 'store') throw new Error(decision.kind);
      entry = decision.entry;
    }
    expect(entry.activities).toHaveLength(KEPT_ACTIVITY_KEYS);
    expect(entry.activities.at(-1)).toBe(`conv|edit-${KEPT_ACTIVITY_KEYS + 2}`);
  });

  it.each<[string, FeedbackAnswer['severity'] | null, FeedbackAnswer['severity'], boolean]>([
    ['a new blocker', null, 'blocker', true],
    ['a new major issue', null, 'major', true],
    ['a new minor issue', null, 'minor', false],
    ['minor raised to major', 'minor', 'major', true],
    ['major raised to blocker', 'major', 'blocker', true],
    ['blocker lowered to major', 'blocker', 'major', false],
    ['blocker edited, still blocker', 'blocker', 'blocker', false],
  ])('%s: reported to the coordination conversation → %s', (_name, before, after, report) => {
    const existing = before ? stored({ severity: before }) : null;
    const decision = decideSubmit(
      existing,
      input({ severity: after, comment: 'changed' }, 'conv|act-9'),
      LATER,
    );
    expect(decision.kind === 'store' && decision.report).toBe(report);
  });
});

describe('resolving a reported issue', () => {
  const blocker = stored({ severity: 'blocker' });

  it('needs a note; resolving closes the blocker in the counts', () => {
    expect(decideResolve(blocker, { by: ADMIN, resolved: true, note: ' ' }, LATER)).toMatchObject({
      ok: false,
    });
    const decision = decideResolve(blocker, { by: ADMIN, resolved: true, note: 'Fixed in 2.1' }, LATER);
    if (!decision.ok || decision.kind !== 'store') throw new Error('expected a change');
    expect(decision.entry.resolution).toEqual({ by: ADMIN, at: LATER.toISOString(), note: 'Fixed in 2.1' });
    expect(decision.delta).toMatchObject({ responses: 0, openBlockers: -1 });
  });

  it('an edit by the submitter keeps it resolved; a reopen counts it again', () => {
    const resolved = decideResolve(blocker, { by: ADMIN, resolved: true, note: 'Fixed' }, LATER);
    if (!resolved.ok || resolved.kind !== 'store') throw new Error('expected a change');
    const edited = decideSubmit(
      resolved.entry,
      input({ severity: 'blocker', comment: 'still?' }, 'conv|act-3'),
      LATER,
    );
    if (edited.kind !== 'store') throw new Error(edited.kind);
    expect(edited.entry.resolution?.note).toBe('Fixed');
    expect(edited.delta.openBlockers).toBe(0);
    expect(edited.report).toBe(false);
    const reopened = decideResolve(edited.entry, { by: ADMIN, resolved: false, note: '' }, LATER);
    expect(reopened.ok && reopened.kind === 'store' && reopened.delta.openBlockers).toBe(1);
  });

  type Sev = FeedbackAnswer['severity'];
  /** A resolved issue of `severity`, then the submitter's edits, one severity each. */
  const editsOfResolved = (severity: 'blocker' | 'major', edits: Sev[]) => {
    const reported = stored({ severity });
    const resolved = decideResolve(reported, { by: ADMIN, resolved: true, note: 'Fixed' }, LATER);
    if (!resolved.ok || resolved.kind !== 'store') throw new Error('expected a change');
    let entry = resolved.entry;
    let report = false;
    for (const [i, edit] of edits.entries()) {
      const decision = decideSubmit(
        entry,
        input({ severity: edit, comment: `edit ${i}` }, `conv|e${i}`),
        LATER,
      );
      if (decision.kind !== 'store') throw new Error(decision.kind);
      // The stored counts move by each delta: after the edits they are the last answer's own.
      expect(addTallies(contribution(entry), decision.delta)).toEqual(contribution(decision.entry));
      entry = decision.entry;
      report = decision.report;
    }
    const { openBlockers, openMajors } = contribution(entry);
    return { resolved: entry.resolution !== null, report, openBlockers, openMajors };
  };

  it.each<[string, 'blocker' | 'major', Sev[], ReturnType<typeof editsOfResolved>]>([
    ['blocker edited, still blocker: stays resolved', 'blocker', ['blocker'], r(true, false, 0, 0)],
    ['major edited, still major: stays resolved', 'major', ['major'], r(true, false, 0, 0)],
    ['blocker lowered to major: stays resolved', 'blocker', ['major'], r(true, false, 0, 0)],
    ['major raised to blocker: open again and reported', 'major', ['blocker'], r(false, true, 1, 0)],
    ['blocker → minor: no longer an issue, the resolution goes', 'blocker', ['minor'], r(false, false, 0, 0)],
    ['blocker → none: no longer an issue, the resolution goes', 'blocker', ['none'], r(false, false, 0, 0)],
    ['major → none: no longer an issue, the resolution goes', 'major', ['none'], r(false, false, 0, 0)],
    ['blocker → none → blocker: open and reported', 'blocker', ['none', 'blocker'], r(false, true, 1, 0)],
    ['blocker → minor → blocker: open and reported', 'blocker', ['minor', 'blocker'], r(false, true, 1, 0)],
    ['major → minor → major: open and reported', 'major', ['minor', 'major'], r(false, true, 0, 1)],
    ['major → minor → blocker: open and reported', 'major', ['minor', 'blocker'], r(false, true, 1, 0)],
  ])('a resolved issue, %s', (_name, severity, edits, expected) => {
    expect(editsOfResolved(severity, edits)).toEqual(expected);
  });

  it('only blockers and major issues can be resolved; resolving twice changes nothing', () => {
    expect(
      decideResolve(stored({ severity: 'minor' }), { by: ADMIN, resolved: true, note: 'x' }, LATER),
    ).toMatchObject({
      ok: false,
    });
    expect(decideResolve(blocker, { by: ADMIN, resolved: false, note: '' }, LATER)).toMatchObject({
      kind: 'unchanged',
    });
  });
});

describe('figures', () => {
  it('averages, install success (partly apart) and the response rate against a known audience', () => {
    const answers = [
      stored({ rating: 5, installed: 'yes' }),
      stored({ rating: 4, installed: 'yes' }),
      stored({ rating: 2, installed: 'partly' }),
      stored({ rating: 1, installed: 'no' }),
    ];
    const tally = sumTallies(answers.map((a) => tallyDelta(null, a)));
    expect(figuresOf(tally, 8)).toEqual({
      responses: 4,
      audience: 8,
      responseRate: 50,
      averageRating: 3,
      installSuccess: 50,
      installPartly: 25,
      openBlockers: 0,
      openMajors: 0,
    });
    expect(figuresOf(emptyTally(), null)).toMatchObject({
      responseRate: null,
      averageRating: null,
      installSuccess: null,
    });
  });
});

describe('who may give feedback', () => {
  const policy: AccessPolicy = { admins: new Set([ADMIN.id]), everyoneIsAdmin: false };
  const pilot = aRollout({ position: { phase: 'pilot', wave: null } });
  const withMembers = (() => {
    const r = withWaves(aRollout({ position: { phase: 'enterprise', wave: 0 } }), ['HR', 'Sales']);
    return {
      ...r,
      phases: r.phases.map((p) =>
        p.key === 'enterprise' ? { ...p, waves: p.waves.map((w) => ({ ...w, members: ['member-1'] })) } : p,
      ),
    };
  })();

  it.each<[string, typeof pilot, string, string, boolean | RegExp]>([
    ['anyone, when the audience is unknown', pilot, 'pilot', OTHER.id, true],
    ['a listed member', withMembers, 'enterprise/w1', 'member-1', true],
    ['an admin who is not listed', withMembers, 'enterprise/w1', ADMIN.id, true],
    ['nobody else', withMembers, 'enterprise/w1', OTHER.id, /not listed/],
    ['not for a wave not reached yet', withMembers, 'enterprise/w2', 'member-1', /has not reached/],
    ['not for a phase without feedback', pilot, 'poc', OTHER.id, /does not take feedback/],
    ['not for a stage not in the plan', pilot, 'pilot/nope', OTHER.id, /no longer in the plan/],
    ['not once completed', { ...pilot, status: 'completed' as const }, 'pilot', OTHER.id, /completed/],
  ])('%s', (_name, rollout, stageId, personId, expected) => {
    const gate = feedbackGate(rollout, stageId, { id: personId, name: '' }, policy);
    if (expected === true) expect(gate.open).toBe(true);
    else expect(gate.open ? 'open' : gate.message).toMatch(expected as RegExp);
  });

  it('a passed stage still takes answers (stored against it after the rollout moved on)', () => {
    const moved = aRollout({ position: { phase: 'enterprise', wave: null } });
    expect(feedbackGate(moved, 'pilot', OTHER, policy).open).toBe(true);
  });
});

describe('stage ids are exact', () => {
  const enrollment = aRollout({ position: { phase: 'pilot', wave: 0 } }, 'enrollment');
  const policy: AccessPolicy = { admins: new Set([ADMIN.id]), everyoneIsAdmin: false };

  it.each(['pilot/it-users/1', 'pilot/it-users/', 'pilot//it-users', '/it-users', 'pilot/', '', '/'])(
    '%p names no stage',
    (stageId) => {
      expect(findStage(enrollment, stageId)).toBeNull();
      expect(feedbackGate(enrollment, stageId, OTHER, policy)).toMatchObject({
        open: false,
        message: expect.stringMatching(/no longer in the plan/),
      });
    },
  );

  it('a wave and a phase are found by their exact ids', () => {
    expect(findStage(enrollment, 'pilot/it-users')?.wave?.id).toBe('it-users');
    expect(findStage(enrollment, 'pilot')?.wave).toBeNull();
    expect(feedbackGate(enrollment, 'pilot/it-users', OTHER, policy).open).toBe(true);
  });

  it('a phase with waves takes no answers of its own: they go to its waves', () => {
    expect(feedbackGate(enrollment, 'pilot', OTHER, policy)).toMatchObject({
      open: false,
      message: expect.stringMatching(/runs in waves/),
    });
    expect(feedbackGate(enrollment, 'pilot', ADMIN, policy).open).toBe(false);
    // A phase without waves still does.
    const plain = aRollout({ position: { phase: 'pilot', wave: null } });
    expect(feedbackGate(plain, 'pilot', OTHER, policy).open).toBe(true);
  });

  it("a phase's tally is its own and its actual waves' only: counts under unknown ids are left out", () => {
    const measured = new Map([
      ['pilot', tallyOf(1)],
      ['pilot/it-users', tallyOf(2)],
      ['pilot/more-it-users', tallyOf(4)],
      ['pilot/removed-wave', tallyOf(8)],
      ['pilot/it-users/1', tallyOf(16)],
      ['pilotx/it-users', tallyOf(32)],
    ]);
    expect(stageTally(enrollment, measured, 'pilot').responses).toBe(7);
    expect(stageTally(enrollment, measured, 'pilot/it-users').responses).toBe(2);
    expect(stageTally(enrollment, measured, 'pilot/removed-wave').responses).toBe(8);
    expect(stageTally(enrollment, measured, 'enterprise').responses).toBe(0);
    const responses = evaluateFeedbackGoals(enrollment, 'pilot', { ...NO_GOALS, minResponses: 1 }, measured);
    expect(responses[0]?.measured).toBe('7');
  });
});

describe('feedback goals are compared on exact values', () => {
  const pilot = aRollout({ position: { phase: 'pilot', wave: null } });
  /** `responses` answers with the given rating sum and yes count (a tally as the store sums it). */
  const measuredAs = (responses: number, ratingSum: number, yes: number) =>
    new Map([
      [
        'pilot',
        { ...emptyTally(), responses, ratingSum, installed: { yes, partly: 0, no: responses - yes } },
      ],
    ]);
  const goal = (goals: Partial<FeedbackGoals>, measured: ReturnType<typeof measuredAs>) => {
    const [result] = evaluateFeedbackGoals(pilot, 'pilot', { ...NO_GOALS, ...goals }, measured);
    if (!result) throw new Error('no goal evaluated');
    return result;
  };

  it.each<[string, Partial<FeedbackGoals>, ReturnType<typeof measuredAs>, boolean]>([
    // 6,991 ÷ 2,000 = 3.4955, shown rounded as 3.50: still below 3.5.
    ['average 3.4955 vs 3.5', { minAverageRating: 3.5 }, measuredAs(2000, 6991, 0), false],
    ['average 3.5 vs 3.5', { minAverageRating: 3.5 }, measuredAs(2000, 7000, 0), true],
    [
      'average 1.1 vs 1.1 (1.1 × 10 is not 11 in floating point)',
      { minAverageRating: 1.1 },
      measuredAs(10, 11, 0),
      true,
    ],
    ['average 1.0999 vs 1.1', { minAverageRating: 1.1 }, measuredAs(10_000, 10_999, 0), false],
    // 17,991 ÷ 20,000 = 89.955%, shown rounded as 90%: still below 90%.
    ['install 89.955% vs 90%', { minInstallSuccess: 90 }, measuredAs(20_000, 0, 17_991), false],
    ['install 90% vs 90%', { minInstallSuccess: 90 }, measuredAs(20_000, 0, 18_000), true],
    ['install 89.95% vs 89.95%', { minInstallSuccess: 89.95 }, measuredAs(2000, 0, 1799), true],
    ['install 89.9% vs 89.95%', { minInstallSuccess: 89.95 }, measuredAs(1000, 0, 899), false],
    ['no answers vs 0%', { minInstallSuccess: 0 }, measuredAs(0, 0, 0), false],
  ])('%s: met %p', (_name, goals, measured, met) => {
    expect(goal(goals, measured).met).toBe(met);
  });

  it('the shown figures stay rounded', () => {
    expect(goal({ minAverageRating: 3.5 }, measuredAs(2000, 6991, 0))).toMatchObject({
      met: false,
      measured: '3.50 of 5',
    });
    expect(goal({ minInstallSuccess: 90 }, measuredAs(20_000, 0, 17_991))).toMatchObject({
      met: false,
      measured: '90%',
    });
  });

  it('a share of the audience too: 2,999 of 10,000 (shown as 30%) is not 30%', () => {
    const members = Array.from({ length: 10_000 }, (_, i) => `m${i}`);
    const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 0 } }), ['A']);
    const withMembers = {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'enterprise' ? { ...p, waves: p.waves.map((w) => ({ ...w, members })) } : p,
      ),
    };
    const at = (n: number) =>
      evaluateFeedbackGoals(
        withMembers,
        'enterprise/w1',
        { ...NO_GOALS, minResponsePercent: 30 },
        new Map([['enterprise/w1', tallyOf(n)]]),
      )[0];
    expect(at(2999)).toMatchObject({ met: false, measured: '2999 (30% of 10000)' });
    expect(at(3000)?.met).toBe(true);
  });
});

describe('the responses goal needs the share of a known audience and the count, at most its size', () => {
  /** The enterprise phase's one wave, of `users` planned users (null: unknown). */
  const wave = (users: number | null) => {
    const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 0 } }), ['A']);
    return {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'enterprise' ? { ...p, waves: p.waves.map((w) => ({ ...w, users })) } : p,
      ),
    };
  };
  const responses = (
    users: number | null,
    answers: number,
    goals: Partial<FeedbackGoals>,
    audienceSizes?: ReadonlyMap<string, number>,
  ) =>
    evaluateFeedbackGoals(
      wave(users),
      'enterprise/w1',
      { ...NO_GOALS, ...goals },
      new Map([['enterprise/w1', tallyOf(answers)]]),
      audienceSizes,
    )[0];
  const DEFAULTS = { minResponses: 10, minResponsePercent: 30 };

  it('10 answers of 1,000 people do not meet 10 answers and 30%: 300 are needed', () => {
    expect(responses(1000, 10, DEFAULTS)).toMatchObject({
      met: false,
      target: 'at least 300',
      reason: 'Not enough answers yet: 30% of 1,000 people = 300 answers needed.',
    });
  });

  it('300 answers of 1,000 people meet them; 299 do not', () => {
    expect(responses(1000, 300, DEFAULTS)).toMatchObject({
      met: true,
      measured: '300 (30% of 1000)',
      reason: '300 people have answered; 30% of 1,000 people = 300 answers needed.',
    });
    expect(responses(1000, 299, DEFAULTS)?.met).toBe(false);
  });

  it('5 answers of 5 people meet 10 answers: no more answers than people are needed', () => {
    expect(responses(5, 5, { minResponses: 10 })).toMatchObject({
      met: true,
      target: 'at least 5',
      reason: '5 people have answered; 5 answers needed: the audience has only 5 people.',
    });
    expect(responses(5, 4, DEFAULTS)).toMatchObject({ met: false, target: 'at least 5' });
  });

  it('the count needs more than a small share: 10 of 20 people, not 30% of them', () => {
    expect(responses(20, 6, DEFAULTS)).toMatchObject({
      met: false,
      target: 'at least 10',
      reason: 'Not enough answers yet: 10 answers needed of 20 people.',
    });
    expect(responses(20, 10, DEFAULTS)?.met).toBe(true);
  });

  it('an unknown audience needs minResponses, and says the share cannot be measured', () => {
    expect(responses(null, 10, DEFAULTS)).toMatchObject({
      met: true,
      target: 'at least 10',
      reason:
        '10 people have answered; the audience size is unknown, so a share of it cannot be measured; 10 answers needed.',
    });
    expect(responses(null, 9, DEFAULTS)?.met).toBe(false);
    expect(responses(null, 1, { minResponses: 1 })).toMatchObject({
      met: true,
      reason: '1 person has answered; 1 answer needed.',
    });
  });

  it('only a share, of an unknown audience: unmet, saying why', () => {
    expect(responses(null, 500, { minResponsePercent: 30 })).toMatchObject({
      met: false,
      target: '30% of the audience',
      reason: expect.stringMatching(
        /audience size is unknown.*list the members or the number of users in the plan\.$/,
      ),
    });
  });

  it("a resolved audience size replaces the plan's", () => {
    const resolved = new Map([['enterprise/w1', 1000]]);
    expect(responses(10, 10, DEFAULTS, resolved)).toMatchObject({ met: false, target: 'at least 300' });
    expect(responses(null, 300, DEFAULTS, resolved)?.met).toBe(true);
    // A size resolved for another stage does not apply.
    expect(responses(10, 10, DEFAULTS, new Map([['enterprise/w2', 1000]]))?.met).toBe(true);
  });

  it('an empty resolved audience never meets the responses goal (the plan needs fixing)', () => {
    expect(responses(null, 0, DEFAULTS, new Map([['enterprise/w1', 0]]))).toMatchObject({
      met: false,
      reason: expect.stringContaining('the audience is empty'),
    });
  });

  it.each<[number, number, number]>([
    [30, 10, 3],
    [33.3, 3, 1],
    [1.1, 1000, 11],
    [29.99, 10_000, 2999],
    [0.1, 1, 1],
    [0, 1000, 0],
    [100, 7, 7],
  ])('%p%% of %p people is %p answers, rounded up exactly', (percent, people, needed) => {
    expect(shareNeeded(percent, people)).toBe(needed);
  });
});
