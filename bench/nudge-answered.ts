/**
 * Who not to nudge: the cost of knowing who has answered a stage, against the feedback ingest.
 *
 * The bot's choice is a keys-only read of the stage's answer rows at nudge time (no index: the
 * answer row's key is already the person's `feedbackPersonKey`). This measures, on one embedded
 * Azurite: ingest as the bot does it vs ingest with an index row written per answer (the other
 * option's price), and at nudge time, for 10,000 answers, the keys-only read vs a point read per
 * person of the audience (ms and storage calls).
 */
import { feedbackPersonKey } from '../src/app/feedback-keys';
import type { Deps } from '../src/app/ports';
import { decideSubmit } from '../src/domain/feedback';
import { encodeKey } from '../src/storage/entity-table';
import { TableFeedbackRepository } from '../src/storage/feedback-repository';
import { QUERY_PAGE_SIZE } from '../src/storage/azure-table';
import {
  BENCH_TENANT,
  benchAnswer,
  benchDeps,
  benchPerson,
  createPilotRollout,
  PILOT,
  type BenchTables,
} from './feedback-setup';
import { forEachLimited, median, ms } from './stats';
import { CountingTable } from './storage-counts';

/** Answers saved to measure ingest each way, and the answers the stage holds at nudge time. */
const INGEST_ANSWERS = 2000;
const NUDGE_ANSWERS = 10_000;
const CONCURRENCY = 16;
const READ_RUNS = 5;

const saveOne = async (deps: Deps, rolloutId: string, series: number, n: number): Promise<void> => {
  const decision = decideSubmit(
    null,
    {
      rolloutId,
      stageId: PILOT,
      person: benchPerson(series, n),
      answer: benchAnswer(n),
      activityKey: `bench-nudge|${series}|${n}`,
    },
    deps.clock.now(),
  );
  if (decision.kind !== 'store') throw new Error(`answer ${n} was ${decision.kind}`);
  // A lost race on a count shard moves to the next shard, as the use case does.
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.feedback.save(BENCH_TENANT, {
        entry: decision.entry,
        ifMatch: null,
        delta: decision.delta,
        attempt,
        notice: null,
      });
      return;
    } catch (err) {
      if (attempt >= 100) throw err;
    }
  }
};

/** The other option's extra write: an index row per answer (stage, person key), its own call. */
const indexWrite = (tables: BenchTables, rolloutId: string, series: number, n: number): Promise<unknown> =>
  tables.feedback.submit([
    {
      kind: 'upsert',
      entity: {
        partitionKey: `x|${encodeKey(BENCH_TENANT)}|${encodeKey(rolloutId)}|${n % 8}`,
        rowKey: `${encodeKey(PILOT)}|${feedbackPersonKey(rolloutId, benchPerson(series, n).id)}`,
      },
    },
  ]);

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

export interface NudgeAnsweredResult {
  ingestPlainPerS: number;
  ingestIndexedPerS: number;
  keysOnlyMs: number;
  keysOnlyCalls: number;
  keysOnlyPages: number;
  pointReadsMs: number;
  pointReadCalls: number;
}

/** Runs the measurement on `tables` (fresh, on Azurite) and prints it. */
export const benchNudgeAnswered = async (tables: BenchTables): Promise<NudgeAnsweredResult> => {
  const deps = benchDeps(tables);
  const rolloutId = await createPilotRollout(deps, 'Nudge bench');
  const plainMs = await timed(() =>
    forEachLimited(INGEST_ANSWERS, CONCURRENCY, (n) => saveOne(deps, rolloutId, 1, n)),
  );
  const indexedMs = await timed(() =>
    forEachLimited(INGEST_ANSWERS, CONCURRENCY, async (n) => {
      await saveOne(deps, rolloutId, 2, n);
      await indexWrite(tables, rolloutId, 2, n);
    }),
  );
  // The stage then holds NUDGE_ANSWERS answers.
  const more = NUDGE_ANSWERS - 2 * INGEST_ANSWERS;
  await forEachLimited(more, CONCURRENCY, (n) => saveOne(deps, rolloutId, 3, n));
  const counting = new CountingTable(tables.feedback);
  const repo = new TableFeedbackRepository(counting);
  const keysRuns: number[] = [];
  let keys = 0;
  for (let run = 0; run < READ_RUNS; run++) {
    keysRuns.push(
      await timed(async () => (keys = (await repo.answeredKeys(BENCH_TENANT, rolloutId, PILOT)).size)),
    );
  }
  const keysOnlyCalls = counting.counts.query / READ_RUNS;
  if (keys !== NUDGE_ANSWERS) throw new Error(`answeredKeys found ${keys} answers, not ${NUDGE_ANSWERS}`);
  counting.counts = { get: 0, query: 0, submit: 0, conflicts: 0 };
  const people = [
    ...Array.from({ length: INGEST_ANSWERS }, (_, n) => benchPerson(1, n)),
    ...Array.from({ length: INGEST_ANSWERS }, (_, n) => benchPerson(2, n)),
    ...Array.from({ length: more }, (_, n) => benchPerson(3, n)),
  ];
  const pointReadsMs = await timed(() =>
    forEachLimited(people.length, CONCURRENCY, async (i) => {
      const person = people[i];
      if (person) await repo.get(BENCH_TENANT, rolloutId, PILOT, feedbackPersonKey(rolloutId, person.id));
    }),
  );
  const result: NudgeAnsweredResult = {
    ingestPlainPerS: INGEST_ANSWERS / (plainMs / 1000),
    ingestIndexedPerS: INGEST_ANSWERS / (indexedMs / 1000),
    keysOnlyMs: median(keysRuns),
    keysOnlyCalls,
    // 8 buckets of ~1,250 answer keys: pages of QUERY_PAGE_SIZE each.
    keysOnlyPages: 8 * Math.ceil(NUDGE_ANSWERS / 8 / QUERY_PAGE_SIZE),
    pointReadsMs,
    pointReadCalls: counting.counts.get,
  };
  printNudgeAnswered(result);
  return result;
};

const printNudgeAnswered = (r: NudgeAnsweredResult): void => {
  console.log(
    '\nwho not to nudge: keys-only read of the stage’s answers at nudge time (the choice) vs alternatives',
  );
  console.log(
    `  (embedded Azurite; ingest ${INGEST_ANSWERS.toLocaleString('en-US')} answers each way, ${CONCURRENCY} at a time)`,
  );
  console.log(
    `  ingest, as the bot does (no index)     ${r.ingestPlainPerS.toFixed(0).padStart(6)} answers/s  1 write per answer`,
  );
  console.log(
    `  ingest with an index row per answer    ${r.ingestIndexedPerS.toFixed(0).padStart(6)} answers/s  2 writes per answer`,
  );
  console.log(
    `  ingest, no index / with index          ${(r.ingestPlainPerS / r.ingestIndexedPerS).toFixed(2)}×`,
  );
  console.log(`  at nudge time, ${NUDGE_ANSWERS.toLocaleString('en-US')} answers in the stage:`);
  console.log(
    `    keys-only read (the choice)          ${ms(r.keysOnlyMs).padStart(10)}  ${r.keysOnlyCalls} queries (~${r.keysOnlyPages} pages), median of ${READ_RUNS}`,
  );
  console.log(
    `    a point read per person              ${ms(r.pointReadsMs).padStart(10)}  ${r.pointReadCalls.toLocaleString('en-US')} reads`,
  );
  console.log(
    `    point reads / keys-only              ${(r.pointReadsMs / r.keysOnlyMs).toFixed(1)}× the time`,
  );
};
