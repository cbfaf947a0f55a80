import { ConcurrencyError, TooLargeError } from '../../src/app/errors';
import type { Recipient } from '../../src/app/ports';
import {
  claimDelivery,
  countDeliveries,
  emptyCounts,
  newDelivery,
  nextDelivery,
  PART_SIZE,
  type Announcement,
  type AnnouncementState,
} from '../../src/domain/announcement';
import {
  ANNOUNCEMENT_RETENTION_DAYS,
  TableAnnouncementRepository,
} from '../../src/storage/announcement-repository';
import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import { MAX_STRING_PROPERTY_CHARS, type EntityTable } from '../../src/storage/entity-table';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const OTHER_TENANT = '72f988bf-0000-4000-8000-000000000002';
const ROLLOUT = 'ro-test';
const T0 = Date.parse('2026-02-10T17:30:00.000Z');
const DAY = 24 * 60 * 60_000;

const personId = (n: number): string => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`;
const recipients = (from: number, count: number): Recipient[] =>
  Array.from({ length: count }, (_, i) => ({ personId: personId(from + i), name: `Person ${from + i}` }));

const anAnnouncement = (id: string, overrides: Partial<Announcement> = {}): Announcement => ({
  id,
  tenantId: TENANT,
  rolloutId: ROLLOUT,
  stageId: 'pilot',
  text: {
    rolloutName: 'Outlook (new)',
    stageId: 'pilot',
    stageLabel: 'Pilot',
    timeFrame: { start: '2026-03-01', end: '2026-03-14' },
    timeZone: 'Europe/Berlin',
    enrollment: null,
    whatIsDeployed: 'The new Outlook',
    howAndWhen: 'Over the weekend',
    businessPurpose: 'One client',
    selfHelpUrl: 'https://example.org/help',
    helpDeskContact: 'help@example.org',
    takesFeedback: true,
  },
  by: { id: 'admin-1', name: 'Ada Admin' },
  createdAt: new Date(T0).toISOString(),
  scheduledAt: null,
  state: 'expanding',
  audience: 'snapshot',
  recipients: 0,
  parts: 0,
  coordination: null,
  helpdesk: null,
  countsUpdatedAt: null,
  completedAt: null,
  cancelledBy: null,
  ...overrides,
});

const at = (ms: number): string => new Date(T0 + ms).toISOString();

/** Records what each call passed on was (`read` is a point read), to prove a path's cost. */
class CallRecording extends DelegatingTable {
  calls: string[] = [];
  protected override run<T>(call: TableCall, run: (table: EntityTable) => Promise<T>): Promise<T> {
    this.calls.push(call.what);
    return super.run(call, run);
  }
  /** The calls made by `work`. */
  async during(work: () => Promise<unknown>): Promise<string[]> {
    this.calls = [];
    await work();
    return this.calls;
  }
}

/** The announcement store's behaviour, the same on the in-memory table and on Azurite. */
export const describeAnnouncementRepositoryContract = (
  label: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`announcement repository contract (${label})`, () => {
    let table: CallRecording;
    let repo: TableAnnouncementRepository;
    beforeEach(async () => {
      table = new CallRecording(await makeTable());
      repo = new TableAnnouncementRepository(table);
    });

    /** Every row of the announcement's own partitions, for "nothing is left" checks. */
    const rowsOf = async (a: Announcement, parts: number): Promise<number> => {
      const partitions = [
        `h|${a.tenantId}|${a.id}`,
        ...Array.from({ length: parts }, (_, p) => `d|${a.tenantId}|${a.id}|${String(p).padStart(4, '0')}`),
      ];
      const counts = await Promise.all(partitions.map((pk) => table.query(pk)));
      return counts.reduce((sum, rows) => sum + rows.length, 0);
    };

    describe('announcements', () => {
      it('creates one and reads it back by id, with the ETag the create returned', async () => {
        const a = anAnnouncement('an-1');
        const created = await repo.create(a);
        expect(created.value).toEqual(a);
        const read = await repo.get(TENANT, 'an-1');
        expect(read).toEqual({ value: a, etag: created.etag });
        expect(await repo.get(TENANT, 'an-2')).toBeNull();
        expect(await repo.get(OTHER_TENANT, 'an-1')).toBeNull();
      });

      it('refuses a second create with the same id and keeps the first', async () => {
        const first = anAnnouncement('an-1');
        await repo.create(first);
        const err = await rejection(
          repo.create(anAnnouncement('an-1', { stageId: 'other', createdAt: at(1000) })),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('already-exists');
        expect((await repo.get(TENANT, 'an-1'))?.value).toEqual(first);
        expect(await repo.ofRollout(TENANT, ROLLOUT, 10)).toEqual([first]);
      });

      it('updates under the ETag it was read with, and refuses a stale one', async () => {
        const created = await repo.create(anAnnouncement('an-1'));
        const sending = { ...created.value, state: 'sending' as const, recipients: 120, parts: 3 };
        const updated = await repo.update(sending, created.etag);
        expect(updated.etag).not.toBe(created.etag);
        expect(await repo.get(TENANT, 'an-1')).toEqual({ value: sending, etag: updated.etag });

        const err = await rejection(repo.update({ ...sending, state: 'cancelled' }, created.etag));
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('etag-mismatch');
        expect((await repo.get(TENANT, 'an-1'))?.value.state).toBe('sending');
      });

      it('refuses an update of one never created', async () => {
        const err = await rejection(repo.update(anAnnouncement('an-9'), 'W/"datetime\'1\'"'));
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect(await repo.get(TENANT, 'an-9')).toBeNull();
      });

      it('refuses an announcement too large for its row, writing nothing', async () => {
        const huge = anAnnouncement('an-big');
        huge.text.howAndWhen = 'x'.repeat(MAX_STRING_PROPERTY_CHARS);
        expect(await rejection(repo.create(huge))).toBeInstanceOf(TooLargeError);
        expect(await repo.get(TENANT, 'an-big')).toBeNull();
        expect(await repo.ofRollout(TENANT, ROLLOUT, 10)).toEqual([]);
      });

      it("lists a rollout's announcements newest first, at most `limit`, and no other rollout's", async () => {
        for (const [id, ms] of [
          ['an-b', 2 * DAY],
          ['an-a', 0],
          ['an-c', 5 * DAY],
          ['an-d', DAY],
        ] as const) {
          await repo.create(anAnnouncement(id, { createdAt: at(ms) }));
        }
        await repo.create(anAnnouncement('an-x', { rolloutId: 'ro-other', createdAt: at(3 * DAY) }));
        await repo.create(anAnnouncement('an-y', { tenantId: OTHER_TENANT, createdAt: at(4 * DAY) }));

        const ids = async (limit: number, tenant = TENANT, rollout = ROLLOUT) =>
          (await repo.ofRollout(tenant, rollout, limit)).map((a) => a.id);
        expect(await ids(10)).toEqual(['an-c', 'an-b', 'an-d', 'an-a']);
        expect(await ids(2)).toEqual(['an-c', 'an-b']);
        expect(await ids(10, TENANT, 'ro-other')).toEqual(['an-x']);
        expect(await ids(10, OTHER_TENANT)).toEqual(['an-y']);
        // Lists what is stored now, not what was created.
        const c = await repo.get(TENANT, 'an-c');
        await repo.update({ ...c!.value, state: 'done' }, c!.etag);
        expect((await repo.ofRollout(TENANT, ROLLOUT, 1))[0]?.state).toBe('done');
      });

      it('lists more announcements than it reads at once, still newest first', async () => {
        for (let i = 0; i < 40; i++)
          await repo.create(anAnnouncement(`an-${i}`, { createdAt: at(i * 1000) }));
        const ids = (await repo.ofRollout(TENANT, ROLLOUT, 35)).map((a) => a.id);
        expect(ids).toEqual(Array.from({ length: 35 }, (_, i) => `an-${39 - i}`));
        expect(await repo.unfinished(100)).toHaveLength(40);
      });

      it('finds the scheduled, expanding and sending of every tenant, and no finished one', async () => {
        const states: [string, string, AnnouncementState][] = [
          ['an-1', TENANT, 'scheduled'],
          ['an-2', TENANT, 'expanding'],
          ['an-3', OTHER_TENANT, 'sending'],
          ['an-4', TENANT, 'done'],
          ['an-5', OTHER_TENANT, 'cancelled'],
          ['an-6', TENANT, 'skipped'],
        ];
        for (const [id, tenantId, state] of states)
          await repo.create(anAnnouncement(id, { tenantId, state }));
        const ids = async (limit = 100) => (await repo.unfinished(limit)).map((a) => a.id).sort();
        expect(await ids()).toEqual(['an-1', 'an-2', 'an-3']);
        expect(await repo.unfinished(2)).toHaveLength(2);

        // Finishing takes it off; going back to sending (announce retry) puts it on again.
        const two = await repo.get(TENANT, 'an-2');
        const done = await repo.update({ ...two!.value, state: 'done' }, two!.etag);
        expect(await ids()).toEqual(['an-1', 'an-3']);
        // Its marker row is gone with it (the scan returns only the unfinished).
        expect((await table.query(`h|${TENANT}|an-2`)).map((r) => r.rowKey)).toEqual(['head']);
        const again = await repo.update({ ...done.value, state: 'sending' }, done.etag);
        expect(await ids()).toEqual(['an-1', 'an-2', 'an-3']);
        // Two finished updates in a row (a post's counts after done) need no marker to delete.
        const cancelled = await repo.update({ ...again.value, state: 'cancelled' }, again.etag);
        await repo.update({ ...cancelled.value, countsUpdatedAt: at(5000) }, cancelled.etag);
        expect(await ids()).toEqual(['an-1', 'an-3']);
        expect((await repo.get(TENANT, 'an-2'))?.value.countsUpdatedAt).toBe(at(5000));
      });

      it('a stale update neither finishes nor re-opens it', async () => {
        const created = await repo.create(anAnnouncement('an-1', { state: 'sending' }));
        await repo.update({ ...created.value, recipients: 3 }, created.etag);
        expect(
          await rejection(repo.update({ ...created.value, state: 'done' }, created.etag)),
        ).toBeInstanceOf(ConcurrencyError);
        expect((await repo.unfinished(10)).map((a) => a.id)).toEqual(['an-1']);
      });
    });

    it('reads and updates an announcement with point operations (the fan-out does it on every message)', async () => {
      const created = await repo.create(anAnnouncement('an-1', { state: 'sending' }));
      expect(await table.during(() => repo.get(TENANT, 'an-1'))).toEqual(['read']);
      let etag = created.etag;
      const sending = await table.during(async () => {
        etag = (await repo.update({ ...created.value, recipients: 5 }, etag)).etag;
      });
      expect(sending).toEqual(['write']);
      // Finishing reads the marker it deletes in the head's transaction.
      const done = await table.during(() => repo.update({ ...created.value, state: 'done' }, etag));
      expect(done).toEqual(['read', 'write']);
    });

    describe('delivery partitions', () => {
      beforeEach(async () => {
        await repo.create(anAnnouncement('an-1', { state: 'expanding' }));
      });

      it('writes a partition once: a second write is false and changes nothing', async () => {
        expect(await repo.writePart(TENANT, 'an-1', 0, recipients(0, PART_SIZE))).toBe(true);
        const first = await repo.readPart(TENANT, 'an-1', 0);
        expect(await repo.writePart(TENANT, 'an-1', 0, recipients(100, 3))).toBe(false);
        expect(await repo.readPart(TENANT, 'an-1', 0)).toEqual(first);
      });

      it('reads every delivery of a partition, pending, with its ETag, and the counts row', async () => {
        await repo.writePart(TENANT, 'an-1', 7, recipients(0, PART_SIZE));
        const part = await repo.readPart(TENANT, 'an-1', 7);
        expect(part.deliveries).toHaveLength(PART_SIZE);
        expect(part.deliveries.map((d) => d.value.personId).sort()).toEqual(
          recipients(0, PART_SIZE)
            .map((r) => r.personId)
            .sort(),
        );
        for (const d of part.deliveries) {
          expect(d.etag).toBeTruthy();
          expect(d.value).toMatchObject({
            status: 'pending',
            attempts: 0,
            claim: null,
            possibleDuplicate: false,
          });
        }
        expect(part.deliveries.find((d) => d.value.personId === personId(3))?.value.name).toBe('Person 3');
        expect(part.counts?.value).toEqual({ ...emptyCounts(), recipients: PART_SIZE, pending: PART_SIZE });
        expect(part.counts?.etag).toBeTruthy();
        expect(await repo.readPart(TENANT, 'an-1', 8)).toEqual({ deliveries: [], counts: null });
      });

      it('lower-cases and de-duplicates the recipients, and refuses more than PART_SIZE', async () => {
        const people = [
          { personId: personId(1).toUpperCase(), name: 'One' },
          { personId: personId(1), name: 'One again' },
          { personId: personId(2), name: 'Two' },
        ];
        expect(await repo.writePart(TENANT, 'an-1', 0, people)).toBe(true);
        const part = await repo.readPart(TENANT, 'an-1', 0);
        expect(part.deliveries.map((d) => d.value.personId).sort()).toEqual([personId(1), personId(2)]);
        expect(part.counts?.value.recipients).toBe(2);

        expect(
          await rejection(repo.writePart(TENANT, 'an-1', 1, recipients(0, PART_SIZE + 1))),
        ).toBeInstanceOf(RangeError);
        expect(await repo.readPart(TENANT, 'an-1', 1)).toEqual({ deliveries: [], counts: null });
        expect(await rejection(repo.writePart(TENANT, 'an-1', 10_000, recipients(0, 1)))).toBeInstanceOf(
          RangeError,
        );
      });

      it('commits changed deliveries with the counts, each under its ETag', async () => {
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, 10));
        const part = await repo.readPart(TENANT, 'an-1', 0);
        const now = new Date(T0);
        const changed = part.deliveries.slice(0, 3).map((d) => ({
          value: nextDelivery(
            claimDelivery(d.value, 'sender-1', new Date(T0 + 60_000)),
            { kind: 'sent' },
            now,
          ),
          etag: d.etag,
        }));
        const after = part.deliveries.map(
          (d) => changed.find((c) => c.value.personId === d.value.personId) ?? d,
        );
        const counts = countDeliveries(after.map((d) => d.value));
        await repo.commitPart(TENANT, 'an-1', 0, changed, { value: counts, etag: part.counts!.etag });

        const read = await repo.readPart(TENANT, 'an-1', 0);
        expect(read.counts?.value).toEqual({ ...emptyCounts(), recipients: 10, pending: 7, sent: 3 });
        const sent = read.deliveries.filter((d) => d.value.status === 'sent').map((d) => d.value);
        expect(sent.sort((a, b) => (a.personId < b.personId ? -1 : 1))).toEqual(
          changed.map((c) => c.value).sort((a, b) => (a.personId < b.personId ? -1 : 1)),
        );
        expect(sent[0]).toMatchObject({
          attempts: 1,
          lastStatus: 'sent',
          claim: null,
          at: now.toISOString(),
        });
      });

      it('keeps a claim and a back-off as written', async () => {
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, 2));
        const part = await repo.readPart(TENANT, 'an-1', 0);
        const [d] = part.deliveries;
        const claimed = claimDelivery(d!.value, 'sender-2', new Date(T0 + 30_000));
        const retried = { ...claimed, retryAt: at(2000), lastStatus: '429', possibleDuplicate: true };
        await repo.commitPart(TENANT, 'an-1', 0, [{ value: retried, etag: d!.etag }], part.counts!);
        const read = await repo.readPart(TENANT, 'an-1', 0);
        expect(read.deliveries.find((x) => x.value.personId === retried.personId)?.value).toEqual(retried);
      });

      it('changes nothing when one delivery ETag is stale', async () => {
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, PART_SIZE));
        const part = await repo.readPart(TENANT, 'an-1', 0);
        const [first, second] = part.deliveries;
        // Another sender claims the second one first.
        await repo.commitPart(
          TENANT,
          'an-1',
          0,
          [{ value: claimDelivery(second!.value, 'other', new Date(T0 + 60_000)), etag: second!.etag }],
          part.counts!,
        );
        const before = await repo.readPart(TENANT, 'an-1', 0);
        const err = await rejection(
          repo.commitPart(
            TENANT,
            'an-1',
            0,
            [
              { value: { ...first!.value, status: 'sent' }, etag: first!.etag },
              { value: { ...second!.value, status: 'sent' }, etag: second!.etag },
            ],
            { value: { ...part.counts!.value, pending: PART_SIZE - 2, sent: 2 }, etag: before.counts!.etag },
          ),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect(await repo.readPart(TENANT, 'an-1', 0)).toEqual(before);
      });

      it('changes nothing when the counts ETag is stale', async () => {
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, 5));
        const part = await repo.readPart(TENANT, 'an-1', 0);
        await repo.commitPart(TENANT, 'an-1', 0, [], part.counts!);
        const before = await repo.readPart(TENANT, 'an-1', 0);
        const [d] = part.deliveries;
        const err = await rejection(
          repo.commitPart(
            TENANT,
            'an-1',
            0,
            [{ value: { ...d!.value, status: 'sent' }, etag: d!.etag }],
            part.counts!,
          ),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect(await repo.readPart(TENANT, 'an-1', 0)).toEqual(before);
      });

      it('refuses a commit of more deliveries than a transaction holds', async () => {
        const many = Array.from({ length: 100 }, (_, i) => ({
          value: claimDelivery(newDelivery(personId(i), ''), 'x', new Date(T0)),
          etag: '*',
        }));
        const err = await rejection(
          repo.commitPart(TENANT, 'an-1', 0, many, { value: emptyCounts(), etag: '*' }),
        );
        expect(err).toBeInstanceOf(RangeError);
        expect((err as Error).message).toMatch(/at most 99/);
      });

      it('writes, reads and commits a partition in one call each, and counts in one query', async () => {
        expect(await table.during(() => repo.writePart(TENANT, 'an-1', 0, recipients(0, PART_SIZE)))).toEqual(
          ['write'],
        );
        let part = await repo.readPart(TENANT, 'an-1', 0);
        expect(await table.during(async () => (part = await repo.readPart(TENANT, 'an-1', 0)))).toEqual([
          'query',
        ]);
        const changes = part.deliveries.map((d) => ({
          value: { ...d.value, status: 'sent' as const },
          etag: d.etag,
        }));
        const counts = { value: countDeliveries(changes.map((c) => c.value)), etag: part.counts!.etag };
        expect(await table.during(() => repo.commitPart(TENANT, 'an-1', 0, changes, counts))).toEqual([
          'write',
        ]);
        expect(await table.during(() => repo.counts(TENANT, 'an-1'))).toEqual(['query']);
        expect((await repo.counts(TENANT, 'an-1')).counts.sent).toBe(PART_SIZE);
      });

      it('sums the counts rows of every partition and names those with pending deliveries', async () => {
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, PART_SIZE));
        await repo.writePart(TENANT, 'an-1', 1, recipients(100, PART_SIZE));
        await repo.writePart(TENANT, 'an-1', 2, recipients(200, 7));
        // Partition 1: everyone sent, two got it.
        const one = await repo.readPart(TENANT, 'an-1', 1);
        const sent = one.deliveries.map((d, i) => ({
          value: { ...d.value, status: 'sent' as const, gotItAt: i < 2 ? at(1) : null },
          etag: d.etag,
        }));
        await repo.commitPart(TENANT, 'an-1', 1, sent, {
          value: countDeliveries(sent.map((d) => d.value)),
          etag: one.counts!.etag,
        });
        // Another announcement's partitions are not counted (ids that share a prefix).
        await repo.create(anAnnouncement('an-10'));
        await repo.writePart(TENANT, 'an-10', 0, recipients(0, 3));

        const { counts, pendingParts } = await repo.counts(TENANT, 'an-1');
        expect(counts).toEqual({
          ...emptyCounts(),
          recipients: 2 * PART_SIZE + 7,
          pending: PART_SIZE + 7,
          sent: PART_SIZE,
          gotIt: 2,
        });
        expect(pendingParts).toEqual([0, 2]);
        expect(await repo.counts(TENANT, 'an-none')).toEqual({ counts: emptyCounts(), pendingParts: [] });
      });

      it('lists who was not reached, at most `limit`, with how many there are', async () => {
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, 4));
        await repo.writePart(TENANT, 'an-1', 1, recipients(100, 4));
        await repo.writePart(TENANT, 'an-1', 2, recipients(200, 4));
        const setStatus = async (part: number, statuses: ('sent' | 'failed' | 'blocked')[]) => {
          const stored = await repo.readPart(TENANT, 'an-1', part);
          const changes = stored.deliveries
            .slice(0, statuses.length)
            .map((d, i) => ({ value: { ...d.value, status: statuses[i]! }, etag: d.etag }));
          const all = stored.deliveries.map(
            (d) => changes.find((c) => c.value.personId === d.value.personId) ?? d,
          );
          await repo.commitPart(TENANT, 'an-1', part, changes, {
            value: countDeliveries(all.map((d) => d.value)),
            etag: stored.counts!.etag,
          });
        };
        await setStatus(0, ['sent', 'sent', 'sent', 'sent']);
        await setStatus(1, ['sent', 'failed', 'blocked', 'sent']);
        await setStatus(2, ['sent', 'sent']);

        const all = await repo.notReached(TENANT, 'an-1', 100);
        expect(all.total).toBe(4);
        expect(all.deliveries).toHaveLength(4);
        expect(all.deliveries.every((d) => d.status !== 'sent')).toBe(true);
        expect(all.deliveries.map((d) => d.status).sort()).toEqual([
          'blocked',
          'failed',
          'pending',
          'pending',
        ]);

        const some = await repo.notReached(TENANT, 'an-1', 3);
        expect(some.total).toBe(4);
        expect(some.deliveries).toHaveLength(3);
        expect((await repo.notReached(TENANT, 'an-1', 0)).deliveries).toEqual([]);
      });
    });

    describe('senders', () => {
      it('counts the live senders, itself included, and forgets the long expired', async () => {
        const ttl = 30_000;
        expect(await repo.heartbeat('sender-a', new Date(T0), ttl)).toBe(1);
        expect(await repo.heartbeat('sender-b', new Date(T0 + 1000), ttl)).toBe(2);
        // a's row expires at T0 + 30 s, b's at T0 + 31 s.
        expect(await repo.heartbeat('sender-c', new Date(T0 + 30_500), ttl)).toBe(2);
        expect(await repo.heartbeat('sender-a', new Date(T0 + 45_000), ttl)).toBe(2);
        // Expired lately: not counted, but kept (a sender back from a pause writes it again).
        expect(await table.query('s|senders')).toHaveLength(3);
        // Long after: b's and c's rows are deleted, a alone counts.
        expect(await repo.heartbeat('sender-a', new Date(T0 + 60 * 60_000), ttl)).toBe(1);
        expect((await table.query('s|senders')).map((r) => r.instanceId)).toEqual(['sender-a']);
      });

      it('counts only the busy senders besides itself (an idle one takes no share)', async () => {
        const ttl = 30_000;
        expect(await repo.heartbeat('sender-a', new Date(T0), ttl, true)).toBe(1);
        expect(await repo.heartbeat('sender-b', new Date(T0 + 1000), ttl, false)).toBe(2);
        expect(await repo.heartbeat('sender-a', new Date(T0 + 2000), ttl, true)).toBe(1);
        expect(await repo.heartbeat('sender-b', new Date(T0 + 3000), ttl, true)).toBe(2);
        expect(await repo.heartbeat('sender-a', new Date(T0 + 4000), ttl, true)).toBe(2);
      });

      it('counts itself even with a time-to-live of zero', async () => {
        expect(await repo.heartbeat('sender-a', new Date(T0), 0)).toBe(1);
      });
    });

    describe('retention', () => {
      const old = (id: string, days: number, tenantId = TENANT) =>
        anAnnouncement(id, { tenantId, createdAt: at(days * DAY), state: 'done' });

      it('keeps announcements ninety days by default', () => {
        expect(ANNOUNCEMENT_RETENTION_DAYS).toBe(90);
      });

      it('deletes the old announcements with every row of theirs, at most `limit` rows a call', async () => {
        const olds = [old('an-old-1', 0), old('an-old-2', 1, OTHER_TENANT), old('an-old-3', 2)];
        for (const a of olds) await repo.create(a);
        await repo.writePart(TENANT, 'an-old-1', 0, recipients(0, PART_SIZE));
        await repo.writePart(TENANT, 'an-old-1', 1, recipients(100, 20));
        await repo.writePart(OTHER_TENANT, 'an-old-2', 0, recipients(0, 5));
        const young = await repo.create(
          anAnnouncement('an-young', { createdAt: at(50 * DAY), state: 'sending' }),
        );
        await repo.writePart(TENANT, 'an-young', 0, recipients(0, 5));
        // An unfinished old one goes too.
        await repo.create(old('an-old-4', 3, TENANT));
        const four = await repo.get(TENANT, 'an-old-4');
        await repo.update({ ...four!.value, state: 'sending' }, four!.etag);

        const before = new Date(T0 + 10 * DAY);
        let calls = 0;
        let deleted = 0;
        for (;;) {
          const result = await repo.purgeOlderThan(before, 30);
          expect(result.deleted).toBeLessThanOrEqual(30);
          deleted += result.deleted;
          calls += 1;
          if (result.complete) break;
          if (calls > 50) throw new Error('the purge never completed');
        }
        expect(calls).toBeGreaterThan(3);
        // 75 deliveries + 3 counts rows; 4 heads, 1 marker; 4 listing and 4 index rows.
        expect(deleted).toBe(75 + 3 + 4 + 1 + 4 + 4);

        for (const a of olds) {
          expect(await repo.get(a.tenantId, a.id)).toBeNull();
          expect(await rowsOf(a, 2)).toBe(0);
          expect((await repo.counts(a.tenantId, a.id)).counts.recipients).toBe(0);
        }
        expect(await repo.get(TENANT, 'an-old-4')).toBeNull();
        expect((await repo.unfinished(10)).map((a) => a.id)).toEqual(['an-young']);
        expect((await repo.ofRollout(TENANT, ROLLOUT, 10)).map((a) => a.id)).toEqual(['an-young']);
        expect(await repo.ofRollout(OTHER_TENANT, ROLLOUT, 10)).toEqual([]);
        expect(await repo.get(TENANT, 'an-young')).toEqual(young);
        expect((await repo.readPart(TENANT, 'an-young', 0)).deliveries).toHaveLength(5);
        expect(await table.query('t')).toHaveLength(1);
        expect(await repo.purgeOlderThan(before, 30)).toEqual({ deleted: 0, complete: true });
      });

      it('makes progress with a limit below the smallest step', async () => {
        await repo.create(old('an-old-1', 0));
        await repo.writePart(TENANT, 'an-old-1', 0, recipients(0, 3));
        let calls = 0;
        while (!(await repo.purgeOlderThan(new Date(T0 + DAY), 1)).complete) {
          if (++calls > 20) throw new Error('the purge never completed');
        }
        expect(await repo.get(TENANT, 'an-old-1')).toBeNull();
        expect(await rowsOf(old('an-old-1', 0), 1)).toBe(0);
      });

      it('leaves the announcement that holds the id when a lost create left rows behind', async () => {
        // A create that lost the race after its listing and index rows: simulated by a second
        // repository seeing no head yet (the rows are what create writes first).
        const winner = anAnnouncement('an-1', { createdAt: at(20 * DAY) });
        const loser = anAnnouncement('an-1', { createdAt: at(1 * DAY) });
        await repo.create(winner);
        await table.submit([
          {
            kind: 'upsert',
            entity: {
              partitionKey: `l|${TENANT}|${ROLLOUT}`,
              rowKey: `${String(9_999_999_999_999 - Date.parse(loser.createdAt)).padStart(13, '0')}|an-1`,
              tenantId: TENANT,
              announcementId: 'an-1',
              rolloutId: ROLLOUT,
              createdAt: loser.createdAt,
            },
          },
        ]);
        await table.submit([
          {
            kind: 'upsert',
            entity: {
              partitionKey: 't',
              rowKey: `${String(Date.parse(loser.createdAt)).padStart(13, '0')}|${TENANT}|an-1`,
              tenantId: TENANT,
              announcementId: 'an-1',
              rolloutId: ROLLOUT,
              createdAt: loser.createdAt,
            },
          },
        ]);
        await repo.writePart(TENANT, 'an-1', 0, recipients(0, 3));
        expect((await repo.ofRollout(TENANT, ROLLOUT, 10)).map((a) => a.createdAt)).toEqual([
          winner.createdAt,
        ]);

        const result = await repo.purgeOlderThan(new Date(T0 + 10 * DAY), 100);
        expect(result).toEqual({ deleted: 2, complete: true });
        expect((await repo.get(TENANT, 'an-1'))?.value).toEqual(winner);
        expect((await repo.readPart(TENANT, 'an-1', 0)).deliveries).toHaveLength(3);
        expect(await table.query(`l|${TENANT}|${ROLLOUT}`)).toHaveLength(1);
      });
    });
  });
};
