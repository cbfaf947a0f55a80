import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig, type Config } from '../src/config';
import type { Announcement, DeliveryStatus } from '../src/domain/announcement';
import { TableAnnouncementRepository } from '../src/storage/announcement-repository';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, type TableTarget } from '../src/storage/azure-table';
import { startEmbeddedAzurite } from '../src/storage/embedded-azurite';
import { storeTable } from '../src/storage/open-storage';
import { TEAMS_TENANT_RPS } from './connector-limits';
import { queueCallKind, startCountingProxy, tableCallKind, type ProxyCounts } from './counting-proxy';
import { cpuOf, PeakMemory, startBot, stopBot, type BotRun } from './fanout-bots';
import { BENCH_TENANT, seedFanout, type SeededFanout } from './fanout-seed';
import { ConnectorProcess } from './connector-process';
import type { ConnectorStats } from './rate-limited-connector';
import { runId, seconds, verdict } from './stats';

/**
 * `npm run bench:fanout`: a phase announcement to BENCH_FANOUT_N people (default 10,000) sent by
 * the real bot (`node dist/src/index.js`, anonymous mode) through a local Bot Connector that
 * enforces Teams' documented limits (rate-limited-connector.ts), against one Azurite started
 * here (data in a temporary folder). The rollout, its audience snapshot, the announcement and its
 * 'start' message are seeded through the project's repositories first; the bot then does the
 * rest: expands the recipients, queues the partitions, sends. The bot reaches Azurite through a
 * counting proxy per service (counting-proxy.ts), which is how its table and queue calls are
 * counted. The connector runs in a process of its own (connector-process.ts), so that the
 * arrivals it stamps are not bunched by the proxies' stalls on this one. The bot runs with
 * `npm start`'s node flags (read from package.json). rate/limit is what the limit constrains:
 * connector requests accepted per second (createConversation counts like a send) over the
 * sending period, the first accepted request to the last accepted one for a recipient, ÷ the
 * connector's limit; recipients/s is printed beside it. Figures, never a
 * pass/fail test (it is not part of `npm test`).
 *
 * Variants (BENCH_FANOUT_VARIANT=all|base|known|lower-limit|two|sigkill, comma-separated for several):
 *   base         connector 50/s per tenant, TEAMS_TENANT_RPS=50, one bot; nobody has a chat yet
 *                (createConversation + send: two requests per recipient)
 *   known        as base, but every recipient has a stored personal chat the connector knows
 *                (seeded through TableReferenceRepository): one request each
 *   lower-limit  connector 50/s, TEAMS_TENANT_RPS=100: the bot must find the limit from the 429s
 *   two          two bots on the same Azurite at once, TEAMS_TENANT_RPS=50 shared between them
 *   sigkill      one bot SIGKILLed at three random points of the run and started again each time
 *
 * Other settings: BENCH_FANOUT_LATENCY_MS / BENCH_FANOUT_JITTER_MS (the connector's answers, 50 ±
 * 20 ms), BENCH_FANOUT_STALL_MS (no new recipient for so long ends the run, 240 s),
 * AZURITE_SAVE_INTERVAL_MS, BENCH_FANOUT_TENANT_COUNTS=messages (createConversation outside the
 * per-tenant limit) and BENCH_FANOUT_BOT_NODE_ARGS (node flags for the bots).
 */

interface Variant {
  name: string;
  what: string;
  connectorRps: number;
  tenantRps: number;
  bots: number;
  kills: number;
  /** rate/limit at least this (null: not a goal of the variant). */
  rateGoal: number | null;
  /** 429s per request at most this (null: not a goal). */
  throttledGoal: number | null;
  /** The busiest second asked for at most the ceiling (TEAMS_TENANT_RPS over all bots). */
  ceilingGoal: boolean;
  /** Every recipient has a stored personal chat the connector knows (one request each). */
  knownChats?: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    name: 'base',
    what: 'one bot, TEAMS_TENANT_RPS = the connector limit',
    connectorRps: TEAMS_TENANT_RPS,
    tenantRps: TEAMS_TENANT_RPS,
    bots: 1,
    kills: 0,
    rateGoal: 0.95,
    throttledGoal: null,
    ceilingGoal: true,
  },
  {
    name: 'known',
    what: 'one bot, every recipient with a stored personal chat (a second announcement: one request each)',
    connectorRps: TEAMS_TENANT_RPS,
    tenantRps: TEAMS_TENANT_RPS,
    bots: 1,
    kills: 0,
    rateGoal: 0.95,
    throttledGoal: null,
    ceilingGoal: true,
    knownChats: true,
  },
  {
    name: 'lower-limit',
    what: 'one bot, TEAMS_TENANT_RPS twice the connector limit (the limit learnt from 429s)',
    connectorRps: TEAMS_TENANT_RPS,
    tenantRps: 2 * TEAMS_TENANT_RPS,
    bots: 1,
    kills: 0,
    rateGoal: 0.9,
    throttledGoal: 0.02,
    ceilingGoal: false,
  },
  {
    name: 'two',
    what: 'two bots on the same Azurite at once, TEAMS_TENANT_RPS = the limit, shared',
    connectorRps: TEAMS_TENANT_RPS,
    tenantRps: TEAMS_TENANT_RPS,
    bots: 2,
    kills: 0,
    rateGoal: 0.95,
    throttledGoal: null,
    ceilingGoal: true,
  },
  {
    name: 'sigkill',
    what: 'one bot, SIGKILLed at three random points and started again each time',
    connectorRps: TEAMS_TENANT_RPS,
    tenantRps: TEAMS_TENANT_RPS,
    bots: 1,
    kills: 3,
    rateGoal: null,
    throttledGoal: null,
    ceilingGoal: false,
  },
];

const RSS_GOAL_MB = 200;
const POLL_MS = 250;
const PROGRESS_MS = 10_000;

const positiveInt = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return value;
};

interface Options {
  people: number;
  latencyMs: number;
  jitterMs: number;
  /** No new recipient for this long: the run is given up (what was not sent is lost). */
  stallMs: number;
  saveIntervalMs: number;
  /** BENCH_FANOUT_TENANT_COUNTS: what the connector's per-tenant limit counts (see the connector). */
  tenantCounts: 'requests' | 'messages';
  /** BENCH_FANOUT_BOT_NODE_ARGS: node flags for the bots, space-separated (e.g. --max-old-space-size=100). */
  botNodeArgs: string[];
}

const count = (n: number): string => n.toLocaleString('en-US');
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const share = (part: number, whole: number): string =>
  whole === 0 ? '0' : (part / whole).toFixed(part / whole < 0.01 ? 4 : 3);
const progress = (text: string): void => void process.stderr.write(`  … ${text}\n`);
const print = (label: string, value: string, detail = ''): void =>
  console.log(`  ${label.padEnd(26)}${value}${detail ? `  (${detail})` : ''}`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls of one service by kind, largest first: `612 queue receive, 200 queue send, …`. */
const breakdown = (calls: Record<string, number>): string =>
  Object.entries(calls)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${count(n)} ${kind}`)
    .join(', ');

const total = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);

/** The deliveries as the store has them at the end: status and the possible-duplicate flag by person. */
const readDeliveries = async (
  repository: TableAnnouncementRepository,
  seeded: SeededFanout,
  parts: number,
): Promise<Map<string, { status: DeliveryStatus; possibleDuplicate: boolean; attempts: number }>> => {
  const deliveries = new Map<
    string,
    { status: DeliveryStatus; possibleDuplicate: boolean; attempts: number }
  >();
  for (let part = 0; part < parts; part++) {
    const read = await repository.readPart(seeded.tenantId, seeded.announcementId, part);
    for (const { value } of read.deliveries) {
      deliveries.set(value.personId, {
        status: value.status,
        possibleDuplicate: value.possibleDuplicate,
        attempts: value.attempts,
      });
    }
  }
  return deliveries;
};

/** Three (or `kills`) points of the run, as numbers of recipients reached: random, between 10 % and 90 %. */
const killPoints = (kills: number, people: number): number[] =>
  Array.from({ length: kills }, () => Math.round(people * (0.1 + Math.random() * 0.8))).sort((a, b) => a - b);

interface RunResult {
  stats: ConnectorStats;
  seeded: SeededFanout;
  startedAt: number;
  reachedAt: number | null;
  doneAt: number | null;
  final: Announcement | null;
  table: ProxyCounts;
  queue: ProxyCounts;
  botPeak: number;
  azuritePeak: number;
  /** CPU time used (ms) by the bots together and by Azurite, from the bots' start to the end of the run. */
  botCpuMs: number;
  azuriteCpuMs: number;
  endedAt: number;
  kills: number[];
  bots: BotRun[];
  deliveries: Awaited<ReturnType<typeof readDeliveries>>;
  /**
   * This process's event-loop delay over the sending, ms (p99, max): it runs the counting
   * proxies, no longer the connector (a process of its own, connector-process.ts), so a stall here
   * delays the bot's storage calls but does not bunch the arrivals the connector stamps.
   */
  loopDelay: { p99: number; max: number };
  tallies: ReadonlyMap<string, { messages: number; creates: number; throttled: number }>;
  failure: string | null;
}

const runVariant = async (variant: Variant, options: Options): Promise<RunResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-bench-fanout-'));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const azurite = await startEmbeddedAzurite({
      dataDir: join(dir, 'azurite-data'),
      saveIntervalMs: options.saveIntervalMs,
    });
    cleanup.push(() => azurite.stop());
    const tableProxy = await startCountingProxy(`http://127.0.0.1:${azurite.port}`, tableCallKind);
    cleanup.push(() => tableProxy.stop());
    const queueProxy = await startCountingProxy(`http://127.0.0.1:${azurite.queuePort}`, queueCallKind);
    cleanup.push(() => queueProxy.stop());
    // The connector in a process of its own: its arrival stamps from a loop that does nothing else.
    const connector = await ConnectorProcess.start({
      tenantRps: variant.connectorRps,
      latencyMs: options.latencyMs,
      jitterMs: options.jitterMs,
      defaultTenant: BENCH_TENANT,
      tenantCounts: options.tenantCounts,
    });
    cleanup.push(() => connector.stop());

    const prefix = `bf${runId()}`.slice(0, 41);
    const config: Config = loadConfig({ TABLE_PREFIX: prefix });
    const direct: TableTarget = { kind: 'azurite', endpoint: azurite.endpoint };
    const seedStarted = performance.now();
    const seeded = await seedFanout(
      config,
      direct,
      { kind: 'azurite', endpoint: azurite.queueEndpoint },
      connector.url,
      options.people,
      variant.knownChats ? (tenantId, personId) => connector.knowPersonal(tenantId, personId) : undefined,
    );
    await connector.flush();
    progress(
      `seeded ${count(options.people)} people${variant.knownChats ? ' with their chats' : ''} in ` +
        `${seconds(performance.now() - seedStarted)}`,
    );
    const repository = new TableAnnouncementRepository(storeTable(config, direct, 'announcements'));

    const connection =
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `TableEndpoint=${tableProxy.origin}/${AZURITE_ACCOUNT};QueueEndpoint=${queueProxy.origin}/${AZURITE_ACCOUNT};`;
    const botEnv = (n: number): Record<string, string> => ({
      STORAGE_CONNECTION_STRING: connection,
      TABLE_PREFIX: prefix,
      TEAMS_TENANT_RPS: String(variant.tenantRps),
      DATA_DIR: join(dir, `bot-${n}`),
    });
    const memory = new PeakMemory();
    const bots: BotRun[] = [];
    const live: BotRun[] = [];
    const launch = (n: number, start: number): BotRun => {
      mkdirSync(join(dir, `bot-${n}`), { recursive: true });
      const bot = startBot(
        `bot ${n}${start > 1 ? ` (start ${start})` : ''}`,
        botEnv(n),
        dir,
        options.botNodeArgs,
      );
      bots.push(bot);
      live[n - 1] = bot;
      return bot;
    };
    // Azurite's CPU from here on: the seeding's is not the fan-out's.
    const azuriteCpuBefore = cpuOf(azurite.pid) ?? 0;
    const startedAt = Date.now();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    for (let n = 1; n <= variant.bots; n++) launch(n, 1);
    cleanup.push(async () => void (await Promise.all(live.map((bot) => stopBot(bot)))));

    const killAt = killPoints(variant.kills, options.people);
    const kills = [...killAt];
    const killed = new Set<BotRun>();
    let starts = 1;
    let failure: string | null = null;
    let reachedAt: number | null = null;
    let lastProgress = Date.now();
    let lastReached = 0;
    let lastReachedAt = Date.now();
    while (reachedAt === null) {
      await sleep(POLL_MS);
      for (const bot of live) memory.sample(bot.pid);
      memory.sample(azurite.pid);
      const stats = await connector.getStats();
      const now = Date.now();
      if (stats.recipients > lastReached) {
        lastReached = stats.recipients;
        lastReachedAt = now;
      }
      if (stats.recipients >= options.people) {
        reachedAt = stats.lastNewRecipientAt ?? now;
        break;
      }
      const dead = live.find((bot) => bot.child.exitCode !== null || bot.child.signalCode !== null);
      if (dead && !killed.has(dead)) {
        failure = `${dead.label} exited (${dead.child.exitCode ?? dead.child.signalCode}): ${dead.stderr().slice(-1500)}`;
        break;
      }
      if (kills.length > 0 && stats.recipients >= (kills[0] ?? Infinity)) {
        kills.shift();
        const victim = live[0];
        if (victim) {
          memory.sample(victim.pid);
          killed.add(victim);
          victim.child.kill('SIGKILL');
          await victim.exited;
          progress(`SIGKILL ${victim.label} at ${count(stats.recipients)} recipients; started again`);
          launch(1, ++starts);
        }
      }
      if (now - lastReachedAt > options.stallMs) {
        failure = `no new recipient for ${seconds(options.stallMs)} (${count(stats.recipients)} reached)`;
        break;
      }
      if (now - lastProgress >= PROGRESS_MS) {
        lastProgress = now;
        progress(
          `${count(stats.recipients)} recipients, ${count(stats.requests)} requests, ` +
            `${count(stats.throttled.tenant + stats.throttled.conversation)} 429s after ${seconds(now - startedAt)}`,
        );
      }
    }
    loop.disable();
    const tableAtReached = tableProxy.counts();
    const queueAtReached = queueProxy.counts();

    // The bot finishes the announcement after its last send (the counts, the state, the posts).
    let final: Announcement | null = null;
    let doneAt: number | null = null;
    const doneBy = Date.now() + 60_000;
    while (!failure && Date.now() < doneBy) {
      for (const bot of live) memory.sample(bot.pid);
      final = (await repository.get(seeded.tenantId, seeded.announcementId))?.value ?? null;
      if (final?.state === 'done') {
        doneAt = Date.now();
        break;
      }
      await sleep(1000);
    }
    final ??= (await repository.get(seeded.tenantId, seeded.announcementId))?.value ?? null;
    for (const bot of live) memory.sample(bot.pid);
    memory.sample(azurite.pid);
    const endedAt = Date.now();
    await Promise.all(live.map((bot) => stopBot(bot)));

    const deliveries = await readDeliveries(repository, seeded, final?.parts ?? 0);
    return {
      stats: await connector.getStats(),
      seeded,
      startedAt,
      reachedAt,
      doneAt,
      final,
      table: tableAtReached,
      queue: queueAtReached,
      botPeak: memory.peakOf(bots.map((b) => b.pid)),
      azuritePeak: memory.peakOf([azurite.pid]),
      botCpuMs: memory.cpuOf(bots.map((b) => b.pid)),
      azuriteCpuMs: memory.cpuOf([azurite.pid]) - azuriteCpuBefore,
      endedAt,
      kills: killAt,
      bots,
      deliveries,
      tallies: await connector.recipientTallies(),
      loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      failure,
    };
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
};

const report = (variant: Variant, run: RunResult): void => {
  const { stats, seeded } = run;
  const n = seeded.people.length;
  const throttled = stats.throttled.tenant + stats.throttled.conversation;

  // Rate: what the limit constrains, connector requests accepted per second (createConversation
  // counts like a send) over the sending period: the first accepted request to the last accepted
  // request for a recipient.
  const sendingMs = (stats.lastRecipientAcceptedAt ?? 0) - (stats.firstAcceptedAt ?? 0);
  const perSecond = (k: number): number => (sendingMs > 0 ? k / (sendingMs / 1000) : 0);
  const acceptedRate = perSecond(stats.acceptedInSending);
  const ratio = acceptedRate / variant.connectorRps;
  print(
    'rate/limit',
    ratio.toFixed(3),
    `${acceptedRate.toFixed(1)} connector requests accepted/s (${count(stats.acceptedInSending)}) over ` +
      `${seconds(sendingMs)} of sending (first to last accepted request) ÷ ${variant.connectorRps}/s` +
      (variant.rateGoal === null
        ? ''
        : `; goal ≥ ${variant.rateGoal}: ${verdict(ratio, variant.rateGoal, 'at-least')}`),
  );
  print(
    'recipients/s',
    perSecond(stats.recipients).toFixed(1),
    `${count(stats.recipients)} recipients reached over the same period; ` +
      `${perSecond(stats.requests).toFixed(1)} connector requests/s asked (429s included)`,
  );

  let lost = 0;
  let duplicates = 0;
  let twiceFlagged = 0;
  for (const id of seeded.people) {
    const messages = run.tallies.get(id)?.messages ?? 0;
    const possible = run.deliveries.get(id)?.possibleDuplicate ?? false;
    if (messages === 0) lost++;
    if (messages > 1 && !possible) duplicates++;
    if (messages > 1 && possible) twiceFlagged++;
  }
  const known = new Set(seeded.people);
  const strangers = [...run.tallies.keys()].filter((id) => !known.has(id)).length;
  print('lost', count(lost), `recipients never messaged; goal 0: ${verdict(lost, 0, 'at-most')}`);
  print(
    'duplicates',
    count(duplicates),
    `messaged more than once and not marked possible duplicates; goal 0: ${verdict(duplicates, 0, 'at-most')}`,
  );
  const possible = [...run.deliveries.values()].filter((d) => d.possibleDuplicate).length;
  print(
    'possible duplicates',
    count(possible),
    `marked in the delivery rows; ${count(twiceFlagged)} of them got two`,
  );
  print(
    '429s per request',
    share(throttled, stats.requests),
    `${count(throttled)} of ${count(stats.requests)} (${count(stats.throttled.tenant)} tenant, ` +
      `${count(stats.throttled.conversation)} conversation)` +
      (variant.throttledGoal === null
        ? ''
        : `; goal ≤ ${variant.throttledGoal}: ${verdict(throttled / Math.max(1, stats.requests), variant.throttledGoal, 'at-most')}`),
  );
  print(
    'peak RSS of the bot',
    mb(run.botPeak),
    `VmHWM, the highest of ${run.bots.length} process(es); goal ≤ ${RSS_GOAL_MB} MB: ` +
      `${verdict(run.botPeak / 1024 / 1024, RSS_GOAL_MB, 'at-most')}; Azurite apart: ${mb(run.azuritePeak)}`,
  );
  const queueCalls = total(run.queue.calls);
  const tableCalls = total(run.table.calls);
  print(
    'queue calls per recipient',
    (queueCalls / n).toFixed(3),
    `${count(queueCalls)}: ${breakdown(run.queue.calls)}`,
  );
  print(
    'table calls per recipient',
    (tableCalls / n).toFixed(3),
    `${count(tableCalls)}: ${breakdown(run.table.calls)}; ${count(run.table.batchOperations)} rows in transactions`,
  );

  // What else was seen: the busiest second, the connector's calls, the store's view, the bot's logs.
  const ceiling = variant.tenantRps;
  print(
    'busiest second',
    `${stats.peak.arrivals} requests asked`,
    `${stats.peak.accepted} accepted; connector limit ${variant.connectorRps}, TEAMS_TENANT_RPS ${ceiling}` +
      (variant.ceilingGoal
        ? `; never above ${ceiling}: ${verdict(stats.peak.arrivals, ceiling, 'at-most')}`
        : ''),
  );
  print(
    'bench event-loop delay',
    `p99 ${run.loopDelay.p99.toFixed(0)} ms, max ${run.loopDelay.max.toFixed(0)} ms`,
    'of this process (the counting proxies; the connector runs in a process of its own) over the sending',
  );
  print(
    'connector calls',
    count(stats.requests),
    `${count(stats.creates)} createConversation, ${count(stats.sends)} sends, ${count(stats.updates)} updates accepted;` +
      ` ${count(stats.otherCalls)} to the coordination chat; ${count(strangers)} recipients not in the audience`,
  );
  const slices = (line: readonly number[]): string =>
    Array.from({ length: Math.ceil(line.length / 10) }, (_, i) =>
      Math.round(
        line.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0) / Math.min(10, line.length - i * 10),
      ),
    ).join(' ');
  print(
    'accepted/s per 10 s',
    slices(stats.timeline.accepted),
    'connector requests accepted, each 10 s of the run',
  );
  print('429s/s per 10 s', slices(stats.timeline.throttled));
  const statuses = new Map<string, number>();
  for (const d of run.deliveries.values()) statuses.set(d.status, (statuses.get(d.status) ?? 0) + 1);
  print(
    'the store at the end',
    run.final ? `${run.final.state}` : 'no announcement',
    `${count(run.final?.recipients ?? 0)} recipients in ${count(run.final?.parts ?? 0)} partitions; ` +
      [...statuses].map(([s, k]) => `${count(k)} ${s}`).join(', '),
  );
  const toReached = run.reachedAt === null ? null : run.reachedAt - run.startedAt;
  print(
    'time',
    toReached === null ? 'not all reached' : seconds(toReached),
    `from the bot's start to the last recipient (start-up and expansion included)` +
      (run.failure
        ? ''
        : run.doneAt === null
          ? '; not done within 60 s after'
          : `; done ${seconds(run.doneAt - run.startedAt)}`),
  );
  const runMs = run.endedAt - run.startedAt;
  print(
    'CPU',
    `bot ${seconds(run.botCpuMs)}`,
    `${((run.botCpuMs / runMs) * 100).toFixed(0)}% of one core over the run's ${seconds(runMs)}; ` +
      `Azurite ${seconds(run.azuriteCpuMs)} (${((run.azuriteCpuMs / runMs) * 100).toFixed(0)}%); ` +
      `${cpus().length} cores on this machine`,
  );
  const logs = new Map<string, number>();
  for (const bot of run.bots) for (const [msg, k] of bot.messages) logs.set(msg, (logs.get(msg) ?? 0) + k);
  const noisy = [...logs].sort((a, b) => b[1] - a[1]).slice(0, 6);
  if (noisy.length > 0) {
    print('bot log lines', '', noisy.map(([msg, k]) => `${count(k)}× ${msg.slice(0, 140)}`).join('; '));
  }
  if (run.kills.length > 0) {
    print('SIGKILLs', String(run.kills.length), `at ${run.kills.map(count).join(', ')} recipients reached`);
  }
  if (run.failure) {
    print('RUN FAILED', run.failure.slice(0, 2000));
    for (const bot of run.bots)
      for (const line of bot.lastLines.slice(-5)) console.log(`    ${bot.label}: ${line}`);
  }
};

const main = async (): Promise<void> => {
  const options: Options = {
    people: positiveInt('BENCH_FANOUT_N', 10_000),
    latencyMs: positiveInt('BENCH_FANOUT_LATENCY_MS', 50, 0),
    jitterMs: positiveInt('BENCH_FANOUT_JITTER_MS', 20, 0),
    stallMs: positiveInt('BENCH_FANOUT_STALL_MS', 240_000),
    saveIntervalMs: positiveInt('AZURITE_SAVE_INTERVAL_MS', 200),
    tenantCounts: process.env.BENCH_FANOUT_TENANT_COUNTS === 'messages' ? 'messages' : 'requests',
    botNodeArgs: (process.env.BENCH_FANOUT_BOT_NODE_ARGS ?? '').split(' ').filter(Boolean),
  };
  const asked = (process.env.BENCH_FANOUT_VARIANT ?? 'all').split(',').map((v) => v.trim());
  const chosen = asked.includes('all') ? VARIANTS : VARIANTS.filter((v) => asked.includes(v.name));
  const unknown = asked.filter((v) => v !== 'all' && !VARIANTS.some((known) => known.name === v));
  if (unknown.length > 0 || chosen.length === 0) {
    throw new Error(
      `BENCH_FANOUT_VARIANT: ${unknown.join(', ')}: use all, ${VARIANTS.map((v) => v.name).join(', ')}`,
    );
  }
  for (const variant of chosen) {
    console.log(
      `\nfan-out ${variant.name}: ${variant.what}; ${count(options.people)} recipients, connector limit ` +
        `${variant.connectorRps}/s per tenant (${options.tenantCounts === 'messages' ? 'sends and updates' : 'every request'}), latency ${options.latencyMs} ± ${options.jitterMs} ms, ` +
        `TEAMS_TENANT_RPS=${variant.tenantRps}, ${variant.bots} bot(s)`,
    );
    report(variant, await runVariant(variant, options));
  }
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
