/**
 * Run by test/app/audience-memory.test.ts in its own process: resolves 50,000 generated members
 * into a store that discards the rows, and prints (one JSON line) how far the resident set grew
 * above the baseline taken just before, at its peak. The store keeps nothing, so the number is
 * what the resolution itself holds.
 */
import { resolveAudience } from '../../src/app/resolve-audience';
import type { EntityTable, StoredEntity, TableAction } from '../../src/storage/entity-table';
import { TableAudienceRepository } from '../../src/storage/audience-repository';
import { AUDIENCE_TENANT, pilotFor, spec } from './audience-rollouts';
import { MemoryDirectory } from './memory-directory';

export const MEMBERS = 50_000;

/** An EntityTable that takes every write and keeps nothing: it only counts the rows written. */
class DiscardingTable implements EntityTable {
  readonly name = 'discard';
  rowsWritten = 0;

  async ensure(): Promise<void> {}

  async get(): Promise<StoredEntity | null> {
    return null;
  }

  async query(): Promise<StoredEntity[]> {
    return [];
  }

  async submit(actions: readonly TableAction[]): Promise<string[]> {
    this.rowsWritten += actions.filter((a) => a.kind === 'upsert').length;
    return actions.map(() => 'W/"discarded"');
  }
}

const main = async (): Promise<void> => {
  const directory = new MemoryDirectory({ pageSize: 999 });
  directory.generateGroup(AUDIENCE_TENANT, 'g-all', MEMBERS);
  const table = new DiscardingTable();
  const silent = { info: () => {}, warn: () => {}, error: () => {} };
  const deps = {
    directory,
    audiences: new TableAudienceRepository(table),
    clock: { now: () => new Date() },
    log: silent,
  };
  const rollout = pilotFor(spec({ groups: ['g-all'] }));
  (global as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  // The resident set is sampled as each page of members arrives (and at the end): what the
  // resolution holds while it streams. The process's lifetime maximum (`maxRSS`) would also count
  // transient native peaks of the garbage collector, which vary with the machine's load.
  let peak = baseline;
  const sample = () => void (peak = Math.max(peak, process.memoryUsage().rss));
  const pages = directory.groupMembers.bind(directory);
  directory.groupMembers = async function* (tenantId: string, groupId: string) {
    for await (const page of pages(tenantId, groupId)) {
      sample();
      yield page;
    }
  };
  const outcome = await resolveAudience(deps, rollout, 'pilot');
  sample();
  const people = outcome.ok ? outcome.snapshot.counts.people : outcome.message;
  console.log(JSON.stringify({ people, rowsWritten: table.rowsWritten, growthBytes: peak - baseline }));
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
