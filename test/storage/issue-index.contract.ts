import { feedbackPersonKey } from '../../src/app/feedback-keys';
import type { Stored } from '../../src/app/ports';
import { tallyDelta, type FeedbackAnswer, type FeedbackEntry } from '../../src/domain/feedback';
import type { Person } from '../../src/domain/roles';
import { DelegatingTable } from '../../src/storage/delegating-table';
import {
  encodeKey,
  type EntityTable,
  type StoredEntity,
  type TableAction,
} from '../../src/storage/entity-table';
import {
  FEEDBACK_BUCKETS,
  TableFeedbackRepository,
  feedbackBucket,
  feedbackPartitionKey,
} from '../../src/storage/feedback-repository';
import { backfillIssues, INDEX_KEY_COLUMN, ISSUE_MARKER_ROW, markerOf } from '../../src/storage/issue-rows';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const ROLLOUT = 'ro-issues';
const PILOT = 'pilot';
const WAVE = 'enterprise/w#1';
const T0 = Date.parse('2026-02-10T17:30:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const person = (n: number): Person => ({
  id: `bbbbbbbb-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `Person ${n}`,
});
const keyOf = (who: Person): string => feedbackPersonKey(ROLLOUT, who.id);
const bucketOf = (who: Person): number => feedbackBucket(keyOf(who)) ?? -1;
const ADMIN: Person = { id: 'admin-1', name: 'Admin One' };

const anEntry = (
  who: Person,
  {
    stageId = PILOT,
    answer = {},
    time = 0,
    submitted = time,
  }: { stageId?: string; answer?: Partial<FeedbackAnswer>; time?: number; submitted?: number } = {},
): FeedbackEntry => ({
  rolloutId: ROLLOUT,
  stageId,
  person: who,
  answer: {
    rating: 2,
    installed: 'partly',
    category: 'sign-in',
    severity: 'blocker',
    platform: 'macos',
    comment: `comment of ${who.name} at ${time}`,
    shareName: true,
    ...answer,
  },
  submittedAt: at(submitted),
  updatedAt: at(time),
  resolution: null,
  activities: [`act-${time}`],
});

const resolved = (entry: FeedbackEntry, time: number, note = 'fixed'): FeedbackEntry => ({
  ...entry,
  resolution: { by: ADMIN, at: at(time), note },
});

/** What the list gives back for an entry: the same, without the activity keys. */
const listed = (entry: FeedbackEntry): FeedbackEntry => ({ ...entry, activities: [] });

/**
 * A table that runs `before` once, just before the first transaction that writes an index row
 * beside a rewrite of an answer row (the backfill's), so a test can race it.
 */
class RacingTable extends DelegatingTable {
  before: (() => Promise<void>) | null = null;
  backfillWrites = 0;

  /** The number of actions of each transaction submitted. */
  readonly submits: number[] = [];

  override submit(actions: readonly TableAction[]): Promise<string[]> {
    this.submits.push(actions.length);
    const isBackfill =
      actions.length === 2 &&
      actions[0]?.kind === 'update' &&
      actions[0].entity.rowKey.startsWith('r|') &&
      actions[1]?.kind === 'create' &&
      actions[1].entity.rowKey.startsWith('i|');
    if (!isBackfill) return super.submit(actions);
    this.backfillWrites += 1;
    const race = this.before;
    this.before = null;
    return (race ? race() : Promise.resolve()).then(() => super.submit(actions));
  }
}

/** The index of blocker and major answers (FeedbackRepository.issues), on the in-memory table and on Azurite. */
export const describeIssueIndexContract = (label: string, makeTable: () => Promise<EntityTable>): void => {
  describe(`issue index (${label})`, () => {
    let inner: EntityTable;
    let table: RacingTable;
    let repo: TableFeedbackRepository;
    beforeEach(async () => {
      inner = await makeTable();
      table = new RacingTable(inner);
      repo = new TableFeedbackRepository(table);
    });

    const write = (
      before: Stored<FeedbackEntry> | null,
      after: FeedbackEntry,
      on: TableFeedbackRepository = repo,
    ): Promise<Stored<FeedbackEntry>> =>
      on.save(TENANT, {
        entry: after,
        ifMatch: before?.etag ?? null,
        delta: tallyDelta(before?.value ?? null, after),
        attempt: 0,
        notice: null,
      });

    /** Every index row of the rollout (the markers left out), in every bucket. */
    const indexRows = async (): Promise<StoredEntity[]> =>
      (
        await Promise.all(
          Array.from({ length: FEEDBACK_BUCKETS }, (_, b) =>
            inner.query(feedbackPartitionKey(TENANT, ROLLOUT, b), { rowKeyPrefix: 'i|' }),
          ),
        )
      )
        .flat()
        .filter((row) => row.rowKey !== ISSUE_MARKER_ROW);

    const answerRow = async (entry: FeedbackEntry): Promise<StoredEntity | null> =>
      inner.get(
        feedbackPartitionKey(TENANT, ROLLOUT, bucketOf(entry.person)),
        `r|${encodeKey(entry.stageId)}|${keyOf(entry.person)}`,
      );

    /** An answer row as the code before the index wrote it: no index row, no `indexKey`. */
    const writeOld = async (entry: FeedbackEntry): Promise<void> => {
      await inner.submit([
        {
          kind: 'create',
          entity: {
            partitionKey: feedbackPartitionKey(TENANT, ROLLOUT, bucketOf(entry.person)),
            rowKey: `r|${encodeKey(entry.stageId)}|${keyOf(entry.person)}`,
            doc: JSON.stringify(entry),
            stageId: entry.stageId,
            rolloutId: entry.rolloutId,
            updatedAt: entry.updatedAt,
            ...(entry.resolution ? { resolvedAt: entry.resolution.at } : {}),
          },
        },
      ]);
    };

    const stored = async (entry: FeedbackEntry): Promise<Stored<FeedbackEntry>> => {
      const found = await repo.get(TENANT, ROLLOUT, entry.stageId, keyOf(entry.person));
      if (!found) throw new Error('no such answer');
      return found;
    };

    it('a blocker answer is listed with what the list shows; a major one too', async () => {
      const blocker = anEntry(person(1), { stageId: WAVE, answer: { comment: 'ünïcødé 😀 "q" \\ | # ?' } });
      const major = anEntry(person(2), {
        time: 5,
        submitted: 1,
        answer: { severity: 'major', shareName: false },
      });
      await write(null, blocker);
      await write(null, major);
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([listed(major), listed(blocker)]);
      expect(await indexRows()).toHaveLength(2);
      const submitted = table.submits.length;
      expect(await repo.issues(TENANT, 'ro-other', 10)).toEqual([]);
      expect(await repo.issues('other-tenant', ROLLOUT, 10)).toEqual([]);
      // A rollout without feedback is listed without a write.
      expect(table.submits.length).toBe(submitted);
    });

    it('an edit to minor (or none) removes the index row; an edit back writes it again', async () => {
      const first = await write(null, anEntry(person(1)));
      const other = await write(null, anEntry(person(2), { answer: { severity: 'major' } }));
      const minor = await write(first, anEntry(person(1), { time: 10, answer: { severity: 'minor' } }));
      await write(other, anEntry(person(2), { time: 11, answer: { severity: 'none' } }));
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([]);
      expect(await indexRows()).toEqual([]);
      expect((await answerRow(minor.value))?.[INDEX_KEY_COLUMN]).toBeUndefined();
      const again = anEntry(person(1), { time: 20, answer: { severity: 'major', comment: 'back' } });
      await write(minor, again);
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([listed(again)]);
      expect(await indexRows()).toHaveLength(1);
    });

    it('an edit that stays an issue replaces its index row (one row, the new content)', async () => {
      const first = await write(null, anEntry(person(1)));
      const edited = anEntry(person(1), {
        time: 30,
        submitted: 0,
        answer: { severity: 'major', comment: 'now only major', platform: 'ios', category: 'install' },
      });
      await write(first, edited);
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([listed(edited)]);
      expect(await indexRows()).toHaveLength(1);
    });

    it('resolve and reopen: the listed resolution follows, resolved after open', async () => {
      const a = await write(null, anEntry(person(1), { time: 1 }));
      await write(null, anEntry(person(2), { time: 0, answer: { severity: 'major' } }));
      const done = await write(a, resolved(a.value, 50, 'Patched in 1.2'));
      let list = await repo.issues(TENANT, ROLLOUT, 10);
      expect(list.map((e) => e.person.id)).toEqual([person(2).id, person(1).id]);
      expect(list[1]?.resolution).toEqual({ by: ADMIN, at: at(50), note: 'Patched in 1.2' });
      const renoted = await write(done, resolved(a.value, 60, 'Patched in 1.3'));
      expect((await repo.issues(TENANT, ROLLOUT, 10))[1]?.resolution?.note).toBe('Patched in 1.3');
      await write(renoted, { ...a.value, resolution: null });
      list = await repo.issues(TENANT, ROLLOUT, 10);
      expect(list.map((e) => [e.person.id, e.resolution])).toEqual([
        [person(1).id, null],
        [person(2).id, null],
      ]);
      expect(await indexRows()).toHaveLength(2);
    });

    it('minor and none answers write no index row (and no extra write)', async () => {
      const saved = await write(null, anEntry(person(1), { answer: { severity: 'minor' } }));
      await write(null, anEntry(person(2), { answer: { severity: 'none' } }));
      await write(saved, anEntry(person(1), { time: 3, answer: { severity: 'none', comment: 'fine now' } }));
      expect(await indexRows()).toEqual([]);
      expect((await answerRow(saved.value))?.[INDEX_KEY_COLUMN]).toBeUndefined();
      // Each save was one transaction of the answer and its count shard, nothing more.
      expect(table.submits).toEqual([2, 2, 2]);
      // The partitions hold answers and count shards only.
      for (const who of [person(1), person(2)]) {
        const rows = await inner.query(feedbackPartitionKey(TENANT, ROLLOUT, bucketOf(who)));
        expect(rows.map((r) => r.rowKey.slice(0, 2)).filter((p) => p !== 'r|' && p !== 's|')).toEqual([]);
      }
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([]);
    });

    it('orders open first, then newest first (by last change), across buckets, and honours the limit', async () => {
      const people = Array.from({ length: 10 }, (_, i) => person(i + 1));
      expect(new Set(people.map(bucketOf)).size).toBeGreaterThan(2);
      const entries: FeedbackEntry[] = [];
      for (const [i, who] of people.entries()) {
        const time = (i * 7) % 10; // a shuffled order of times
        let entry = anEntry(who, { time, answer: { severity: i % 2 ? 'major' : 'blocker' } });
        const saved = await write(null, entry);
        if (i % 3 === 0) {
          entry = resolved(entry, 100 + i);
          await write(saved, entry);
        }
        entries.push(entry);
      }
      await write(null, anEntry(person(50), { answer: { severity: 'minor' } }));
      const want = [...entries]
        .sort(
          (a, b) =>
            Number(a.resolution !== null) - Number(b.resolution !== null) ||
            b.updatedAt.localeCompare(a.updatedAt),
        )
        .map(listed);
      expect(await repo.issues(TENANT, ROLLOUT, 50)).toEqual(want);
      expect(await repo.issues(TENANT, ROLLOUT, 3)).toEqual(want.slice(0, 3));
      expect(await repo.issues(TENANT, ROLLOUT, 7)).toEqual(want.slice(0, 7));
      expect(await repo.issues(TENANT, ROLLOUT, 0)).toEqual([]);
    });

    it('lists answers saved before the index (a one-time backfill), then only reads', async () => {
      const old = [
        anEntry(person(1), { time: 1 }),
        anEntry(person(2), { time: 2, stageId: WAVE, answer: { severity: 'major' } }),
        resolved(anEntry(person(3), { time: 3 }), 9),
        anEntry(person(4), { time: 4, answer: { severity: 'minor' } }),
        anEntry(person(5), { time: 5, answer: { severity: 'none' } }),
      ];
      for (const entry of old) await writeOld(entry);
      const fresh = anEntry(person(6), { time: 6 });
      await write(null, fresh);
      const want = [fresh, old[1], old[0], old[2]].map((e) => listed(e as FeedbackEntry));
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual(want);
      expect(table.backfillWrites).toBe(3);
      // Every bucket with answers says its index is complete (one without has no marker).
      const used = new Set([1, 2, 3, 4, 5, 6].map((n) => bucketOf(person(n))));
      expect(used.size).toBeGreaterThan(1);
      expect(used.size).toBeLessThan(FEEDBACK_BUCKETS);
      for (let b = 0; b < FEEDBACK_BUCKETS; b++) {
        const [marker] = await inner.query(feedbackPartitionKey(TENANT, ROLLOUT, b), {
          rowKeyPrefix: ISSUE_MARKER_ROW,
        });
        expect(markerOf(marker)).toEqual(used.has(b) ? { complete: true, after: null } : null);
      }
      expect(await indexRows()).toHaveLength(4);
      // The answers still read back as they were; a later edit moves the backfilled index row.
      expect((await stored(old[0] as FeedbackEntry)).value).toEqual(old[0]);
      const edited = anEntry(person(1), { time: 20, answer: { severity: 'minor' } });
      await write(await stored(old[0] as FeedbackEntry), edited);
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([want[0], want[1], want[3]]);
      expect(await indexRows()).toHaveLength(3);
      // Listed again: no backfill, no write at all.
      const writes = table.backfillWrites;
      let submits = 0;
      const counting = new (class extends DelegatingTable {
        override submit(actions: readonly TableAction[]): Promise<string[]> {
          submits += 1;
          return super.submit(actions);
        }
      })(inner);
      expect(await new TableFeedbackRepository(counting).issues(TENANT, ROLLOUT, 10)).toHaveLength(3);
      expect(submits).toBe(0);
      expect(table.backfillWrites).toBe(writes);
    });

    it('an edit racing the backfill wins: to minor, it stays gone', async () => {
      const old = anEntry(person(1), { time: 1 });
      await writeOld(old);
      const direct = new TableFeedbackRepository(inner);
      table.before = async () => {
        await write(
          await direct.get(TENANT, ROLLOUT, PILOT, keyOf(person(1))),
          anEntry(person(1), {
            time: 2,
            answer: { severity: 'minor' },
          }),
          direct,
        );
      };
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([]);
      expect(table.backfillWrites).toBe(1);
      expect(await indexRows()).toEqual([]);
      expect((await stored(old)).value.answer.severity).toBe('minor');
    });

    it('an edit racing the backfill wins: still a blocker, its own index row is the one listed', async () => {
      const old = anEntry(person(1), { time: 1 });
      await writeOld(old);
      const other = anEntry(person(2), { time: 0, answer: { severity: 'major' } });
      await writeOld(other);
      const racing = anEntry(person(1), { time: 2, answer: { comment: 'edited during the backfill' } });
      const direct = new TableFeedbackRepository(inner);
      table.before = async () => {
        await write(await direct.get(TENANT, ROLLOUT, PILOT, keyOf(person(1))), racing, direct);
        await write(await direct.get(TENANT, ROLLOUT, PILOT, keyOf(person(2))), resolved(other, 5), direct);
      };
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([listed(racing), listed(resolved(other, 5))]);
      expect(await indexRows()).toHaveLength(2);
      // And the index stays right after further edits of both.
      await write(await stored(racing), anEntry(person(1), { time: 3, answer: { severity: 'none' } }));
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([listed(resolved(other, 5))]);
      expect(await indexRows()).toHaveLength(1);
    });

    it('a backfill reads at most its budget and goes on from its marker on the next call', async () => {
      const who = Array.from({ length: 200 }, (_, i) => person(200 + i))
        .filter((p) => bucketOf(p) === 3)
        .slice(0, 5);
      expect(who).toHaveLength(5);
      for (const [i, p] of who.entries()) await writeOld(anEntry(p, { time: i }));
      const pk = feedbackPartitionKey(TENANT, ROLLOUT, 3);
      const marker = async (): Promise<ReturnType<typeof markerOf>> =>
        markerOf((await inner.query(pk, { rowKeyPrefix: ISSUE_MARKER_ROW }))[0]);
      expect(await backfillIssues(inner, pk, null, 3)).toBe(3);
      const partial = await marker();
      expect(partial).toEqual({ complete: false, after: expect.stringMatching(/^r\|/) });
      expect(await indexRows()).toHaveLength(3);
      expect(await backfillIssues(inner, pk, partial, 3)).toBe(2);
      expect(await marker()).toEqual({ complete: true, after: null });
      expect(await indexRows()).toHaveLength(5);
      expect((await repo.issues(TENANT, ROLLOUT, 10)).map((e) => e.person.id).sort()).toEqual(
        who.map((p) => p.id).sort(),
      );
    });

    it('an answer whose index row was removed by hand can still be edited', async () => {
      const saved = await write(null, anEntry(person(1)));
      const [row] = await indexRows();
      if (!row) throw new Error('no index row');
      await inner.submit([{ kind: 'delete', partitionKey: row.partitionKey, rowKey: row.rowKey }]);
      const edited = anEntry(person(1), { time: 9, answer: { severity: 'major' } });
      await write(saved, edited);
      expect(await repo.issues(TENANT, ROLLOUT, 10)).toEqual([listed(edited)]);
    });
  });
};
