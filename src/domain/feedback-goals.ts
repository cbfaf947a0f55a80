import type { CriterionResult } from './decision';
import { emptyTally, figuresOf, sumTallies, type FeedbackTally } from './feedback';
import type { Phase, Rollout, Stage, Wave } from './rollout';

/**
 * Feedback goals of one phase or wave, the exit criteria its measured feedback must meet. Each
 * goal is optional (null: not a goal). The responses goal of a known audience needs its share and
 * the count (capped at the audience's size), whichever needs more (`responsesNeeded`).
 */
export interface FeedbackGoals {
  minResponses: number | null;
  /** % of the audience; with only this set, unmet (with the reason) while its size is unknown. */
  minResponsePercent: number | null;
  minAverageRating: number | null;
  /** % of answers saying the app installed and worked ("partly" does not count). */
  minInstallSuccess: number | null;
  maxOpenBlockers: number | null;
}

/** Whether a phase or wave takes feedback, and its goals. */
export interface FeedbackPlan {
  goals: FeedbackGoals;
}

export const DEFAULT_FEEDBACK_GOALS: Readonly<FeedbackGoals> = {
  minResponses: 10,
  minResponsePercent: 30,
  minAverageRating: 3.5,
  minInstallSuccess: 90,
  maxOpenBlockers: 0,
};

export const defaultFeedbackPlan = (): FeedbackPlan => ({ goals: { ...DEFAULT_FEEDBACK_GOALS } });

/** A stage id names a phase (`pilot`) or a wave (`pilot/it-users`). */
export const isWaveStageId = (stageId: string): boolean => stageId.includes('/');

/**
 * The stage's feedback plan: as the plan says, else the default (the pilot and every wave take
 * feedback with the default goals; other phases take none).
 */
export const feedbackPlanOf = (stage: Stage, stageId: string): FeedbackPlan | null => {
  if (stage.feedback !== undefined) return stage.feedback;
  return stageId === 'pilot' || isWaveStageId(stageId) ? defaultFeedbackPlan() : null;
};

/** Who a phase or wave is for: explicit member ids (null when unknown) and its size (when known). */
export interface Audience {
  ids: ReadonlySet<string> | null;
  size: number | null;
}

const waveAudience = (wave: Wave): Audience => {
  if (wave.members.length > 0) {
    const ids = new Set(wave.members.map((m) => m.toLowerCase()));
    return { ids, size: ids.size };
  }
  return { ids: null, size: wave.users };
};

const phaseAudience = (phase: Phase): Audience => {
  if (phase.waves.length === 0) return { ids: null, size: null };
  const parts = phase.waves.map(waveAudience);
  const ids = parts.every((p) => p.ids) ? new Set(parts.flatMap((p) => [...(p.ids ?? [])])) : null;
  const sizes = parts.map((p) => p.size);
  const size = ids
    ? ids.size
    : sizes.every((s) => s !== null)
      ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0)
      : null;
  return { ids, size };
};

export interface StageLookup {
  id: string;
  phase: Phase;
  wave: Wave | null;
  stage: Stage;
}

/**
 * Finds a phase or wave by its stage id, spelled exactly: `<phase>` or `<phase>/<wave id>`, no
 * empty part and no further `/` (a crafted `pilot/it-users/1` names nothing).
 */
export const findStage = (rollout: Rollout, stageId: string): StageLookup | null => {
  const parts = stageId.split('/');
  if (parts.length > 2 || parts.some((part) => part === '')) return null;
  const [phaseKey, waveId] = parts;
  const phase = rollout.phases.find((p) => p.key === phaseKey);
  if (!phase) return null;
  if (waveId === undefined) return { id: stageId, phase, wave: null, stage: phase };
  const wave = phase.waves.find((w) => w.id === waveId);
  return wave ? { id: stageId, phase, wave, stage: wave } : null;
};

export const audienceOf = (rollout: Rollout, stageId: string): Audience => {
  const found = findStage(rollout, stageId);
  if (!found) return { ids: null, size: null };
  return found.wave ? waveAudience(found.wave) : phaseAudience(found.phase);
};

/** Every stage id of the plan, in plan order: each phase, then its waves. */
export const stageIds = (rollout: Rollout): string[] =>
  rollout.phases.flatMap((p) => [p.key, ...p.waves.map((w) => `${p.key}/${w.id}`)]);

/** The stage a feedback card is issued for now: the current wave, else the current phase. */
export const currentStageId = (rollout: Rollout): string => {
  const { phase, wave } = rollout.position;
  const waveId = wave === null ? undefined : rollout.phases.find((p) => p.key === phase)?.waves[wave]?.id;
  return waveId ? `${phase}/${waveId}` : phase;
};

/** Measured feedback per stage id, as the store sums it. */
export type FeedbackMeasurements = ReadonlyMap<string, FeedbackTally>;

/**
 * A wave's own tally; a phase's own plus its waves' (a phase's feedback includes its waves'):
 * only the waves the plan has now, so counts stored under an id the plan does not know (a removed
 * wave, a crafted id) never reach a phase. A stage the plan does not know has its own tally only.
 */
export const stageTally = (
  rollout: Rollout,
  measured: FeedbackMeasurements,
  stageId: string,
): FeedbackTally => {
  const found = findStage(rollout, stageId);
  if (!found || found.wave) return measured.get(stageId) ?? emptyTally();
  const ids = [stageId, ...found.phase.waves.map((w) => `${stageId}/${w.id}`)];
  return sumTallies(ids.map((id) => measured.get(id) ?? emptyTally()));
};

/**
 * Whether `part / whole` is at least `goal`, compared exactly: the goal as written (3.5, 1.1, 89.95)
 * is a decimal fraction, compared in integers, so a ratio a hair below never passes for a rounded one
 * and 11 of 10 meets 1.1 although 1.1 × 10 is not 11 in floating point. No answers: unmet.
 */
export const ratioAtLeast = (part: number, whole: number, goal: number): boolean => {
  if (whole <= 0) return false;
  const fraction = decimalFraction(goal);
  if (!fraction) return false;
  const [numerator, denominator] = fraction;
  return BigInt(Math.round(part)) * denominator >= numerator * BigInt(Math.round(whole));
};

/** A finite non-negative number as the decimal fraction its shortest spelling says; null otherwise. */
const decimalFraction = (n: number): [bigint, bigint] | null => {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(n));
  if (!match) return null;
  const [, whole = '', decimals = '', exponent = '0'] = match;
  const scale = Number(exponent) - decimals.length;
  const digits = BigInt(`${whole}${decimals}`);
  return scale >= 0 ? [digits * 10n ** BigInt(scale), 1n] : [digits, 10n ** BigInt(-scale)];
};

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * `percent`% of `people`, rounded up, exactly: the percentage as written is a decimal fraction
 * (30% of 10 is 3, 33.3% of 3 is 1 although 0.999 is not). A percentage that is not a finite
 * non-negative number (the plan's rules never let one through) needs everyone.
 */
export const shareNeeded = (percent: number, people: number): number => {
  const fraction = decimalFraction(percent);
  if (!fraction) return people;
  const [numerator, denominator] = fraction;
  const whole = denominator * 100n;
  return Number((numerator * BigInt(Math.round(people)) + whole - 1n) / whole);
};

/**
 * How many answers the responses goal needs (null: it cannot be met), its target as shown and why.
 * With a known audience of N people: `max(ceil(minResponsePercent% × N), min(minResponses, N))` (a
 * goal left out counts as 0), so a large audience needs its share and a small one no more answers
 * than it has people; an empty audience can never meet it. With an unknown audience:
 * `minResponses`; none when only the share is set.
 */
const responsesNeeded = (
  { minResponses, minResponsePercent }: Pick<FeedbackGoals, 'minResponses' | 'minResponsePercent'>,
  audience: number | null,
): { needed: number | null; target: string; why: string } => {
  const answers = (n: number): string => `${count(n)} ${n === 1 ? 'answer' : 'answers'} needed`;
  const result = (needed: number, why: string) => ({ needed, target: `at least ${count(needed)}`, why });
  if (audience === null) {
    const unknown = 'the audience size is unknown, so a share of it cannot be measured';
    if (minResponses !== null)
      return result(
        minResponses,
        minResponsePercent === null ? answers(minResponses) : `${unknown}; ${answers(minResponses)}`,
      );
    return {
      needed: null,
      target: `${fmt(minResponsePercent ?? 0)}% of the audience`,
      why: `${unknown}: list the members or the number of users in the plan`,
    };
  }
  if (audience === 0) {
    // An empty audience (a group with nobody left after the filters) is a plan to fix, not a pass.
    return {
      needed: null,
      target: 'answers from the audience',
      why: 'the audience is empty, so nobody can answer: check its groups and filters',
    };
  }
  const people = `${count(audience)} ${audience === 1 ? 'person' : 'people'}`;
  const byCount = minResponses === null ? 0 : Math.min(minResponses, audience);
  if (minResponsePercent !== null) {
    const share = shareNeeded(minResponsePercent, audience);
    if (share >= byCount)
      return result(share, `${fmt(minResponsePercent)}% of ${people} = ${answers(share)}`);
  }
  return minResponses !== null && minResponses > audience
    ? result(byCount, `${answers(byCount)}: the audience has only ${people}`)
    : result(byCount, `${answers(byCount)} of ${people}`);
};

/**
 * The audience sizes resolved for stages (by stage id: people in the stage's audience snapshot),
 * which the responses goal measures against; a stage without one is sized by its plan
 * (`audienceOf`: listed members, else the wave's planned users).
 */
export type AudienceSizes = ReadonlyMap<string, number>;

/** A stage's audience size: resolved when given, else as the plan says (null: unknown). */
export const audienceSizeOf = (rollout: Rollout, stageId: string, sizes?: AudienceSizes): number | null =>
  sizes?.get(stageId) ?? audienceOf(rollout, stageId).size;

/**
 * Each feedback goal of a stage measured against its target; the responses goal against the
 * stage's audience size, `audienceSizes`' when it has one (`responsesNeeded`).
 */
export const evaluateFeedbackGoals = (
  rollout: Rollout,
  stageId: string,
  goals: FeedbackGoals,
  measured: FeedbackMeasurements,
  audienceSizes?: AudienceSizes,
): CriterionResult[] => {
  const found = findStage(rollout, stageId);
  const title = found?.stage.title ?? stageId;
  const tally = stageTally(rollout, measured, stageId);
  const f = figuresOf(tally, audienceSizeOf(rollout, stageId, audienceSizes));
  const results: CriterionResult[] = [];
  const id = (goal: string): string => `${stageId}:feedback-${goal}`;

  if (goals.minResponses !== null || goals.minResponsePercent !== null) {
    const { needed, target, why } = responsesNeeded(goals, f.audience);
    const met = needed !== null && f.responses >= needed;
    results.push({
      id: id('responses'),
      label: `${title}: feedback responses`,
      met,
      measured:
        f.responseRate !== null
          ? `${f.responses} (${fmt(f.responseRate)}% of ${f.audience})`
          : `${f.responses}`,
      target,
      reason: met
        ? `${f.responses} ${f.responses === 1 ? 'person has' : 'people have'} answered; ${why}.`
        : `Not enough answers yet: ${why}.`,
    });
  }
  if (goals.minAverageRating !== null) {
    // Compared on the exact sum, not the rounded average shown: 3.495 does not meet 3.5.
    const met = ratioAtLeast(tally.ratingSum, tally.responses, goals.minAverageRating);
    results.push({
      id: id('rating'),
      label: `${title}: average rating`,
      met,
      measured: f.averageRating === null ? 'no ratings yet' : `${f.averageRating.toFixed(2)} of 5`,
      target: `at least ${fmt(goals.minAverageRating)}`,
      reason:
        f.averageRating === null ? 'Nobody has rated it yet.' : met ? 'Rated well enough.' : 'Rated too low.',
    });
  }
  if (goals.minInstallSuccess !== null) {
    // yes × 100 ≥ goal × responses, exactly: 89.95% does not meet 90%.
    const met = ratioAtLeast(tally.installed.yes * 100, tally.responses, goals.minInstallSuccess);
    const partly = f.installPartly ? ` (${fmt(f.installPartly)}% partly)` : '';
    results.push({
      id: id('install'),
      label: `${title}: install success`,
      met,
      measured: f.installSuccess === null ? 'no answers yet' : `${fmt(f.installSuccess)}%${partly}`,
      target: `at least ${fmt(goals.minInstallSuccess)}%`,
      reason:
        f.installSuccess === null
          ? 'Nobody has said yet whether it installed and worked.'
          : met
            ? 'Enough people say it installed and worked.'
            : 'Too many people say it did not install or work (“partly” does not count as success).',
    });
  }
  if (goals.maxOpenBlockers !== null) {
    const met = f.openBlockers <= goals.maxOpenBlockers;
    results.push({
      id: id('blockers'),
      label: `${title}: open blockers`,
      met,
      measured: `${f.openBlockers}`,
      target: `at most ${goals.maxOpenBlockers}`,
      reason: met
        ? 'No more blockers are open than allowed.'
        : 'Reported blockers are still open: an admin marks each one resolved from its notice card.',
    });
  }
  return results;
};
