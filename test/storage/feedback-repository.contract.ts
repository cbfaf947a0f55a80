import { ConcurrencyError, isConcurrencyError, TooLargeError } from '../../src/app/errors';
import { feedbackPersonKey } from '../../src/app/feedback-keys';
import type { FeedbackRepository, FeedbackNotice, Stored } from '../../src/app/ports';
import {
  contribution,
  sumTallies,
  tallyDelta,
  type FeedbackAnswer,
  type FeedbackEntry,
  type FeedbackTally,
} from '../../src/domain/feedback';
import type { Person } from '../../src/domain/roles';
import type { EntityTable } from '../../src/storage/entity-table';
import {
  COUNT_SHARDS,
  FEEDBACK_BUCKETS,
  RECENT_COMMENT_CHARS,
  TableFeedbackRepository,
  feedbackBucket,
  feedbackPartitionKey,
} from '../../src/storage/feedback-repository';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const ROLLOUT = 'ro-test';
const PILOT = 'pilot';
const WAVE = 'enterprise/w1';
const T0 = Date.parse('2026-02-10T17:30:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const person = (n: number): Person => ({
  id: `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `Person ${n}`,
});
const keyOf = (who: Person, rolloutId = ROLLOUT): string => feedbackPersonKey(rolloutId, who.id);
const bucketOf = (who: Person): number => feedbackBucket(keyOf(who)) ?? -1;

const anEntry = (
  who: Person,
  {
    stageId = PILOT,
    answer = {},
    time = 0,
    submitted = time,
    rolloutId = ROLLOUT,
  }: {
    stageId?: string;
    answer?: Partial<FeedbackAnswer>;
    time?: number;
    submitted?: number;
    rolloutId?: string;
  } = {},
): FeedbackEntry => ({
  rolloutId,
  stageId,
  person: who,
  answer: {
    rating: 4,
    installed: 'yes',
    category: 'other',
    severity: 'none',
    platform: 'windows',
    comment: '',
    shareName: true,
    ...answer,
  },
  submittedAt: at(submitted),
  updatedAt: at(time),
  resolution: null,
  activities: [`act-${time}`],
});

const aNotice = (entry: FeedbackEntry, id = 'n-1', tenantId = TENANT): FeedbackNotice => ({
  id,
  tenantId,
  kind: 'feedback-issue',
  rolloutId: entry.rolloutId,
  stageId: entry.stageId,
  personKey: keyOf(entry.person, entry.rolloutId),
  createdAt: entry.updatedAt,
});

/** The feedback repository's behaviour, the same on the in-memory table and on Azurite. */
export const describeFeedbackRepositoryContract = (
  label: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`feedback repository contract (${label})`, () => {
    let table: EntityTable;
    let repo: FeedbackRepository;
    beforeEach(async () => {
      table = await makeTable();
      repo = new TableFeedbackRepository(table);
    });

    /** Writes `after` over `before` (the stored answer, or null to create), moving the counts. */
    const write = (
      before: Stored<FeedbackEntry> | null,
      after: FeedbackEntry,
      {
        attempt = 0,
        notice = null,
        tenantId = TENANT,
      }: { attempt?: number; notice?: FeedbackNotice | null; tenantId?: string } = {},
    ): Promise<Stored<FeedbackEntry>> =>
      repo.save(tenantId, {
        entry: after,
        ifMatch: before?.etag ?? null,
        delta: tallyDelta(before?.value ?? null, after),
        attempt,
        notice,
      });

    const expected = (entries: FeedbackEntry[]): Map<string, FeedbackTally> => {
      const byStage = new Map<string, FeedbackEntry[]>();
      for (const e of entries) byStage.set(e.stageId, [...(byStage.get(e.stageId) ?? []), e]);
      return new Map([...byStage].map(([stageId, es]) => [stageId, sumTallies(es.map(contribution))]));
    };

    const sorted = (m: Map<string, FeedbackTally>): [string, FeedbackTally][] =>
      [...m].sort(([a], [b]) => a.localeCompare(b));

    describe('answers', () => {
      it('create then get round-trips the entry with its ETag', async () => {
        const entry = anEntry(person(1), {
          stageId: WAVE,
          answer: { comment: 'Works — mostly. ünïcødé 日本語 😀 "quoted" \\ back', severity: 'major' },
        });
        const saved = await write(null, entry);
        expect(saved.value).toEqual(entry);
        expect(saved.etag).toEqual(expect.any(String));
        const read = await repo.get(TENANT, ROLLOUT, WAVE, keyOf(person(1)));
        expect(read).toEqual({ value: entry, etag: saved.etag });
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toBeNull();
        expect(await repo.get(TENANT, ROLLOUT, WAVE, keyOf(person(2)))).toBeNull();
        expect(await repo.get('other-tenant', ROLLOUT, WAVE, keyOf(person(1)))).toBeNull();
        expect(await repo.get(TENANT, ROLLOUT, WAVE, 'not-a-person-key')).toBeNull();
      });

      it('an update with the current ETag replaces the entry and changes the ETag', async () => {
        const first = await write(null, anEntry(person(1)));
        const edited = anEntry(person(1), {
          time: 10,
          submitted: 0,
          answer: { rating: 2, comment: 'Slower' },
        });
        const second = await write(first, edited);
        expect(second.etag).not.toBe(first.etag);
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toEqual({
          value: edited,
          etag: second.etag,
        });
      });

      it('creating an existing answer fails with already-exists and changes nothing', async () => {
        const first = anEntry(person(1), { answer: { rating: 5, comment: 'first' } });
        const saved = await write(null, first);
        const err = await rejection(
          write(null, anEntry(person(1), { time: 5, answer: { rating: 1, comment: 'second' } }), {
            attempt: 1,
          }),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('already-exists');
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toEqual(saved);
        expect(sorted(await repo.tallies(TENANT, ROLLOUT))).toEqual(sorted(expected([first])));
        expect((await repo.recentComments(TENANT, ROLLOUT, 5)).map((c) => c.comment)).toEqual(['first']);
      });

      it('an update on a stale ETag fails with etag-mismatch and leaves the answer and the counts', async () => {
        const first = await write(null, anEntry(person(1)));
        const current = anEntry(person(1), { time: 10, submitted: 0, answer: { rating: 2 } });
        const second = await write(first, current);
        for (const attempt of [0, 1, 2, 3]) {
          const err = await rejection(
            write(
              first,
              anEntry(person(1), { time: 20, submitted: 0, answer: { rating: 5, comment: 'lost' } }),
              {
                attempt,
              },
            ),
          );
          expect(err).toBeInstanceOf(ConcurrencyError);
          expect((err as ConcurrencyError).reason).toBe('etag-mismatch');
        }
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toEqual(second);
        expect(sorted(await repo.tallies(TENANT, ROLLOUT))).toEqual(sorted(expected([current])));
        expect(await repo.recentComments(TENANT, ROLLOUT, 5)).toEqual([]);
      });

      it('refuses an entry over the property limit with TooLargeError and writes nothing', async () => {
        const huge = anEntry(person(1), { answer: { comment: 'x'.repeat(40_000) } });
        expect(await rejection(write(null, huge))).toBeInstanceOf(TooLargeError);
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toBeNull();
        expect(await repo.tallies(TENANT, ROLLOUT)).toEqual(new Map());
      });

      it('keeps tenants and rollouts with characters that keys forbid apart', async () => {
        const odd = 'tenant/with\\odd#chars?';
        const entry = anEntry(person(1), { rolloutId: "ro/'1'#", stageId: 'enterprise/w#1?' });
        await write(null, entry, { tenantId: odd });
        expect(
          (await repo.get(odd, "ro/'1'#", 'enterprise/w#1?', keyOf(person(1), "ro/'1'#")))?.value,
        ).toEqual(entry);
        expect(await repo.get(TENANT, "ro/'1'#", 'enterprise/w#1?', keyOf(person(1), "ro/'1'#"))).toBeNull();
        expect([...(await repo.tallies(odd, "ro/'1'#")).keys()]).toEqual(['enterprise/w#1?']);
        expect(await repo.entries(odd, "ro/'1'#", 10)).toEqual([entry]);
        expect(await repo.tallies(odd, ROLLOUT)).toEqual(new Map());
      });
    });

    describe('counts', () => {
      it('a rollout without feedback has no counts', async () => {
        expect(await repo.tallies(TENANT, ROLLOUT)).toEqual(new Map());
        await write(null, anEntry(person(1)), { tenantId: 'another-tenant' });
        await write(null, anEntry(person(1), { rolloutId: 'ro-other' }));
        expect(await repo.tallies(TENANT, ROLLOUT)).toEqual(new Map());
      });

      it('sums the shards of every bucket and sub-shard exactly, an edit moving the counts', async () => {
        const people = Array.from({ length: 12 }, (_, i) => person(i + 1));
        expect(new Set(people.map(bucketOf)).size).toBeGreaterThan(2);
        const current = new Map<string, Stored<FeedbackEntry>>();
        let n = 0;
        for (const [i, who] of people.entries()) {
          for (const stageId of i % 3 === 0 ? [PILOT] : [PILOT, WAVE]) {
            const entry = anEntry(who, {
              stageId,
              time: n,
              answer: {
                rating: ((i % 5) + 1) as FeedbackAnswer['rating'],
                installed: i % 4 === 0 ? 'partly' : 'yes',
                severity: i % 6 === 0 ? 'blocker' : 'none',
                platform: i % 2 === 0 ? 'macos' : 'windows',
              },
            });
            current.set(`${stageId}|${who.id}`, await write(null, entry, { attempt: n++ }));
          }
        }
        // Person 1 edits the pilot answer: the counts move from one rating, platform, … to another.
        const key = `${PILOT}|${person(1).id}`;
        const before = current.get(key) ?? null;
        const edited = anEntry(person(1), {
          time: 100,
          submitted: 0,
          answer: { rating: 1, installed: 'no', severity: 'major', platform: 'ios', category: 'install' },
        });
        current.set(key, await write(before, edited, { attempt: 3 }));

        const tallies = await repo.tallies(TENANT, ROLLOUT);
        const want = expected([...current.values()].map((s) => s.value));
        expect(sorted(tallies)).toEqual(sorted(want));
        expect(tallies.get(PILOT)?.responses).toBe(12);
        expect(tallies.get(WAVE)?.responses).toBe(8);
        expect(tallies.get(PILOT)?.openMajors).toBe(1);

        // The counts really are spread: several buckets, several sub-shards, no answer read.
        const shardRows = (
          await Promise.all(
            Array.from({ length: FEEDBACK_BUCKETS }, (_, b) =>
              table.query(feedbackPartitionKey(TENANT, ROLLOUT, b), { rowKeyPrefix: 's|' }),
            ),
          )
        ).flat();
        expect(new Set(shardRows.map((r) => r.partitionKey)).size).toBeGreaterThan(2);
        expect(new Set(shardRows.map((r) => r.rowKey.slice(-1))).size).toBe(COUNT_SHARDS);
      });

      it('a delta is applied as given, even one that changes no count', async () => {
        const first = await write(null, anEntry(person(1), { answer: { comment: 'a' } }));
        // An edit of the comment only: an all-zero delta; the counts stay, the comment changes.
        await write(first, anEntry(person(1), { time: 5, answer: { comment: 'b' } }), { attempt: 1 });
        expect(sorted(await repo.tallies(TENANT, ROLLOUT))).toEqual(sorted(expected([anEntry(person(1))])));
        expect((await repo.recentComments(TENANT, ROLLOUT, 5)).map((c) => c.comment)).toEqual(['b']);
      });

      it('concurrent writers retrying on conflicts add up exactly', async () => {
        const sameBucket = Array.from({ length: 64 }, (_, i) => person(100 + i))
          .filter((who) => bucketOf(who) === bucketOf(person(100)))
          .slice(0, 6);
        expect(sameBucket.length).toBeGreaterThan(2);
        const submit = async (who: Person): Promise<void> => {
          for (let attempt = 0; attempt < 16; attempt++) {
            const stored = await repo.get(TENANT, ROLLOUT, PILOT, keyOf(who));
            try {
              await write(stored, anEntry(who, { time: attempt, answer: { comment: `by ${who.name}` } }), {
                attempt,
              });
              return;
            } catch (err) {
              if (!isConcurrencyError(err)) throw err;
            }
          }
          throw new Error('gave up');
        };
        await Promise.all(sameBucket.map(submit));
        expect((await repo.tallies(TENANT, ROLLOUT)).get(PILOT)?.responses).toBe(sameBucket.length);
        expect((await repo.recentComments(TENANT, ROLLOUT, 50)).map((c) => c.comment).sort()).toEqual(
          sameBucket.map((who) => `by ${who.name}`).sort(),
        );
      });
    });

    describe('recent comments', () => {
      it('names only people who shared their name, newest first, up to the limit', async () => {
        await write(null, anEntry(person(1), { time: 1, answer: { comment: 'one', rating: 5 } }));
        await write(
          null,
          anEntry(person(2), { time: 3, answer: { comment: 'three', shareName: false, rating: 2 } }),
        );
        await write(null, anEntry(person(3), { time: 2, stageId: WAVE, answer: { comment: 'two' } }));
        await write(null, anEntry(person(4), { time: 4, answer: { comment: '' } }));
        expect(await repo.recentComments(TENANT, ROLLOUT, 10)).toEqual([
          { stageId: PILOT, name: null, rating: 2, comment: 'three', at: at(3) },
          { stageId: WAVE, name: 'Person 3', rating: 4, comment: 'two', at: at(2) },
          { stageId: PILOT, name: 'Person 1', rating: 5, comment: 'one', at: at(1) },
        ]);
        expect((await repo.recentComments(TENANT, ROLLOUT, 2)).map((c) => c.comment)).toEqual([
          'three',
          'two',
        ]);
        expect(await repo.recentComments(TENANT, ROLLOUT, 0)).toEqual([]);
      });

      it('keeps the newest few over many answers, and the first 500 characters of a comment', async () => {
        for (let i = 1; i <= 20; i++) {
          await write(null, anEntry(person(i), { time: i, answer: { comment: `c${i}` } }));
        }
        expect((await repo.recentComments(TENANT, ROLLOUT, 5)).map((c) => c.comment)).toEqual([
          'c20',
          'c19',
          'c18',
          'c17',
          'c16',
        ]);
        await write(null, anEntry(person(21), { time: 30, answer: { comment: 'y'.repeat(2000) } }));
        const [latest] = await repo.recentComments(TENANT, ROLLOUT, 1);
        expect(latest?.comment).toBe('y'.repeat(RECENT_COMMENT_CHARS));
      });

      it('an edit replaces the person’s comment, also when the retry wrote another shard', async () => {
        const first = await write(null, anEntry(person(1), { time: 1, answer: { comment: 'before' } }));
        await write(null, anEntry(person(2), { time: 2, answer: { comment: 'other' } }));
        const second = await write(first, anEntry(person(1), { time: 3, answer: { comment: 'after' } }));
        expect((await repo.recentComments(TENANT, ROLLOUT, 5)).map((c) => c.comment)).toEqual([
          'after',
          'other',
        ]);
        await write(second, anEntry(person(1), { time: 4, answer: { comment: 'moved', shareName: false } }), {
          attempt: 2,
        });
        expect(await repo.recentComments(TENANT, ROLLOUT, 5)).toEqual([
          { stageId: PILOT, name: null, rating: 4, comment: 'moved', at: at(4) },
          { stageId: PILOT, name: 'Person 2', rating: 4, comment: 'other', at: at(2) },
        ]);
      });

      it('a comment emptied disappears, whichever shard held it', async () => {
        const a1 = await write(null, anEntry(person(1), { time: 1, answer: { comment: 'same shard' } }));
        const b1 = await write(null, anEntry(person(2), { time: 2, answer: { comment: 'other shard' } }));
        await write(null, anEntry(person(3), { time: 3, answer: { comment: 'stays' } }));
        await write(a1, anEntry(person(1), { time: 4, answer: { comment: '' } }));
        await write(b1, anEntry(person(2), { time: 5, answer: { comment: '' } }), { attempt: 1 });
        expect((await repo.recentComments(TENANT, ROLLOUT, 5)).map((c) => c.comment)).toEqual(['stays']);
      });

      it('keeps a person’s comments on different stages apart', async () => {
        await write(null, anEntry(person(1), { time: 1, answer: { comment: 'pilot' } }));
        await write(null, anEntry(person(1), { time: 2, stageId: WAVE, answer: { comment: 'wave' } }));
        expect((await repo.recentComments(TENANT, ROLLOUT, 5)).map((c) => [c.stageId, c.comment])).toEqual([
          [WAVE, 'wave'],
          [PILOT, 'pilot'],
        ]);
      });
    });

    describe('entries', () => {
      it('lists every answer across buckets, by stage then submission time, up to the limit', async () => {
        const people = Array.from({ length: 10 }, (_, i) => person(i + 1));
        expect(new Set(people.map(bucketOf)).size).toBeGreaterThan(2);
        const written: FeedbackEntry[] = [];
        for (const [i, who] of people.entries()) {
          const entry = anEntry(who, { stageId: i % 2 ? WAVE : PILOT, time: 100 - i });
          await write(null, entry);
          written.push(entry);
        }
        await write(null, anEntry(person(1), { rolloutId: 'ro-other' }));
        const all = await repo.entries(TENANT, ROLLOUT, 100);
        expect(all).toHaveLength(10);
        expect(all).toEqual(
          [...written].sort(
            (a, b) => a.stageId.localeCompare(b.stageId) || a.submittedAt.localeCompare(b.submittedAt),
          ),
        );
        expect(all.map((e) => e.stageId)).toEqual([...Array(5).fill(WAVE), ...Array(5).fill(PILOT)].sort());
        expect(await repo.entries(TENANT, ROLLOUT, 4)).toHaveLength(4);
        expect(await repo.entries(TENANT, ROLLOUT, 0)).toEqual([]);
        expect(await repo.entries(TENANT, 'ro-none', 10)).toEqual([]);
      });
    });

    describe('notices (the outbox)', () => {
      it('a notice written with the answer is pending until cleared; clearing twice is fine', async () => {
        const entry = anEntry(person(1), { answer: { severity: 'blocker' } });
        const notice = aNotice(entry);
        await write(null, entry, { notice });
        expect(await repo.pendingNotices(10)).toEqual([notice]);
        await repo.clearNotice(notice);
        expect(await repo.pendingNotices(10)).toEqual([]);
        await expect(repo.clearNotice(notice)).resolves.toBeUndefined();
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toEqual(
          expect.objectContaining({ value: entry }),
        );
      });

      it('finds notices of every tenant and rollout, up to the limit', async () => {
        const e1 = anEntry(person(1), { answer: { severity: 'blocker' } });
        const e2 = anEntry(person(2), { rolloutId: 'ro-2', answer: { severity: 'major' } });
        const e3 = anEntry(person(3), { answer: { severity: 'major' } });
        await write(null, e1, { notice: aNotice(e1, 'n-1') });
        await write(null, e2, { notice: aNotice(e2, 'n-2', 'tenant-2'), tenantId: 'tenant-2' });
        await write(null, e3, { notice: aNotice(e3, 'n/3?') });
        expect((await repo.pendingNotices(10)).map((n) => n.id).sort()).toEqual(['n-1', 'n-2', 'n/3?']);
        expect(await repo.pendingNotices(2)).toHaveLength(2);
        expect(await repo.pendingNotices(0)).toEqual([]);
        await repo.clearNotice(aNotice(e2, 'n-2', 'tenant-2'));
        await repo.clearNotice(aNotice(e3, 'n/3?'));
        expect(await repo.pendingNotices(10)).toEqual([aNotice(e1, 'n-1')]);
      });

      it('a save with a notice that fails writes no notice', async () => {
        const first = await write(null, anEntry(person(1)));
        await write(first, anEntry(person(1), { time: 1, answer: { rating: 3 } }));
        const lost = anEntry(person(1), { time: 2, answer: { severity: 'blocker' } });
        const err = await rejection(write(first, lost, { notice: aNotice(lost) }));
        expect(err).toBeInstanceOf(ConcurrencyError);
        const dup = anEntry(person(1), { time: 3, answer: { severity: 'blocker' } });
        expect(await rejection(write(null, dup, { notice: aNotice(dup, 'n-2') }))).toBeInstanceOf(
          ConcurrencyError,
        );
        expect(await repo.pendingNotices(10)).toEqual([]);
      });

      it('refuses a notice about another answer', async () => {
        const entry = anEntry(person(1), { answer: { severity: 'blocker' } });
        const other = aNotice(anEntry(person(2)));
        await expect(write(null, entry, { notice: other })).rejects.toThrow(/not about the answer/);
        expect(await repo.get(TENANT, ROLLOUT, PILOT, keyOf(person(1)))).toBeNull();
      });
    });
  });
};
