/**
 * The two processes of bench/audience.ts, run from source with tsx (as test/app/audience-memory.test.ts
 * runs its child): test/support/bot-framework-issuer.ts reads the test certificates next to its
 * source at load, so the fake Graph cannot run from dist/. (The build compiles this file too, as
 * all of bench/, and the test support it imports into dist/test/support: those copies never run.)
 *
 * Each prints one JSON line per line read from its stdin, and exits when its stdin ends.
 *
 * - `graph`: the fake Graph over HTTPS with one tenant: a group of MEMBERS generated users (three
 *   departments, three countries) and a managed device each; prints `{ url }`, then per line read
 *   the calls it received so far (GraphTally).
 * - `resolve <graph url> <azurite endpoint> <table>`: per line read (a Target), resolves the group's
 *   audience (stage `pilot`, a first resolution) with the real Graph adapter into a
 *   TableAudienceRepository on the Azurite table or in memory, and prints the time, the rows
 *   written and how far the resident set has grown above the baseline taken before the first
 *   resolution, at its peak (ResolveRun).
 */
import { createInterface } from 'node:readline';
import { resolveAudience } from '../src/app/resolve-audience';
import { createDirectory } from '../src/graph';
import { TableAudienceRepository } from '../src/storage/audience-repository';
import { AzureEntityTable, createTableClient } from '../src/storage/azure-table';
import { DelegatingTable } from '../src/storage/delegating-table';
import type { TableAction } from '../src/storage/entity-table';
import { MemoryTable } from '../src/storage/memory-table';
import { AUDIENCE_TENANT, pilotFor, spec } from '../test/support/audience-rollouts';
import { TEST_CA_PEM } from '../test/support/bot-framework-issuer';
import { FakeGraph, fakeGraphConfig, generatedUserId, trustingFetch } from '../test/support/fake-graph';

/** bench/audience.ts says so in its heading (it does not import this module: that needs tsx). */
const MEMBERS = 50_000;
const GROUP = 'a11a11a1-0000-4000-8000-000000000000';
const OPERATING_SYSTEMS = ['Windows', 'macOS', 'iOS', 'Android'];

export interface GraphTally {
  /** HTTP requests to Graph (a `$batch` is one), by kind. */
  http: Record<string, number>;
  /** Requests carried inside `$batch` requests. */
  inBatch: number;
  tokenRequests: number;
}

export interface ResolveRun {
  people: number;
  rowsWritten: number;
  ms: number;
  /** Peak resident set (ru_maxrss) above the baseline taken before the first resolution. */
  growthBytes: number;
}

const lines = (): AsyncIterable<string> => createInterface({ input: process.stdin });

/** The kind of a Graph request, for the tally. */
const kindOf = (path: string): string =>
  path.endsWith('/$batch')
    ? '$batch'
    : path.endsWith('/transitiveMembers')
      ? 'transitiveMembers'
      : path.endsWith('/deviceManagement/managedDevices')
        ? 'managedDevices (sweep)'
        : path.replace(/^\/v1\.0\/([^/]+).*$/, '$1');

const serveGraph = async (): Promise<void> => {
  const fake = await new FakeGraph().start();
  fake.tenant(AUDIENCE_TENANT, {
    roles: ['User.Read.All', 'GroupMember.Read.All', 'DeviceManagementManagedDevices.Read.All'],
    groups: [{ id: GROUP, displayName: 'Everyone', generated: MEMBERS }],
    devices: Array.from({ length: MEMBERS }, (_, i) => ({
      id: `device-${i}`,
      userId: generatedUserId(GROUP, i),
      operatingSystem: OPERATING_SYSTEMS[i % OPERATING_SYSTEMS.length] ?? 'Windows',
    })),
  });
  console.log(JSON.stringify({ url: fake.url }));
  for await (const _ of lines()) {
    const http: Record<string, number> = {};
    for (const call of fake.calls) {
      if (!call.viaBatch) http[kindOf(call.path)] = (http[kindOf(call.path)] ?? 0) + 1;
    }
    const tally: GraphTally = {
      http,
      inBatch: fake.calls.filter((c) => c.viaBatch).length,
      tokenRequests: fake.tokenRequests.length,
    };
    console.log(JSON.stringify(tally));
  }
  await fake.stop();
};

/** Counts the rows upserted through it (snapshot members and the head). */
class RowCountingTable extends DelegatingTable {
  rowsWritten = 0;

  override submit(actions: readonly TableAction[]): Promise<string[]> {
    this.rowsWritten += actions.filter((a) => a.kind === 'upsert').length;
    return super.submit(actions);
  }
}

/** Where a resolution's snapshot goes: the Azurite table, or (for reference) memory. */
export type Target = 'azurite' | 'memory';

const resolve = async (graphUrl: string, endpoint: string, tableName: string): Promise<void> => {
  // The settings of a bot pointed at the fake in the other process (its default client secret).
  const config = {
    ...fakeGraphConfig(new FakeGraph()),
    GRAPH_BASE_URL: graphUrl,
    GRAPH_AUTHORITY_HOST: graphUrl,
  };
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const directory = createDirectory(config, silent, {
    credential: { tlsOptions: { ca: TEST_CA_PEM } },
    fetch: trustingFetch(TEST_CA_PEM),
  });
  if (!directory) throw new Error('no Graph directory');
  const azure = new AzureEntityTable(createTableClient({ kind: 'azurite', endpoint }, tableName));
  await azure.ensure();
  const rollout = pilotFor(spec({ groups: [GROUP] }));
  (global as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  for await (const line of lines()) {
    // A table of its own each time: no previous snapshot, so each is a first resolution.
    const table = new RowCountingTable(line.trim() === 'memory' ? new MemoryTable() : azure);
    const deps = {
      directory,
      audiences: new TableAudienceRepository(table),
      clock: { now: () => new Date() },
      log: silent,
    };
    const started = performance.now();
    const outcome = await resolveAudience(deps, rollout, 'pilot');
    const ms = performance.now() - started;
    if (!outcome.ok) throw new Error(`audience not resolved: ${outcome.message}`);
    const run: ResolveRun = {
      people: outcome.snapshot.counts.people,
      rowsWritten: table.rowsWritten,
      ms,
      growthBytes: process.resourceUsage().maxRSS * 1024 - baseline,
    };
    console.log(JSON.stringify(run));
  }
};

const main = async (): Promise<void> => {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'graph') return serveGraph();
  if (role === 'resolve') return resolve(args[0] ?? '', args[1] ?? '', args[2] ?? '');
  throw new Error(`unknown role ${role}`);
};

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
