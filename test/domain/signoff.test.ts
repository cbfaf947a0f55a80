import {
  answersOpen,
  decideAnswer,
  evaluateReadiness,
  nextStageId,
  readinessFingerprint,
  readinessPlanOf,
  tallyOf,
  type SignoffAnswer,
  type SignoffPolicy,
  type SignoffRequest,
} from '../../src/domain/signoff';
import { ADMIN, aRollout, NOW, withWaves } from './fixtures';

const M = ['m1', 'm2', 'm3'];
const person = (id: string) => ({ id, name: id.toUpperCase() });
const requestWith = (policy: SignoffPolicy, extra: Partial<SignoffRequest> = {}): SignoffRequest => ({
  id: 'sg-1',
  tenantId: 't',
  rolloutId: 'ro-test',
  stageId: 'pilot',
  stageLabel: 'Pilot',
  policy,
  allowNotReady: false,
  members: M,
  deadline: null,
  fingerprint: '',
  status: 'open',
  supersededBy: null,
  createdBy: ADMIN,
  createdAt: NOW.toISOString(),
  postedTo: null,
  messageId: null,
  ...extra,
});
/** Answers as `R` (ready) / `N` (not ready) / `-` (none), in answer order for m1, m2, m3. */
const answers = (pattern: string, order = [0, 1, 2]): SignoffAnswer[] =>
  order.flatMap((i, n) => {
    const c = pattern[i];
    if (c !== 'R' && c !== 'N') return [];
    const at = new Date(NOW.getTime() + n * 1000).toISOString();
    return [
      {
        person: person(M[i] ?? ''),
        ready: c === 'R',
        reason: c === 'N' ? 'no training yet' : null,
        at,
        activities: [],
      },
    ];
  });

describe('the sign-off policies (decision table)', () => {
  it.each<[string, SignoffPolicy, boolean, string, boolean]>([
    ['everyone', { kind: 'everyone' }, false, 'RRR', true],
    ['everyone', { kind: 'everyone' }, false, 'RR-', false],
    ['everyone', { kind: 'everyone' }, false, 'RRN', false],
    ['quorum 2', { kind: 'quorum', n: 2 }, false, 'RR-', true],
    ['quorum 2', { kind: 'quorum', n: 2 }, false, 'R--', false],
    ['quorum 2', { kind: 'quorum', n: 2 }, false, 'RRN', false],
    ['quorum 2, not ready allowed', { kind: 'quorum', n: 2 }, true, 'RRN', true],
    ['quorum 2, not ready allowed', { kind: 'quorum', n: 2 }, true, 'RNN', false],
    ['first', { kind: 'first' }, false, 'R--', true],
    ['first', { kind: 'first' }, false, 'N--', false],
    ['first', { kind: 'first' }, false, '---', false],
  ])('%s with answers %s → met %s', (_name, policy, allowNotReady, pattern, met) => {
    expect(tallyOf(requestWith(policy, { allowNotReady }), answers(pattern)).met).toBe(met);
  });

  it('first: the earliest standing answer decides, not the member order', () => {
    const request = requestWith({ kind: 'first' });
    expect(tallyOf(request, answers('NR-', [1, 0])).met).toBe(true);
    expect(tallyOf(request, answers('NR-', [0, 1])).met).toBe(false);
  });

  it('the tally lists who is ready, who is not and why, and who has not answered', () => {
    const t = tallyOf(requestWith({ kind: 'everyone' }), answers('RN-'));
    expect(t.ready.map((a) => a.person.id)).toEqual(['m1']);
    expect(t.notReady.map((a) => [a.person.id, a.reason])).toEqual([['m2', 'no training yet']]);
    expect(t.pending).toEqual(['m3']);
  });

  it('everyone with nobody named is unmet and says why', () => {
    expect(tallyOf(requestWith({ kind: 'everyone' }, { members: [] }), []).reason).toMatch(
      /No help-desk members/,
    );
  });

  it('answers from people who are not members do not count', () => {
    const outsider: SignoffAnswer = {
      person: person('x'),
      ready: true,
      reason: null,
      at: NOW.toISOString(),
      activities: [],
    };
    expect(tallyOf(requestWith({ kind: 'first' }), [outsider]).met).toBe(false);
  });
});

describe('answering', () => {
  const request = requestWith(
    { kind: 'everyone' },
    { deadline: new Date(NOW.getTime() + 3600_000).toISOString() },
  );
  const input = (
    extra: Partial<{
      ready: boolean;
      reason: string;
      activityKey: string;
      by: { id: string; name: string };
    }> = {},
  ) => ({
    by: person('m1'),
    ready: true,
    reason: '',
    activityKey: 'c|1',
    ...extra,
  });

  it.each<[string, Partial<Parameters<typeof input>[0]>, Partial<SignoffRequest>, Date, RegExp]>([
    ['a non-member', { by: person('x') }, {}, NOW, /Only the help-desk members/],
    ['Not ready without a reason', { ready: false, reason: '  ' }, {}, NOW, /needs a reason/],
    ['a reason over 500 characters', { ready: false, reason: 'x'.repeat(501) }, {}, NOW, /at most 500/],
    [
      'after the deadline',
      {},
      {},
      new Date(NOW.getTime() + 3600_000),
      /deadline for this sign-off passed at 10 Feb 2026, 18:30 UTC; ask an admin to extend it/,
    ],
    ['a superseded request', {}, { status: 'superseded' }, NOW, /replaced by a newer one/],
  ])('%s is refused', (_name, extra, requestExtra, now, message) => {
    const decision = decideAnswer({ ...request, ...requestExtra }, null, input(extra), now);
    expect(decision.kind === 'refused' && decision.message).toMatch(message);
  });

  it('a member may change the answer until the deadline; the same answer again changes nothing', () => {
    const first = decideAnswer(request, null, input({ ready: false, reason: 'No runbook' }), NOW);
    if (first.kind !== 'store') throw new Error(first.kind);
    expect(first.notReadyReported).toBe(true);
    expect(
      decideAnswer(
        request,
        first.answer,
        input({ ready: false, reason: 'No runbook', activityKey: 'c|2' }),
        NOW,
      ).kind,
    ).toBe('unchanged');
    expect(
      decideAnswer(request, first.answer, input({ ready: false, reason: 'x', activityKey: 'c|1' }), NOW).kind,
    ).toBe('duplicate');
    const changed = decideAnswer(request, first.answer, input({ activityKey: 'c|3' }), NOW);
    expect(changed.kind === 'store' && changed.answer).toMatchObject({ ready: true, reason: null });
  });

  it('answers are open until the deadline, to the millisecond', () => {
    expect(answersOpen(request, new Date(Date.parse(request.deadline ?? '') - 1))).toBe(true);
    expect(answersOpen(request, new Date(request.deadline ?? ''))).toBe(false);
  });
});

describe('where sign-off applies', () => {
  it.each<[string, ReturnType<typeof aRollout>, string, boolean]>([
    ['entering the pilot', aRollout(), 'pilot', true],
    ['entering the proof of concept', aRollout(), 'poc', false],
    ['entering the enterprise rollout', aRollout(), 'enterprise', true],
    ['entering operations', aRollout(), 'operations', false],
    ['each enterprise wave', withWaves(aRollout(), ['HR', 'Sales']), 'enterprise/w2', true],
    ['the pilot’s first stage (enrollment)', aRollout({}, 'enrollment'), 'pilot/it-users', true],
    ['a later pilot stage', aRollout({}, 'enrollment'), 'pilot/more-it-users', false],
  ])('by default: %s → %s', (_name, rollout, stageId, needed) => {
    expect(readinessPlanOf(rollout, stageId) !== null).toBe(needed);
  });

  it('the plan can turn it off', () => {
    const rollout = aRollout();
    const off = {
      ...rollout,
      phases: rollout.phases.map((p) => (p.key === 'pilot' ? { ...p, readiness: null } : p)),
    };
    expect(readinessPlanOf(off, 'pilot')).toBeNull();
  });
});

describe('the readiness gate', () => {
  const rollout = aRollout({ position: { phase: 'poc', wave: null } });
  const stageId = nextStageId(rollout) ?? '';
  const request = requestWith(
    { kind: 'everyone' },
    { stageId, fingerprint: readinessFingerprint(rollout, stageId) },
  );

  it.each<[string, boolean, RegExp, Parameters<typeof evaluateReadiness>[1]]>([
    ['no request yet', false, /No readiness request/, null],
    ['everyone ready', true, /Everyone is ready/, { request, answers: answers('RRR') }],
    ['one not answered', false, /Waiting for 1 of 3/, { request, answers: answers('RR-') }],
    [
      'a superseded request',
      false,
      /plan changed/,
      { request: { ...request, status: 'superseded' }, answers: answers('RRR') },
    ],
    [
      'a request made before the plan changed',
      false,
      /plan changed/,
      { request: { ...request, fingerprint: 'old' }, answers: answers('RRR') },
    ],
  ])('%s → met %s', (_name, met, reason, state) => {
    const [result] = evaluateReadiness(rollout, state);
    expect(result).toMatchObject({ id: 'pilot:readiness', met });
    expect(result?.reason).toMatch(reason);
  });

  it('no criterion when entering the next stage needs no sign-off', () => {
    expect(evaluateReadiness(aRollout(), null)).toEqual([]);
  });
});
