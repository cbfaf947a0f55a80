import pino from 'pino';
import { loadConfig } from '../src/config';
import { startServer } from '../src/server';
import { AzureEntityTable, createTableClient } from '../src/storage/azure-table';
import { tableName } from '../src/storage/entity-table';
import { TableFeedbackRepository } from '../src/storage/feedback-repository';
import { MemoryTable } from '../src/storage/memory-table';
import { tableProbe } from '../src/storage/table-probe';
import { startBareServer, type BaselineLogic } from './bare-server';
import { mirrorSubmit, singleUpsert } from './baseline-logic';
import {
  BENCH_TENANT,
  benchDeps,
  createPilotRollout,
  NO_MESSENGER,
  openTables,
  PILOT,
} from './feedback-setup';
import { measureCpu, type CpuShare } from './cpu';
import { checkInvokeCard, runLoad, type LoadResult } from './http-load';
import { feedbackInvoke } from './invoke-activity';
import { median, percentile } from './stats';
import { CountingTable, zeroCounts, type StorageCounts } from './storage-counts';

export interface EndpointOptions {
  /** Timed requests per run (BENCH_FEEDBACK_N). */
  total: number;
  /** Requests before timing starts (distinct people too). */
  warmUp: number;
  concurrency: number;
}

/** One server under load: throughput and latency of the timed requests, what they cost in storage. */
export interface EndpointRun {
  label: string;
  load: LoadResult;
  /** Timed requests answered per second (failed ones included: see `load.failures`). */
  throughput: number;
  p50: number;
  p99: number;
  /** Storage calls of the timed requests (null: not counted). */
  calls: StorageCounts | null;
  /** Answers the stage's count shards hold afterwards (warm-up included); null: not checked. */
  counted: number | null;
  /** Notices the product tried to send (none expected: no answer reports an issue). */
  notices: number;
  /** CPU during the timed requests, in % of one core: this process (server and load) and Azurite. */
  cpu: CpuShare;
}

/** The Azurite every run uses. */
export interface AzuriteRef {
  endpoint: string;
  pid: number;
}

interface Timed {
  load: LoadResult;
  cpu: CpuShare;
}

interface Target {
  url: string;
  rolloutId: string;
  /** People of a run are distinct from every other run's. */
  series: number;
}

const summarise = (
  label: string,
  { load, cpu }: Timed,
  extra: Pick<EndpointRun, 'calls' | 'counted' | 'notices'>,
): EndpointRun => ({
  label,
  load,
  cpu,
  throughput: load.requests / (load.elapsedMs / 1000),
  p50: median(load.latencies),
  p99: percentile(load.latencies, 0.99),
  ...extra,
});

/** Warm-up, then the timed requests; `reset` runs in between (to count the timed ones only). */
const drive = async (
  azurite: AzuriteRef,
  target: Target,
  options: EndpointOptions,
  reset: () => void,
): Promise<Timed> => {
  const common = {
    url: `${target.url}/api/messages`,
    concurrency: options.concurrency,
    body: (n: number) => JSON.stringify(feedbackInvoke(target.rolloutId, target.series, n)),
    check: checkInvokeCard,
  };
  const warm = await runLoad({ ...common, first: 0, count: options.warmUp });
  reset();
  const cpu = measureCpu(azurite.pid);
  const load = await runLoad({ ...common, first: options.warmUp, count: options.total });
  const used = cpu();
  for (const [reason, count] of warm.failures) {
    load.failures.set(`warm-up: ${reason}`, (load.failures.get(`warm-up: ${reason}`) ?? 0) + count);
  }
  return { load, cpu: used };
};

const countedAnswers = async (feedback: AzureEntityTable, rolloutId: string): Promise<number> =>
  (await new TableFeedbackRepository(feedback).tallies(BENCH_TENANT, rolloutId)).get(PILOT)?.responses ?? 0;

/** The product: startServer (restify + CloudAdapter + router + submitFeedback) on fresh tables. */
const runProduct = async (
  azurite: AzuriteRef,
  prefix: string,
  options: EndpointOptions,
): Promise<EndpointRun> => {
  const tables = await openTables(azurite.endpoint, prefix);
  const rolloutId = await createPilotRollout(benchDeps(tables), 'Endpoint bench');
  const rollouts = new CountingTable(tables.rollouts);
  const feedback = new CountingTable(tables.feedback);
  let notices = 0;
  const server = await startServer({
    config: loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', TABLE_PREFIX: prefix }),
    logger: pino({ level: 'silent' }),
    tables: { rollouts, feedback, signoffs: new MemoryTable(), audiences: new MemoryTable() },
    probe: tableProbe(rollouts),
    messenger: { ...NO_MESSENGER, notify: async () => void notices++ },
  });
  let timed: Timed;
  try {
    timed = await drive(azurite, { url: server.url, rolloutId, series: 0x11 }, options, () => {
      rollouts.counts = zeroCounts();
      feedback.counts = zeroCounts();
    });
  } finally {
    await server.close(1000);
  }
  const calls = {
    get: rollouts.counts.get + feedback.counts.get,
    query: rollouts.counts.query + feedback.counts.query,
    submit: rollouts.counts.submit + feedback.counts.submit,
    conflicts: rollouts.counts.conflicts + feedback.counts.conflicts,
  };
  const counted = await countedAnswers(tables.feedback, rolloutId);
  return summarise('product', timed, { calls, counted, notices });
};

/** A bare server running `logic` under the same load. */
const runBare = async (
  azurite: AzuriteRef,
  target: Omit<Target, 'url'>,
  logic: BaselineLogic,
  counts: StorageCounts,
  options: EndpointOptions,
): Promise<Timed> => {
  const server = await startBareServer(logic);
  try {
    const reset = () => void Object.assign(counts, zeroCounts());
    return await drive(azurite, { ...target, url: server.url }, options, reset);
  } finally {
    await server.close();
  }
};

/** Baseline (a): the product's storage calls for each invoke, made directly (bench/baseline-logic.ts). */
const runMirror = async (
  azurite: AzuriteRef,
  prefix: string,
  options: EndpointOptions,
): Promise<EndpointRun> => {
  const tables = await openTables(azurite.endpoint, prefix);
  const rolloutId = await createPilotRollout(benchDeps(tables), 'Endpoint bench');
  if (!/^[A-Za-z0-9-]+$/.test(rolloutId)) throw new Error(`rollout id ${rolloutId} would need key encoding`);
  const target = { kind: 'azurite', endpoint: azurite.endpoint } as const;
  const clients = {
    rollouts: createTableClient(target, tables.rollouts.name),
    feedback: createTableClient(target, tables.feedback.name),
  };
  const counts = zeroCounts();
  const series = 0x12;
  const timed = await runBare(azurite, { rolloutId, series }, mirrorSubmit(clients, counts), counts, options);
  const counted = await countedAnswers(tables.feedback, rolloutId);
  return summarise('baseline (a)', timed, { calls: counts, counted, notices: 0 });
};

/** Baseline (b): one upsert of a small entity per invoke. */
const runUpsert = async (
  azurite: AzuriteRef,
  prefix: string,
  options: EndpointOptions,
): Promise<EndpointRun> => {
  const target = { kind: 'azurite', endpoint: azurite.endpoint } as const;
  const name = tableName(prefix, 'Upserts');
  await new AzureEntityTable(createTableClient(target, name)).ensure();
  const counts = zeroCounts();
  const logic = singleUpsert(createTableClient(target, name), counts);
  const timed = await runBare(azurite, { rolloutId: 'ro-upsert', series: 0x13 }, logic, counts, options);
  return summarise('baseline (b)', timed, { calls: counts, counted: null, notices: 0 });
};

/**
 * Benchmark 2: feedback submissions per second through POST /api/messages at `concurrency`
 * requests in flight, each from a distinct person: the product, then baseline (a) (the same
 * storage calls without the product's code), then baseline (b) (one upsert), in this process, on
 * the same Azurite, each on fresh tables.
 */
export const benchEndpoint = async (
  azurite: AzuriteRef,
  runId: string,
  options: EndpointOptions,
): Promise<{ product: EndpointRun; mirror: EndpointRun; upsert: EndpointRun }> => ({
  product: await runProduct(azurite, `bp${runId}`, options),
  mirror: await runMirror(azurite, `ba${runId}`, options),
  upsert: await runUpsert(azurite, `bb${runId}`, options),
});
