import { TooLargeError } from '../../src/app/errors';
import type { AudienceMember, AudienceSnapshot, SnapshotWriter } from '../../src/app/ports';
import { LEFT_OUT_REASONS, type AudienceCounts } from '../../src/domain/audience';
import {
  AUDIENCE_BUCKETS,
  audienceBucket,
  STALE_WRITE_MS,
  TableAudienceRepository,
} from '../../src/storage/audience-repository';
import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import { MAX_STRING_PROPERTY_CHARS, type EntityTable } from '../../src/storage/entity-table';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const ROLLOUT = 'ro-test';
const STAGE = 'enterprise/w1';

const personId = (n: number): string => `AAAAAAAA-0000-4000-8000-${String(n).padStart(12, '0')}`;

const aMember = (n: number, overrides: Partial<AudienceMember> = {}): AudienceMember => ({
  id: personId(n).toLowerCase(),
  name: `Person ${n}`,
  department: n % 2 === 0 ? 'Sales' : null,
  country: 'DE',
  platforms: n % 3 === 0 ? ['windows', 'ios'] : [],
  ...overrides,
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** `count` people whose rows share one bucket: the first 100 are written before the commit. */
const inOneBucket = (count: number): number[] =>
  range(0, 20 * count)
    .filter((n) => audienceBucket(personId(n)) === 3)
    .slice(0, count);

const counts = (people: number): AudienceCounts => ({
  people,
  byDepartment: { Sales: people },
  byCountry: { DE: people },
  byPlatform: {},
  devicesByOs: {},
  withoutDevice: people,
  leftOut: Object.fromEntries(LEFT_OUT_REASONS.map((r) => [r, 0])) as AudienceCounts['leftOut'],
  nonUsers: 0,
});

const info = (people: number, fingerprint = 'fp') => ({
  fingerprint,
  resolvedAt: '2026-02-10T17:30:00.000Z',
  counts: counts(people),
  sample: ['Person 0'],
  warnings: [],
});

/** Counts the calls of each kind ("read", "query", "write") passed on. */
class CallCountingTable extends DelegatingTable {
  calls: Record<string, number> = {};

  protected override run<T>(call: TableCall, run: (table: EntityTable) => Promise<T>): Promise<T> {
    this.calls[call.what] = (this.calls[call.what] ?? 0) + 1;
    return super.run(call, run);
  }
}

/** The audience repository's behaviour, the same on the in-memory table and on Azurite. */
export const describeAudienceRepositoryContract = (
  label: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`audience repository contract (${label})`, () => {
    let repo: TableAudienceRepository;
    let now: number;
    let table: CallCountingTable;
    beforeEach(async () => {
      now = Date.parse('2026-02-10T17:30:00.000Z');
      table = new CallCountingTable(await makeTable());
      repo = new TableAudienceRepository(table, { now: () => new Date(now) });
    });

    const write = async (numbers: number[], stageId = STAGE): Promise<SnapshotWriter> => {
      const writer = repo.begin(TENANT, ROLLOUT, stageId);
      await writer.add(numbers.map((n) => aMember(n)));
      return writer;
    };

    const snapshotWith = async (numbers: number[], stageId = STAGE): Promise<AudienceSnapshot> =>
      (await write(numbers, stageId)).commit(info(numbers.length));

    const everyone = async (snapshot: AudienceSnapshot): Promise<AudienceMember[]> => {
      const all: AudienceMember[] = [];
      for await (const page of repo.members(snapshot)) all.push(...page);
      return all.sort((a, b) => (a.id < b.id ? -1 : 1));
    };

    /** Prunes until nothing is left; the number of rows deleted. */
    const pruneAll = async (all = false): Promise<number> => {
      let total = 0;
      for (
        let n = await repo.prune(TENANT, ROLLOUT, 1000, all);
        n > 0;
        n = await repo.prune(TENANT, ROLLOUT, 1000, all)
      ) {
        total += n;
      }
      return total;
    };

    it('a snapshot is visible only once committed, with its counts, members and ETag-free info', async () => {
      const writer = await write(range(0, 250));
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toBeNull();
      const snapshot = await writer.commit(info(250, 'fp-1'));
      expect(snapshot).toEqual({
        tenantId: TENANT,
        rolloutId: ROLLOUT,
        stageId: STAGE,
        id: writer.id,
        ...info(250, 'fp-1'),
      });
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toEqual(snapshot);
      expect(await repo.current(TENANT, ROLLOUT, 'pilot')).toBeNull();
      expect(await repo.current('other-tenant', ROLLOUT, STAGE)).toBeNull();
      expect(await everyone(snapshot)).toEqual(
        range(0, 250)
          .map((n) => aMember(n))
          .sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
    });

    it('isMember is one point read, true for a member in any case and false for anyone else', async () => {
      const snapshot = await snapshotWith(range(0, 30));
      table.calls = {};
      expect(await repo.isMember(snapshot, personId(7))).toBe(true);
      expect(table.calls).toEqual({ read: 1 });
      expect(await repo.isMember(snapshot, personId(7).toLowerCase())).toBe(true);
      expect(await repo.isMember(snapshot, personId(30))).toBe(false);
      expect(await repo.isMember({ ...snapshot, stageId: 'pilot' }, personId(7))).toBe(false);
    });

    it('a person added twice (in one page or two, in any case) is kept once', async () => {
      const writer = repo.begin(TENANT, ROLLOUT, STAGE);
      await writer.add([aMember(1), aMember(1, { id: personId(1), name: 'Renamed' })]);
      await writer.add([aMember(1), aMember(2)]);
      const snapshot = await writer.commit(info(2));
      expect(await everyone(snapshot)).toEqual([aMember(1), aMember(2)]);
    });

    it('a bucket holding 100 rows is written at once; the writer buffers less than 100 rows a bucket', async () => {
      const sameBucket = inOneBucket(150);
      const writer = await write(sameBucket);
      const early = { tenantId: TENANT, rolloutId: ROLLOUT, stageId: STAGE, id: writer.id, ...info(0) };
      const written = await Promise.all(sameBucket.map((n) => repo.isMember(early, personId(n))));
      expect(written.filter(Boolean)).toHaveLength(100);
      const snapshot = await writer.commit(info(150));
      expect(await everyone(snapshot)).toHaveLength(150);
    });

    it('the previous snapshot is kept; a third commit makes the first prunable, and only the first', async () => {
      const first = await snapshotWith(range(0, 120));
      const second = await snapshotWith(range(100, 130));
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toEqual(second);
      expect(await pruneAll()).toBe(0);
      expect(await repo.isMember(first, personId(5))).toBe(true);

      const third = await snapshotWith(range(200, 210));
      expect(await pruneAll()).toBe(120);
      expect(await repo.isMember(first, personId(5))).toBe(false);
      expect(await everyone(first)).toEqual([]);
      expect(await everyone(second)).toHaveLength(30);
      expect(await everyone(third)).toHaveLength(10);
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toEqual(third);
    });

    it('prune deletes at most `limit` rows a call and says how many', async () => {
      await snapshotWith(range(0, 250));
      await snapshotWith([1]);
      await snapshotWith([2]);
      const calls = [];
      for (let i = 0; i < 5; i++) calls.push(await repo.prune(TENANT, ROLLOUT, 100));
      expect(calls).toEqual([100, 100, 50, 0, 0]);
      expect(await repo.prune(TENANT, ROLLOUT, 0)).toBe(0);
    });

    it('an abandoned snapshot is never visible, and prune deletes its rows', async () => {
      const kept = await snapshotWith(range(0, 10));
      const writer = await write(inOneBucket(150)); // 100 rows written, 50 buffered
      await writer.abandon();
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toEqual(kept);
      await expect(writer.add([aMember(1)])).rejects.toThrow('abandoned');
      expect(await pruneAll()).toBe(100);
      expect(await everyone(kept)).toHaveLength(10);
    });

    it('a write its writer never finished is pruned once it is STALE_WRITE_MS old', async () => {
      await write(inOneBucket(150)); // 100 rows written, then a crash: neither committed nor abandoned
      expect(await pruneAll()).toBe(0);
      now += STALE_WRITE_MS + 1;
      expect(await pruneAll()).toBe(100);
    });

    it('concurrent commits: the last wins, the other is previous, and no superseded snapshot leaks', async () => {
      const base = await snapshotWith(range(0, 5));
      const [a, b] = await Promise.all([write(range(10, 20)), write(range(20, 40))]);
      const [sa, sb] = await Promise.all([a!.commit(info(10, 'a')), b!.commit(info(20, 'b'))]);
      const current = await repo.current(TENANT, ROLLOUT, STAGE);
      expect([sa, sb]).toContainEqual(current);
      const other = current?.id === sa.id ? sb : sa;
      expect(await repo.isMember(other, personId(other === sa ? 10 : 20))).toBe(true);
      expect(await pruneAll()).toBe(5);
      expect(await repo.isMember(base, personId(1))).toBe(false);

      await snapshotWith([100]);
      await snapshotWith([101]);
      expect(await pruneAll()).toBe(30);
      expect(await everyone(sa)).toEqual([]);
      expect(await everyone(sb)).toEqual([]);
    });

    it('stages are kept apart; prune with `all` deletes every snapshot of the rollout and its heads', async () => {
      const w1 = await snapshotWith(range(0, 40));
      const pilot = await snapshotWith(range(0, 20), 'pilot');
      await snapshotWith(range(0, 30));
      expect(await repo.current(TENANT, ROLLOUT, 'pilot')).toEqual(pilot);
      expect(await repo.isMember(w1, personId(39))).toBe(true);
      await write(inOneBucket(150)); // a write under way when the rollout closes: 100 rows so far
      // 40 + 30 (current and previous) + 20 (pilot) members, the open write's 100, the two heads.
      expect(await pruneAll(true)).toBe(192);
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toBeNull();
      expect(await repo.current(TENANT, ROLLOUT, 'pilot')).toBeNull();
      expect(await everyone(pilot)).toEqual([]);
    });

    it('refuses a head over the property limit with TooLargeError; the snapshot before stays current', async () => {
      const kept = await snapshotWith([1]);
      const writer = await write([2]);
      const huge = { ...info(1), sample: ['x'.repeat(MAX_STRING_PROPERTY_CHARS)] };
      expect(await rejection(writer.commit(huge))).toBeInstanceOf(TooLargeError);
      expect(await repo.current(TENANT, ROLLOUT, STAGE)).toEqual(kept);
    });

    it('a snapshot with no members commits, and members pages over several buckets', async () => {
      const empty = await repo.begin(TENANT, ROLLOUT, STAGE).commit(info(0));
      expect(await everyone(empty)).toEqual([]);
      const snapshot = await snapshotWith(range(0, 400));
      let pages = 0;
      for await (const page of repo.members(snapshot)) {
        pages += 1;
        expect(page.length).toBeGreaterThan(0);
      }
      expect(pages).toBe(AUDIENCE_BUCKETS);
    });
  });
};
