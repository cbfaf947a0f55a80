/**
 * The dashboard tab's API against the number of answers: `GET /api/tab/rollouts/:id` (one
 * rollout's dashboard) and `GET /api/tab/rollouts` (the list) for a rollout with 10,000 answers
 * against one with 100, through the real server (startServer, local mode: no MicrosoftAppId,
 * HOST 127.0.0.1, TAB_LOCAL_TENANT_ID the seeded tenant) on the embedded Azurite.
 *
 * Each rollout lives in a tenant of its own (so each list holds that one rollout) and both share
 * every table (Azurite scans the whole table for every partition query: sharing keeps that cost
 * equal for the two). 2% of the answers report a blocker and 3% a major issue (the issue index has
 * rows) and the pilot has 14 days of daily snapshots (the charts and the list's sparkline).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DASHBOARD_ISSUES } from '../src/app/dashboard';
import { feedbackPersonKey } from '../src/app/feedback-keys';
import type { Deps, StageSnapshot } from '../src/app/ports';
import { loadConfig } from '../src/config';
import {
  addTallies,
  decideSubmit,
  emptyTally,
  type FeedbackAnswer,
  type FeedbackTally,
  type Severity,
} from '../src/domain/feedback';
import { startServer, type BotServer } from '../src/server';
import type { DashboardResponse, RolloutsResponse } from '../src/tab/api-types';
import { AZURITE_ACCOUNT, AzureEntityTable, createTableClient } from '../src/storage/azure-table';
import { startEmbeddedAzurite } from '../src/storage/embedded-azurite';
import { tableName } from '../src/storage/entity-table';
import { COUNT_SHARDS, FEEDBACK_BUCKETS, feedbackBucket, shardFor } from '../src/storage/feedback-repository';
import { TableScheduleRepository } from '../src/storage/schedule-repository';
import { tableProbe } from '../src/storage/table-probe';
import { startCountingProxy, tableCallKind, type ProxyCounts } from './counting-proxy';
import { benchDeps, benchPerson, createPilotRollout, NO_MESSENGER, PILOT } from './feedback-setup';
import { median, ms, percentile, runId, seconds, verdict } from './stats';

const SMALL_ANSWERS = 100;
const LARGE_ANSWERS = 10_000;
/** Days of daily snapshots of the pilot (one schedule commit per rollout). */
const SNAPSHOT_DAYS = 14;
const WARM_UP = 20;
/** Storage calls are counted over this many reads of each kind (after the first, which backfills). */
const COUNTED_READS = 5;
const RATIO_GOAL = 2;
const REQUEST_TIMEOUT_MS = 10_000;

/** One tenant per rollout (TAB_LOCAL_TENANT_ID takes one): each list then holds its one rollout. */
const TENANTS = {
  small: '72f988bf-0000-4000-8000-0000000d0100',
  large: '72f988bf-0000-4000-8000-0000000d1000',
} as const;
type Size = keyof typeof TENANTS;
const ANSWERS: Record<Size, number> = { small: SMALL_ANSWERS, large: LARGE_ANSWERS };

const TABLES = ['Rollouts', 'Feedback', 'Signoffs', 'Audiences', 'Announcements', 'Schedule'] as const;
type Tables = Record<(typeof TABLES)[number], AzureEntityTable>;

/** The bot's six tables under `prefix` at `endpoint` (the Azurite itself, or the counting proxy). */
const tablesAt = (endpoint: string, prefix: string): Tables =>
  Object.fromEntries(
    TABLES.map((base) => [
      base,
      new AzureEntityTable(createTableClient({ kind: 'azurite', endpoint }, tableName(prefix, base))),
    ]),
  ) as Tables;

/** Answer `n`: 2% blockers, 3% majors, the rest no issue; every one with a comment. */
export const dashboardAnswer = (n: number): FeedbackAnswer => {
  const slot = n % 100;
  const severity: Severity = slot < 2 ? 'blocker' : slot < 5 ? 'major' : 'none';
  return {
    rating: (severity === 'blocker' ? 1 : severity === 'major' ? 2 : (n % 3) + 3) as FeedbackAnswer['rating'],
    installed: severity === 'blocker' ? 'no' : n % 7 === 0 ? 'partly' : 'yes',
    category: severity === 'none' ? 'functionality' : 'install',
    severity,
    platform: n % 3 === 0 ? 'macos' : 'windows',
    comment:
      severity === 'none'
        ? 'Works; the new meeting view is faster than before.'
        : `The installer stops at 80% with error 0x${(0x80070000 + n).toString(16)}.`,
    shareName: n % 2 === 0,
  };
};

const issuesIn = (count: number): number => {
  let issues = 0;
  for (let n = 0; n < count; n++) if (dashboardAnswer(n).severity !== 'none') issues++;
  return issues;
};

/**
 * Writes `count` answers from distinct people with TableFeedbackRepository.save and the delta the
 * use case computes (no notice rows), in one lane per (bucket, count shard): no write conflicts.
 * Returns the counts at the end of each snapshot day (answer n belongs to day ⌊n·days/count⌋).
 */
const fillAnswers = async (
  deps: Deps,
  tenantId: string,
  rolloutId: string,
  series: number,
  count: number,
): Promise<FeedbackTally[]> => {
  const lanes: number[][] = Array.from({ length: FEEDBACK_BUCKETS * COUNT_SHARDS }, () => []);
  for (let n = 0; n < count; n++) {
    const key = feedbackPersonKey(rolloutId, benchPerson(series, n).id);
    lanes[(feedbackBucket(key) ?? 0) * COUNT_SHARDS + shardFor(key, 0)]?.push(n);
  }
  const perDay: FeedbackTally[] = Array.from({ length: SNAPSHOT_DAYS }, () => emptyTally());
  await Promise.all(
    lanes.map(async (lane) => {
      for (const n of lane) {
        const decision = decideSubmit(
          null,
          {
            rolloutId,
            stageId: PILOT,
            person: benchPerson(series, n),
            answer: dashboardAnswer(n),
            activityKey: `bench-dashboard|${series}|${n}`,
          },
          deps.clock.now(),
        );
        if (decision.kind !== 'store') throw new Error(`fill: answer ${n} was ${decision.kind}`);
        const day = Math.floor((n * SNAPSHOT_DAYS) / count);
        perDay[day] = addTallies(perDay[day] ?? emptyTally(), decision.delta);
        // Attempt 0 writes the person's first shard: the lane's shard.
        await deps.feedback.save(tenantId, {
          entry: decision.entry,
          ifMatch: null,
          delta: decision.delta,
          attempt: 0,
          notice: null,
        });
      }
    }),
  );
  const cumulative: FeedbackTally[] = [];
  for (const day of perDay) cumulative.push(addTallies(cumulative.at(-1) ?? emptyTally(), day));
  return cumulative;
};

const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

/** The pilot's daily snapshots (the last one yesterday), in one ScheduleRepository commit. */
const writeSnapshots = async (
  schedules: TableScheduleRepository,
  tenantId: string,
  rolloutId: string,
  tallies: FeedbackTally[],
): Promise<void> => {
  const today = Date.parse(`${isoDate(new Date())}T00:00:00Z`);
  const snapshots: StageSnapshot[] = tallies.map((tally, i) => {
    const date = isoDate(new Date(today - (tallies.length - i) * 86_400_000));
    return { tenantId, rolloutId, stageId: PILOT, date, tally, at: `${date}T23:59:30.000Z` };
  });
  await schedules.commit({ tenantId, rolloutId, done: {}, nudges: {} }, null, { snapshots });
};

interface Seeded {
  rolloutId: string;
  fillMs: number;
}

/** The bot's server in local mode for one tenant, on `tables`; no scheduler, no fan-out loop. */
const serverFor = (tenantId: string, prefix: string, tables: Tables): Promise<BotServer> =>
  startServer({
    config: loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      TABLE_PREFIX: prefix,
      TAB_LOCAL_TENANT_ID: tenantId,
    }),
    logger: pino({ level: 'silent' }),
    tables: {
      rollouts: tables.Rollouts,
      feedback: tables.Feedback,
      signoffs: tables.Signoffs,
      audiences: tables.Audiences,
      announcements: tables.Announcements,
      schedule: tables.Schedule,
    },
    probe: tableProbe(tables.Rollouts),
    messenger: NO_MESSENGER,
    scheduler: { start: false },
    fanout: { start: false },
  });

type Endpoint = 'dashboard' | 'list';

interface Target {
  size: Size;
  endpoint: Endpoint;
  url: string;
  rolloutId: string;
}

/** GETs `url`; the body parsed; throws on anything but 200 (with the error's code and message). */
const getJson = async (url: string): Promise<unknown> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
};

const timedGet = async (url: string): Promise<{ ms: number; body: unknown }> => {
  const started = performance.now();
  const body = await getJson(url);
  return { ms: performance.now() - started, body };
};

/** What a read must show, or the figures measure the wrong thing. */
const check = (target: Target, body: unknown): void => {
  const answers = ANSWERS[target.size];
  const fail: (what: string) => never = (what) => {
    throw new Error(`${target.endpoint} of the ${answers}-answer rollout: ${what}`);
  };
  if (target.endpoint === 'list') {
    const list = body as RolloutsResponse;
    if (list.rollouts.length !== 1 || list.rollouts[0]?.id !== target.rolloutId)
      fail(`lists ${list.rollouts.length} rollouts, not just its own`);
    const spark = list.rollouts[0]?.spark ?? [];
    if (spark.length !== SNAPSHOT_DAYS) fail(`sparkline has ${spark.length} days, not ${SNAPSHOT_DAYS}`);
    return;
  }
  const dashboard = body as DashboardResponse;
  const pilot = dashboard.feedback.stages.find((s) => s.stageId === PILOT);
  if (pilot?.responses !== answers) fail(`pilot shows ${pilot?.responses} answers`);
  if (pilot.history.length !== SNAPSHOT_DAYS) fail(`pilot history has ${pilot.history.length} days`);
  const issues = Math.min(DASHBOARD_ISSUES, issuesIn(answers));
  if (dashboard.feedback.issues.length !== issues)
    fail(`lists ${dashboard.feedback.issues.length} issues, not ${issues}`);
};

interface Series {
  samples: number[];
  median: number;
  p95: number;
}

const seriesOf = (samples: number[]): Series => ({
  samples,
  median: median(samples),
  p95: percentile(samples, 0.95),
});

type PerKind = Record<string, number>;

interface DashboardBenchResult {
  fills: Record<Size, number>;
  /** The first dashboard read of each rollout (it builds the issue index's backfill markers). */
  first: Record<Size, { ms: number; calls: PerKind }>;
  /** Storage calls per read after the first, by kind. */
  calls: Record<Endpoint, Record<Size, PerKind>>;
  timed: Record<Endpoint, Record<Size, Series>>;
  reads: number;
  elapsedMs: number;
}

const perRead = (counts: ProxyCounts, reads: number): PerKind =>
  Object.fromEntries(
    Object.entries(counts.calls)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, n]) => [kind, n / reads]),
  );

const total = (calls: PerKind): number => Object.values(calls).reduce((a, b) => a + b, 0);

const describeCalls = (calls: PerKind): string =>
  `${total(calls).toFixed(0)} (${Object.entries(calls)
    .map(([kind, n]) => `${Number.isInteger(n) ? n : n.toFixed(1)} ${kind.replace(/^table /, '')}`)
    .join(', ')})`;

/**
 * Benchmark: the dashboard API's reads of a rollout with 10,000 answers against one with 100, on
 * one embedded Azurite (a temporary data folder, removed afterwards); `reads` timed GETs of each
 * endpoint for each rollout, one at a time, interleaved, after the warm-up.
 */
export const benchDashboard = async (reads: number): Promise<DashboardBenchResult> => {
  const began = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'rollout-bench-dashboard-'));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const azurite = await startEmbeddedAzurite({ dataDir });
    cleanup.push(() => azurite.stop());
    const proxy = await startCountingProxy(`http://127.0.0.1:${azurite.port}`, tableCallKind);
    cleanup.push(() => proxy.stop());
    const prefix = `bd${runId()}`;
    const direct = tablesAt(azurite.endpoint, prefix);
    await Promise.all(Object.values(direct).map((t) => t.ensure()));

    // Seeding: the rollouts through the use cases, answers through the repository, snapshots
    // through the schedule repository.
    const seedDeps = benchDeps({ rollouts: direct.Rollouts, feedback: direct.Feedback });
    const schedules = new TableScheduleRepository(direct.Schedule);
    const seeded = {} as Record<Size, Seeded>;
    for (const [size, series] of [
      ['small', 0x21],
      ['large', 0x22],
    ] as const) {
      const tenantId = TENANTS[size];
      const rolloutId = await createPilotRollout(seedDeps, `Dashboard bench ${ANSWERS[size]}`, tenantId);
      const started = performance.now();
      const tallies = await fillAnswers(seedDeps, tenantId, rolloutId, series, ANSWERS[size]);
      const fillMs = performance.now() - started;
      await writeSnapshots(schedules, tenantId, rolloutId, tallies);
      seeded[size] = { rolloutId, fillMs };
    }

    // Two servers per tenant on the same tables: one straight to Azurite (timed), one through the
    // counting proxy (storage calls per read).
    const proxied = tablesAt(`${proxy.origin}/${AZURITE_ACCOUNT}`, prefix);
    const sizes = ['small', 'large'] as const;
    const endpoints = ['dashboard', 'list'] as const;
    const servers = {} as Record<Size, { timed: BotServer; counted: BotServer }>;
    for (const size of sizes) {
      const timed = await serverFor(TENANTS[size], prefix, direct);
      cleanup.push(() => timed.close(1000));
      const counted = await serverFor(TENANTS[size], prefix, proxied);
      cleanup.push(() => counted.close(1000));
      servers[size] = { timed, counted };
    }
    // The outbox and fan-out recovery each server runs at start is done before anything is counted.
    await Promise.all(
      sizes.flatMap((size) => [servers[size].timed.settled(), servers[size].counted.settled()]),
    );
    const targetOf = (size: Size, endpoint: Endpoint, base: string): Target => {
      const { rolloutId } = seeded[size];
      const path = endpoint === 'list' ? '/api/tab/rollouts' : `/api/tab/rollouts/${rolloutId}`;
      return { size, endpoint, url: `${base}${path}`, rolloutId };
    };

    // The first dashboard read of each rollout, counted: the issue list's backfill reads the
    // bucket's answers once (the index rows exist; the buckets' "complete" markers do not yet).
    const first = {} as DashboardBenchResult['first'];
    for (const size of sizes) {
      const target = targetOf(size, 'dashboard', servers[size].counted.url);
      proxy.reset();
      const { ms: took, body } = await timedGet(target.url);
      first[size] = { ms: took, calls: perRead(proxy.counts(), 1) };
      check(target, body);
    }

    const calls = { dashboard: {}, list: {} } as DashboardBenchResult['calls'];
    for (const endpoint of endpoints) {
      for (const size of sizes) {
        const target = targetOf(size, endpoint, servers[size].counted.url);
        check(target, await getJson(target.url));
        proxy.reset();
        for (let i = 0; i < COUNTED_READS; i++) await getJson(target.url);
        calls[endpoint][size] = perRead(proxy.counts(), COUNTED_READS);
      }
    }

    const targets = endpoints.flatMap((endpoint) =>
      sizes.map((size) => targetOf(size, endpoint, servers[size].timed.url)),
    );
    for (let i = 0; i < WARM_UP; i++) {
      for (const target of targets) {
        const body = await getJson(target.url);
        if (i === 0) check(target, body);
      }
    }
    const samples = targets.map(() => [] as number[]);
    for (let i = 0; i < reads; i++) {
      for (const [t, target] of targets.entries()) samples[t]?.push((await timedGet(target.url)).ms);
    }
    const timed = { dashboard: {}, list: {} } as DashboardBenchResult['timed'];
    for (const [t, target] of targets.entries())
      timed[target.endpoint][target.size] = seriesOf(samples[t] ?? []);

    const result: DashboardBenchResult = {
      fills: { small: seeded.small.fillMs, large: seeded.large.fillMs },
      first,
      calls,
      timed,
      reads,
      elapsedMs: performance.now() - began,
    };
    printDashboard(result);
    return result;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
};

const LABELS: Record<Endpoint, string> = {
  dashboard: 'GET /api/tab/rollouts/:id',
  list: 'GET /api/tab/rollouts',
};

const printDashboard = (r: DashboardBenchResult): void => {
  const count = (n: number): string => n.toLocaleString('en-US');
  console.log(
    `\ndashboard API: a rollout with ${count(LARGE_ANSWERS)} answers vs one with ${count(SMALL_ANSWERS)}` +
      ' (startServer, local mode, embedded Azurite)',
  );
  console.log(
    `  (each in a tenant of its own, same tables; 2% blocker and 3% major answers; ${SNAPSHOT_DAYS} daily` +
      ` snapshots; ${r.reads} reads each, one at a time, interleaved, after ${WARM_UP} warm-up)`,
  );
  console.log(
    `  fill ${count(SMALL_ANSWERS)} / ${count(LARGE_ANSWERS)} answers   ${seconds(r.fills.small)} / ${seconds(r.fills.large)}` +
      '  (TableFeedbackRepository.save, one lane per bucket × shard)',
  );
  for (const endpoint of ['dashboard', 'list'] as const) {
    const { small, large } = r.timed[endpoint];
    const ratio = large.median / small.median;
    console.log(`  ${LABELS[endpoint]}`);
    for (const [size, series] of [
      ['small', small],
      ['large', large],
    ] as const) {
      console.log(
        `    ${`${count(ANSWERS[size])} answers`.padEnd(16)}median ${ms(series.median).padStart(9)}` +
          `   p95 ${ms(series.p95).padStart(9)}   storage calls per read ${describeCalls(r.calls[endpoint][size])}`,
      );
    }
    console.log(
      `    median(10k)/median(100) ${ratio.toFixed(2)}×  goal ≤ ${RATIO_GOAL}×  ${verdict(ratio, RATIO_GOAL, 'at-most')}`,
    );
  }
  console.log(
    '  first dashboard read of each rollout (backfill markers written; through the counting proxy):',
  );
  for (const size of ['small', 'large'] as const) {
    console.log(
      `    ${`${count(ANSWERS[size])} answers`.padEnd(16)}${ms(r.first[size].ms).padStart(9)}` +
        `   storage calls ${describeCalls(r.first[size].calls)}`,
    );
  }
  console.log(`  ${seconds(r.elapsedMs)} in all`);
};
