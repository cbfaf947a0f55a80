import { ConcurrencyError } from '../../src/app/errors';
import { emptyScheduleState } from '../../src/app/ports-schedule';
import { scheduledNotice } from '../../src/app/schedule/schedule-state';
import { emptyTally } from '../../src/domain/feedback';
import type { EntityTable } from '../../src/storage/entity-table';
import { OPT_OUT_PAGE, TableScheduleRepository } from '../../src/storage/schedule-repository';
import { newJobState } from '../../src/schedule/run-coordinator';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const AT = new Date('2026-12-03T09:00:00.000Z');
const rollout = { tenantId: TENANT, id: 'r-1' };

/** The scheduler's store, on any table that behaves like Table Storage. */
export const describeScheduleRepositoryContract = (
  name: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`TableScheduleRepository (${name})`, () => {
    let table: EntityTable;
    let store: TableScheduleRepository;
    beforeEach(async () => {
      table = await makeTable();
      await table.ensure();
      store = new TableScheduleRepository(table);
    });

    it('creates a job row once and moves it on only with its current ETag', async () => {
      const created = await store.saveJob({ ...newJobState('digest'), lastSlot: AT.toISOString() }, null);
      expect(await rejection(store.saveJob(newJobState('digest'), null))).toBeInstanceOf(ConcurrencyError);
      const moved = await store.saveJob(
        { ...created.value, lastSlot: '2026-12-03T09:05:00.000Z' },
        created.etag,
      );
      expect(await rejection(store.saveJob(created.value, created.etag))).toBeInstanceOf(ConcurrencyError);
      expect((await store.job('digest'))?.value.lastSlot).toBe('2026-12-03T09:05:00.000Z');
      expect((await store.job('digest'))?.etag).toBe(moved.etag);
      expect((await store.jobs()).map((j) => j.name)).toEqual(['digest']);
    });

    it('commits a rollout state with its notices and snapshots in one transaction', async () => {
      const notice = scheduledNotice(rollout, 'digest', 'digest:2026-12-03', { title: 'Digest' }, AT);
      const snapshot = {
        tenantId: TENANT,
        rolloutId: 'r-1',
        stageId: 'pilot',
        date: '2026-12-02',
        tally: { ...emptyTally(), responses: 4 },
        at: AT.toISOString(),
      };
      const state = { ...emptyScheduleState(TENANT, 'r-1'), done: { 'digest:2026-12-03': AT.toISOString() } };
      const stored = await store.commit(state, null, { notices: [notice], snapshots: [snapshot] });
      expect((await store.state(TENANT, 'r-1'))?.value.done).toEqual(state.done);
      expect(await store.pendingNotices(10)).toEqual([notice]);
      expect(
        (await store.snapshots(TENANT, 'r-1')).map((s) => [s.stageId, s.date, s.tally.responses]),
      ).toEqual([['pilot', '2026-12-02', 4]]);

      // A stale ETag fails the whole transaction: no second notice, no snapshot.
      const other = scheduledNotice(rollout, 'stage-overdue', 'overdue:pilot', { title: 'x', text: 'y' }, AT);
      await store.commit({ ...state, done: { ...state.done, x: AT.toISOString() } }, stored.etag);
      const stale = store.commit(state, stored.etag, {
        notices: [other],
        snapshots: [{ ...snapshot, date: '2026-12-03' }],
      });
      expect(await rejection(stale)).toBeInstanceOf(ConcurrencyError);
      expect(await store.pendingNotices(10)).toHaveLength(1);
      expect(await store.snapshots(TENANT, 'r-1')).toHaveLength(1);

      await store.clearNotice(notice);
      await store.clearNotice(notice);
      expect(await store.pendingNotices(10)).toEqual([]);
    });

    it('keeps snapshots by stage and date, oldest first, replacing a retaken one', async () => {
      const snap = (stageId: string, date: string, responses: number) => ({
        tenantId: TENANT,
        rolloutId: 'r-1',
        stageId,
        date,
        tally: { ...emptyTally(), responses },
        at: AT.toISOString(),
      });
      const stored = await store.commit(emptyScheduleState(TENANT, 'r-1'), null, {
        snapshots: [snap('pilot', '2026-12-02', 1), snap('enterprise/w1', '2026-12-01', 2)],
      });
      await store.commit(stored.value, stored.etag, {
        snapshots: [snap('pilot', '2026-12-01', 0), snap('pilot', '2026-12-02', 3)],
      });
      expect((await store.snapshots(TENANT, 'r-1', 'pilot')).map((s) => [s.date, s.tally.responses])).toEqual(
        [
          ['2026-12-01', 0],
          ['2026-12-02', 3],
        ],
      );
      expect(await store.snapshots(TENANT, 'r-1')).toHaveLength(3);
      expect(await store.snapshots(TENANT, 'r-2')).toEqual([]);
    });

    it('records and undoes "Stop reminding me" per rollout', async () => {
      await store.setOptOut(TENANT, 'r-1', 'AAAA-1', true);
      await store.setOptOut(TENANT, 'r-1', 'aaaa-1', true);
      await store.setOptOut(TENANT, 'r-1', 'bbbb-2', true);
      expect([...(await store.optedOut(TENANT, 'r-1'))].sort()).toEqual(['aaaa-1', 'bbbb-2']);
      expect(await store.optedOut(TENANT, 'r-2')).toEqual(new Set());
      await store.setOptOut(TENANT, 'r-1', 'aaaa-1', false);
      await store.setOptOut(TENANT, 'r-1', 'aaaa-1', false);
      expect([...(await store.optedOut(TENANT, 'r-1'))]).toEqual(['bbbb-2']);
    });

    it('reads every opt-out, past one query’s page', async () => {
      const people = Array.from({ length: OPT_OUT_PAGE + 5 }, (_, i) => `p-${String(i).padStart(5, '0')}`);
      for (let i = 0; i < people.length; i += 50) {
        await Promise.all(people.slice(i, i + 50).map((p) => store.setOptOut(TENANT, 'r-1', p, true)));
      }
      const read = await store.optedOut(TENANT, 'r-1');
      expect(read.size).toBe(people.length);
      expect(read.has(people.at(-1) ?? '')).toBe(true);
    }, 60_000);

    it('purges a rollout’s partition in bounded steps', async () => {
      const snaps = Array.from({ length: 30 }, (_, i) => ({
        tenantId: TENANT,
        rolloutId: 'r-1',
        stageId: 'pilot',
        date: `2026-11-${String(i + 1).padStart(2, '0')}`,
        tally: emptyTally(),
        at: AT.toISOString(),
      }));
      await store.commit(emptyScheduleState(TENANT, 'r-1'), null, { snapshots: snaps });
      await store.setOptOut(TENANT, 'r-1', 'p', true);
      expect(await store.purgeRollout(TENANT, 'r-1', 20)).toBe(false);
      expect(await store.purgeRollout(TENANT, 'r-1', 20)).toBe(true);
      expect(await store.state(TENANT, 'r-1')).toBeNull();
      expect(await store.snapshots(TENANT, 'r-1')).toEqual([]);
    });
  });
};
