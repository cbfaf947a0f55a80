import {
  addTallies,
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
import type { AccessPolicy } from '../../src/domain/roles';
import { ADMIN, aRollout, NOW, OTHER, withWaves } from './fixtures';

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
