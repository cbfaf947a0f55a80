import type { Deps } from '../src/app/ports';
import { feedbackPersonKey } from '../src/app/feedback-keys';
import { getStatus } from '../src/app/queries';
import { submitFeedback } from '../src/app/submit-feedback';
import { decideSubmit } from '../src/domain/feedback';
import { COUNT_SHARDS, FEEDBACK_BUCKETS, feedbackBucket, shardFor } from '../src/storage/feedback-repository';
import {
  BENCH_TENANT,
  benchAnswer,
  benchDeps,
  benchPerson,
  createPilotRollout,
  PILOT,
  type BenchTables,
} from './feedback-setup';
import { forEachLimited, median, percentile } from './stats';

/** How many answers the two rollouts get, and how the status read is sampled. */
export const SMALL_ANSWERS = 100;
export const LARGE_ANSWERS = 10_000;
const FILL_CONCURRENCY = 64;
const WARM_UP_READS = 20;
const TIMED_READS = 300;

/**
 * How the rollouts are filled: `use-case` submits every answer through submitFeedback (as a click
 * would, 64 at a time); `direct` writes each answer row and its count shard with
 * TableFeedbackRepository.save and the delta the use case would compute, in one lane per
 * (bucket, shard), so no write conflicts: the same rows and counts, fewer round trips.
 */
export type FillMode = 'use-case' | 'direct';

export interface Fill {
  answers: number;
  mode: FillMode;
  ms: number;
}

export interface StatusSeries {
  answers: number;
  /** Milliseconds of each timed getStatus call. */
  samples: number[];
  median: number;
  p95: number;
}

export interface StatusReadResult {
  fills: Fill[];
  small: StatusSeries;
  large: StatusSeries;
  /** Context: 100 answers in a feedback table that holds nothing else. */
  alone: StatusSeries;
}

const submitOne = async (deps: Deps, rolloutId: string, series: number, n: number): Promise<void> => {
  const outcome = await submitFeedback(deps, {
    tenantId: BENCH_TENANT,
    rolloutId,
    stageId: PILOT,
    by: benchPerson(series, n),
    activityKey: `bench-fill|${series}|${n}`,
    answer: benchAnswer(n),
  });
  if (outcome.kind !== 'stored') throw new Error(`fill: answer ${n} was ${outcome.kind}`);
};

const fillWithUseCase = (deps: Deps, rolloutId: string, series: number, count: number): Promise<void> =>
  forEachLimited(count, FILL_CONCURRENCY, (n) => submitOne(deps, rolloutId, series, n));

/** Answers grouped by the lane that may write them without conflicts: (bucket, shard). */
const lanesOf = (rolloutId: string, series: number, count: number): number[][] => {
  const lanes: number[][] = Array.from({ length: FEEDBACK_BUCKETS * COUNT_SHARDS }, () => []);
  for (let n = 0; n < count; n++) {
    const key = feedbackPersonKey(rolloutId, benchPerson(series, n).id);
    lanes[(feedbackBucket(key) ?? 0) * COUNT_SHARDS + shardFor(key, 0)]?.push(n);
  }
  return lanes;
};

const saveOne = async (deps: Deps, rolloutId: string, series: number, n: number): Promise<void> => {
  const input = {
    rolloutId,
    stageId: PILOT,
    person: benchPerson(series, n),
    answer: benchAnswer(n),
    activityKey: `bench-fill|${series}|${n}`,
  };
  const decision = decideSubmit(null, input, deps.clock.now());
  if (decision.kind !== 'store') throw new Error(`fill: answer ${n} was ${decision.kind}`);
  // Attempt 0 writes the person's first shard: the lane's shard.
  await deps.feedback.save(BENCH_TENANT, {
    entry: decision.entry,
    ifMatch: null,
    delta: decision.delta,
    attempt: 0,
    notice: null,
  });
};

const fillDirect = async (deps: Deps, rolloutId: string, series: number, count: number): Promise<void> => {
  await Promise.all(
    lanesOf(rolloutId, series, count).map(async (lane) => {
      for (const n of lane) await saveOne(deps, rolloutId, series, n);
    }),
  );
};

/** Fills the rollout's pilot with `count` answers from distinct people; checks the counts add up. */
const fill = async (
  deps: Deps,
  rolloutId: string,
  series: number,
  count: number,
  mode: FillMode,
): Promise<Fill> => {
  const started = performance.now();
  await (mode === 'use-case' ? fillWithUseCase : fillDirect)(deps, rolloutId, series, count);
  const ms = performance.now() - started;
  const counted = (await deps.feedback.tallies(BENCH_TENANT, rolloutId)).get(PILOT)?.responses ?? 0;
  if (counted !== count) throw new Error(`fill: ${count} answers written, ${counted} counted`);
  return { answers: count, mode, ms };
};

const timeStatus = async (deps: Deps, rolloutId: string): Promise<number> => {
  const started = performance.now();
  const view = await getStatus(deps, BENCH_TENANT, rolloutId);
  const elapsed = performance.now() - started;
  if (!view) throw new Error(`status of ${rolloutId}: not found`);
  return elapsed;
};

const series = (answers: number, samples: number[]): StatusSeries => ({
  answers,
  samples,
  median: median(samples),
  p95: percentile(samples, 0.95),
});

/**
 * Benchmark 1: the status read (getStatus: the rollout, its latest audit and its feedback counts,
 * summed from the count shards) of a rollout with 10,000 answers against one with 100, both in the
 * pilot and in the same feedback table. The counts come from at most 8 × 4 shards whatever the
 * number of answers, so the two should cost about the same. For context, the same read of a
 * rollout with 100 answers alone in its own tables (`aloneTables`): Azurite answers every
 * partition query by scanning the whole table, so this shows what the table's size costs.
 */
export const benchStatusRead = async (
  tables: BenchTables,
  aloneTables: BenchTables,
  mode: FillMode,
): Promise<StatusReadResult> => {
  const deps = benchDeps(tables);
  const aloneDeps = benchDeps(aloneTables);
  const small = await createPilotRollout(deps, 'Status bench 100');
  const large = await createPilotRollout(deps, 'Status bench 10000');
  const alone = await createPilotRollout(aloneDeps, 'Status bench alone');
  const fills = [
    await fill(deps, small, 1, SMALL_ANSWERS, 'use-case'),
    await fill(deps, large, 2, LARGE_ANSWERS, mode),
    await fill(aloneDeps, alone, 3, SMALL_ANSWERS, 'use-case'),
  ];
  const reads: [Deps, string, number[]][] = [
    [deps, small, []],
    [deps, large, []],
    [aloneDeps, alone, []],
  ];
  for (let i = 0; i < WARM_UP_READS; i++) {
    for (const [d, rolloutId] of reads) await timeStatus(d, rolloutId);
  }
  for (let i = 0; i < TIMED_READS; i++) {
    for (const [d, rolloutId, samples] of reads) samples.push(await timeStatus(d, rolloutId));
  }
  const [smallReads, largeReads, aloneReads] = reads.map(([, , samples]) => samples);
  return {
    fills,
    small: series(SMALL_ANSWERS, smallReads ?? []),
    large: series(LARGE_ANSWERS, largeReads ?? []),
    alone: series(SMALL_ANSWERS, aloneReads ?? []),
  };
};
