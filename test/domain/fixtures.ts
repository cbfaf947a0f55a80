import { createRollout, type Rollout, type TemplateName } from '../../src/domain/rollout';
import { newWave } from '../../src/domain/templates';
import type { PhaseKey } from '../../src/domain/phases';
import { contribution, sumTallies, type FeedbackAnswer, type FeedbackTally } from '../../src/domain/feedback';
import type { FeedbackMeasurements } from '../../src/domain/feedback-goals';
import {
  nextStageId,
  readinessFingerprint,
  type ReadinessState,
  type SignoffRequest,
} from '../../src/domain/signoff';

export const NOW = new Date('2026-02-10T17:30:00.000Z');
export const ADMIN = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' };
export const OTHER = { id: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'Lee Gu' };

export const aRollout = (overrides: Partial<Rollout> = {}, template: TemplateName = 'app'): Rollout => {
  const decision = createRollout(
    {
      id: 'ro-test',
      tenantId: 'tenant',
      name: 'Teams Premium',
      by: ADMIN,
      coordination: { conversationId: 'conv', conversationType: 'channel', serviceUrl: 'http://x/' },
      template,
      timeZone: 'UTC',
    },
    NOW,
  );
  if (!decision.ok) throw new Error(decision.error.message);
  return { ...decision.value, ...overrides };
};

/** Every checklist item of the phase (and of its waves) ticked. */
export const withChecklistDone = (rollout: Rollout, key: PhaseKey): Rollout => ({
  ...rollout,
  phases: rollout.phases.map((p) =>
    p.key !== key
      ? p
      : {
          ...p,
          checklist: p.checklist.map((i) => ({ ...i, done: true })),
          waves: p.waves.map((w) => ({ ...w, checklist: w.checklist.map((i) => ({ ...i, done: true })) })),
        },
  ),
});

export const withWaves = (rollout: Rollout, names: string[]): Rollout => ({
  ...rollout,
  phases: rollout.phases.map((p) =>
    p.key !== 'enterprise'
      ? p
      : {
          ...p,
          waves: names.map((name, i) =>
            newWave({
              id: `w${i + 1}`,
              name,
              kind: 'department',
              enrollment: 'self-service',
            }),
          ),
        },
  ),
});

/** An answer's counts, many times over: `n` answers rated `rating`, installed as said. */
export const tallyOf = (
  n: number,
  {
    rating = 5,
    installed = 'yes',
    severity = 'none',
  }: Partial<Pick<FeedbackAnswer, 'rating' | 'installed' | 'severity'>> = {},
): FeedbackTally => {
  const one = contribution({
    rolloutId: 'ro-test',
    stageId: 'pilot',
    person: OTHER,
    answer: {
      rating,
      installed,
      category: 'other',
      severity,
      platform: 'windows',
      comment: '',
      shareName: false,
    },
    submittedAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    resolution: null,
    activities: [],
  });
  return sumTallies(Array.from({ length: n }, () => one));
};

/** Feedback that meets the default goals, for the pilot and the waves the fixtures create. */
export const GOOD_FEEDBACK: FeedbackMeasurements = new Map(
  ['pilot', 'enterprise/w1', 'enterprise/w2', 'enterprise/w3'].map((id) => [id, tallyOf(10)]),
);

/** A readiness request for the stage the rollout enters next, every member (ADMIN) ready. */
export const readyFor = (rollout: Rollout): ReadinessState | null => {
  const stageId = nextStageId(rollout);
  if (!stageId) return null;
  const request: SignoffRequest = {
    id: 'sg-test',
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId,
    stageLabel: stageId,
    policy: { kind: 'everyone' },
    allowNotReady: false,
    members: [ADMIN.id],
    deadline: null,
    fingerprint: readinessFingerprint(rollout, stageId),
    status: 'open',
    supersededBy: null,
    createdBy: ADMIN,
    createdAt: NOW.toISOString(),
    postedTo: null,
    messageId: null,
  };
  return {
    request,
    answers: [{ person: ADMIN, ready: true, reason: null, at: NOW.toISOString(), activities: [] }],
  };
};

/** What the gate measures when feedback goals and the help desk's readiness are met. */
export const passing = (
  rollout: Rollout,
): { measured: FeedbackMeasurements; readiness: ReadinessState | null } => ({
  measured: GOOD_FEEDBACK,
  readiness: readyFor(rollout),
});
