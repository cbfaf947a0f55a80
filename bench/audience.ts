import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PER_USER_DEVICE_LIMIT } from '../src/app/audience-devices';
import { createTableClient } from '../src/storage/azure-table';
import { startEmbeddedAzurite } from '../src/storage/embedded-azurite';
import type { GraphTally, ResolveRun } from './audience-child';
import { runId, seconds, verdict } from './stats';

const ROOT = join(__dirname, '..', '..');
/** Run from source with tsx: the fake Graph reads the test certificates next to its source. */
const CHILD = join(ROOT, 'bench', 'audience-child.ts');
/** As bench/audience-child.ts generates them (not imported: loading that module needs tsx). */
const MEMBERS = 50_000;
const RSS_BUDGET_MB = 100;

/** A process of bench/audience-child.ts: it answers each line sent with one JSON line. */
interface Child {
  /** Its next line of JSON. */
  read<T>(): Promise<T>;
  /** Sends a line; its answer. */
  ask<T>(line?: string): Promise<T>;
  /** Ends its stdin (it exits then) and waits for its exit. */
  close(): Promise<void>;
}

const startChild = (args: string[], nodeOptions: string[] = []): Child => {
  const proc = spawn(
    process.execPath,
    [...nodeOptions, '--require', require.resolve('tsx/cjs'), CHILD, ...args],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<number | null>((done) => proc.once('exit', done));
  createInterface({ input: proc.stdout }).on('line', (line) => waiting.shift()?.(line));
  const read = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.push((line) => resolve(JSON.parse(line) as T));
      void exited.then((code) => reject(new Error(`${args[0]} child exited with ${code}`)));
    });
  return {
    read,
    ask: <T>(line = '') => {
      const answer = read<T>();
      proc.stdin.write(`${line}\n`);
      return answer;
    },
    close: async () => {
      proc.stdin.end();
      await exited;
    },
  };
};

const count = (n: number): string => n.toLocaleString('en-US');

const mb = (bytes: number): number => bytes / 1024 / 1024;

const minus = (after: GraphTally, before: GraphTally | null): GraphTally => ({
  http: Object.fromEntries(Object.entries(after.http).map(([k, n]) => [k, n - (before?.http[k] ?? 0)])),
  inBatch: after.inBatch - (before?.inBatch ?? 0),
  tokenRequests: after.tokenRequests - (before?.tokenRequests ?? 0),
});

const printRun = (what: string, store: string, run: ResolveRun, calls: GraphTally): void => {
  const http = Object.values(calls.http).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(calls.http)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${count(n)} ${kind}`)
    .join(', ');
  console.log(`  ${what}`);
  console.log(
    `    ${count(run.people)} people in ${seconds(run.ms)}` +
      `  (${count(Math.round(run.people / (run.ms / 1000)))} members/s)`,
  );
  console.log(
    `    Graph: ${count(http)} HTTP calls (${kinds}; ${count(calls.inBatch)} reads inside $batch` +
      `${calls.tokenRequests ? `; ${calls.tokenRequests} token request(s)` : ''})`,
  );
  console.log(
    `    Graph calls per 1,000 members: ${((http / run.people) * 1000).toFixed(1)}` +
      `  (${(http / run.people).toFixed(4)} a member)`,
  );
  console.log(
    `    ${store}: ${count(run.rowsWritten)} rows written, ${count(Math.round(run.rowsWritten / (run.ms / 1000)))} rows/s`,
  );
};

/**
 * Resolving a 50,000-member audience (one Entra group, a managed device each) with the real Graph
 * adapter against the fake Graph over HTTPS, into a snapshot on embedded Azurite: a first
 * resolution (devices per user by `$batch` up to PER_USER_DEVICE_LIMIT people, then the
 * tenant-wide sweep), then the same into memory, whose time is Graph's and the resolver's alone.
 * The resolver runs in a child process of its own, whose peak resident set above its baseline is
 * the memory figure; the fake Graph and Azurite have their own processes. No refresh (a large
 * previous snapshot: the sweep first) into Azurite: with the first snapshot's 50,000 rows in the
 * table every write is slower still, and it ran for minutes into the 5 s storage try timeout.
 */
export const benchAudience = async (): Promise<void> => {
  console.log(
    `\naudience resolution: ${count(MEMBERS)} members of one group, a managed device each` +
      ' (real Graph adapter → fake Graph over HTTPS; snapshot into embedded Azurite)',
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'rollout-bench-audience-'));
  const children: Child[] = [];
  try {
    const azurite = await startEmbeddedAzurite({ dataDir });
    const table = `ba${runId()}`;
    try {
      const graph = startChild(['graph']);
      children.push(graph);
      const { url } = await graph.read<{ url: string }>();
      const resolver = startChild(['resolve', url, azurite.endpoint, table], ['--expose-gc']);
      children.push(resolver);
      // Azurite first: the peak RSS growth is that run's (the reference run keeps its rows in memory).
      const run = await resolver.ask<ResolveRun>('azurite');
      const calls = await graph.ask<GraphTally>();
      printRun(
        `into Azurite (devices per user by $batch up to ${count(PER_USER_DEVICE_LIMIT)} people, then the tenant-wide sweep)`,
        'Azurite',
        run,
        calls,
      );
      console.log(
        `    peak RSS growth of the resolver's process: ${mb(run.growthBytes).toFixed(1)} MB` +
          `  (${((mb(run.growthBytes) / RSS_BUDGET_MB) * 100).toFixed(0)}% of the ${RSS_BUDGET_MB} MB budget:` +
          ` ${verdict(mb(run.growthBytes), RSS_BUDGET_MB, 'at-most')})`,
      );
      const reference = await resolver.ask<ResolveRun>('memory');
      printRun(
        'for reference, the same into memory (Graph and the resolver alone)',
        'memory',
        reference,
        minus(await graph.ask<GraphTally>(), calls),
      );
      console.log(
        `  Azurite's share of the time: ${(((run.ms - reference.ms) / run.ms) * 100).toFixed(0)}%` +
          ` (into Azurite ${(run.ms / reference.ms).toFixed(1)}× the time into memory)`,
      );
    } finally {
      await Promise.all(children.map((c) => c.close()));
      await createTableClient({ kind: 'azurite', endpoint: azurite.endpoint }, table)
        .deleteTable()
        .catch(() => undefined);
      await azurite.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  benchAudience().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
