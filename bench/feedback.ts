import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedAzurite } from '../src/storage/embedded-azurite';
import { benchEndpoint, type EndpointOptions, type EndpointRun } from './endpoint';
import { benchNudgeAnswered, type NudgeAnsweredResult } from './nudge-answered';
import { dropTables, openTables } from './feedback-setup';
import { benchStatusRead, type Fill, type FillMode, type StatusReadResult } from './status-read';
import { ms, runId, seconds, verdict } from './stats';

/** Goals of the feedback benchmarks (figures and ratios are printed, never asserted). */
const STATUS_RATIO_GOAL = 2;
const THROUGHPUT_RATIO_GOAL = 0.8;
const P99_GOAL_MS = 250;

export interface FeedbackBenchOptions extends EndpointOptions {
  /** How the 10,000 answers are written (BENCH_FILL; `direct` unless told otherwise). */
  fillMode: FillMode;
}

const count = (n: number): string => n.toLocaleString('en-US');

const table = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
};

const describeFill = (fill: Fill): string =>
  fill.mode === 'use-case'
    ? 'submitFeedback, 64 at a time'
    : 'TableFeedbackRepository.save, one lane per bucket × shard';

const printStatus = (result: StatusReadResult): void => {
  const { small, large, alone } = result;
  const ratio = large.median / small.median;
  console.log('\nfeedback status read: getStatus of a pilot with 10,000 answers vs one with 100');
  console.log('  (same feedback table, embedded Azurite; 300 reads each, interleaved, after 20 warm-up)');
  const [fillSmall, fillLarge, fillAlone] = result.fills;
  for (const [what, fill] of [
    ['fill 100', fillSmall],
    ['fill 10,000', fillLarge],
    ['fill 100 (own table)', fillAlone],
  ] as const) {
    if (fill) console.log(`  ${what.padEnd(22)}${seconds(fill.ms).padStart(8)}  (${describeFill(fill)})`);
  }
  for (const [what, series] of [
    ['100 answers', small],
    ['10,000 answers', large],
  ] as const) {
    console.log(
      `  ${what.padEnd(22)}median ${ms(series.median).padStart(9)}   p95 ${ms(series.p95).padStart(9)}`,
    );
  }
  console.log(
    `  median(10k)/median(100) ${ratio.toFixed(2)}×  goal ≤ ${STATUS_RATIO_GOAL}×  ${verdict(ratio, STATUS_RATIO_GOAL, 'at-most')}`,
  );
  console.log(
    `  context: 100 answers alone in their own table: median ${ms(alone.median)}, p95 ${ms(alone.p95)}` +
      ' (Azurite scans the whole table for every partition query)',
  );
};

const perRequest = (run: EndpointRun): string => {
  if (!run.calls) return '';
  const { get, query, submit, conflicts } = run.calls;
  const each = (n: number): string => (n / run.load.requests).toFixed(2);
  return `${each(get)} get, ${each(query)} query, ${each(submit)} write (${each(conflicts)} refused: conflict)`;
};

const percent = (value: number | null): string => (value === null ? '?' : `${value.toFixed(0)}%`);

/** CPU of this process (the server under test and the load generator) and of Azurite, in % of a core. */
const cpu = (run: EndpointRun): string => `${percent(run.cpu.self)} / ${percent(run.cpu.azurite)}`;

const failures = (run: EndpointRun): number => [...run.load.failures.values()].reduce((a, b) => a + b, 0);

const printEndpoint = (runs: EndpointRun[], options: EndpointOptions): void => {
  console.log(
    `\nfeedback submit: POST /api/messages (Action.Execute feedback.submit), ${options.concurrency} concurrent,` +
      ` ${count(options.total)} timed after ${count(options.warmUp)} warm-up, a distinct person each`,
  );
  const rows = [
    ['', 'req/s', 'p50', 'p99', 'failures', 'CPU bot / Azurite', 'storage calls per request'],
    ...runs.map((run) => [
      run.label,
      run.throughput.toFixed(0),
      ms(run.p50),
      ms(run.p99),
      String(failures(run)),
      cpu(run),
      perRequest(run),
    ]),
  ];
  for (const line of table(rows)) console.log(line);
  for (const run of runs) {
    for (const [reason, n] of run.load.failures) console.log(`  ${run.label} failed ${n}×: ${reason}`);
    const expected = options.warmUp + options.total;
    if (run.counted !== null && run.counted !== expected) {
      console.log(
        `  ${run.label}: the count shards hold ${count(run.counted)} answers, ${count(expected)} sent`,
      );
    }
    if (run.notices > 0) console.log(`  ${run.label}: ${run.notices} notices sent (none expected)`);
  }
};

interface Figure {
  name: string;
  value: string;
  goal: string;
  verdict: string;
}

const figures = (
  status: StatusReadResult,
  product: EndpointRun,
  mirror: EndpointRun,
  upsert: EndpointRun,
) => {
  const statusRatio = status.large.median / status.small.median;
  const vsMirror = product.throughput / mirror.throughput;
  const vsUpsert = product.throughput / upsert.throughput;
  const list: Figure[] = [
    {
      name: 'status read, median 10,000 / 100 answers',
      value: `${statusRatio.toFixed(2)}×`,
      goal: `≤ ${STATUS_RATIO_GOAL}×`,
      verdict: verdict(statusRatio, STATUS_RATIO_GOAL, 'at-most'),
    },
    {
      name: 'submit throughput, product / baseline (a)',
      value: `${vsMirror.toFixed(2)} (${product.throughput.toFixed(0)} / ${mirror.throughput.toFixed(0)} req/s)`,
      goal: `≥ ${THROUGHPUT_RATIO_GOAL}`,
      verdict: verdict(vsMirror, THROUGHPUT_RATIO_GOAL, 'at-least'),
    },
    {
      name: 'submit p99, product',
      value: ms(product.p99),
      goal: `≤ ${P99_GOAL_MS} ms`,
      verdict: verdict(product.p99, P99_GOAL_MS, 'at-most'),
    },
    {
      name: 'submit throughput, product / baseline (b)',
      value: `${vsUpsert.toFixed(2)} (${product.throughput.toFixed(0)} / ${upsert.throughput.toFixed(0)} req/s)`,
      goal: '—',
      verdict: 'reported only',
    },
  ];
  return list;
};

/** Who not to nudge (`nudge-answered.ts`): what the keys-only read costs, and what it spares ingest. */
const nudgeFigures = (r: NudgeAnsweredResult): Figure[] => [
  {
    name: 'ingest, no index / an index row per answer',
    value: `${(r.ingestPlainPerS / r.ingestIndexedPerS).toFixed(2)}× (${r.ingestPlainPerS.toFixed(0)} / ${r.ingestIndexedPerS.toFixed(0)} answers/s)`,
    goal: '—',
    verdict: 'reported only',
  },
  {
    name: 'nudge-time keys-only read, 10,000 answers',
    value: `${ms(r.keysOnlyMs)}, ${r.keysOnlyCalls} queries (~${r.keysOnlyPages} pages)`,
    goal: '—',
    verdict: `point reads: ${ms(r.pointReadsMs)}, ${r.pointReadCalls.toLocaleString('en-US')} calls`,
  },
];

/**
 * The feedback benchmarks on one embedded Azurite (a temporary data folder, removed afterwards):
 * the status read against the number of answers, then submissions per second through the real
 * endpoint against two bare baselines; a summary table at the end.
 */
export const benchFeedback = async (options: FeedbackBenchOptions): Promise<void> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollout-bench-feedback-'));
  try {
    const azurite = await startEmbeddedAzurite({ dataDir });
    try {
      const id = runId();
      const shared = await openTables(azurite.endpoint, `bs${id}`);
      const own = await openTables(azurite.endpoint, `bo${id}`);
      const status = await benchStatusRead(shared, own, options.fillMode);
      printStatus(status);
      await Promise.all([dropTables(azurite.endpoint, shared), dropTables(azurite.endpoint, own)]);
      const { product, mirror, upsert } = await benchEndpoint(azurite, id, options);
      printEndpoint([product, mirror, upsert], options);
      const nudgeTables = await openTables(azurite.endpoint, `bn${id}`);
      const nudge = await benchNudgeAnswered(nudgeTables);
      await dropTables(azurite.endpoint, nudgeTables);
      console.log('\nsummary');
      const rows = [...figures(status, product, mirror, upsert), ...nudgeFigures(nudge)].map((f) => [
        f.name,
        f.value,
        f.goal,
        f.verdict,
      ]);
      for (const line of table([['figure', 'value', 'goal', ''], ...rows])) console.log(line);
    } finally {
      await azurite.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};
