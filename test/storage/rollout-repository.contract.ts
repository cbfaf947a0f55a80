import { ConcurrencyError, TooLargeError } from '../../src/app/errors';
import type {
  AssignmentState,
  AuditEntry,
  PendingAnnouncement,
  PendingAssignment,
  ProcessedMarker,
  RolloutRepository,
} from '../../src/app/ports';
import {
  MAX_DOC_PARTS,
  MAX_KEPT_ASSIGNMENTS,
  TableRolloutRepository,
} from '../../src/storage/rollout-repository';
import type { EntityTable, TableEntity } from '../../src/storage/entity-table';
import { markerRow, SWEEP_SCAN_ROWS } from '../../src/storage/marker-rows';
import { createHash } from 'node:crypto';
import { aRollout, ADMIN, NOW } from '../domain/fixtures';
import type { Rollout } from '../../src/domain/rollout';

const TENANT = '72f988bf-0000-4000-8000-000000000001';

const audit = (rolloutId: string | null, summary: string, at = NOW.toISOString()): AuditEntry => ({
  rolloutId,
  type: 'rollout-paused',
  by: ADMIN,
  at,
  summary,
  from: null,
  to: null,
  reason: null,
  before: null,
  after: null,
});

const job = (id: string, overrides: Partial<PendingAssignment> = {}): PendingAssignment => ({
  id,
  tenantId: TENANT,
  rolloutId: 'ro-test',
  stageId: 'pilot/w1',
  appId: 'app-1',
  groups: ['g-1', 'g-2'],
  intent: 'available',
  warnings: ['a warning'],
  attempt: 1,
  createdAt: NOW.toISOString(),
  ...overrides,
});

const pendingAnnouncement = (
  id: string,
  overrides: Partial<PendingAnnouncement> = {},
): PendingAnnouncement => ({
  id,
  tenantId: TENANT,
  rolloutId: 'ro-test',
  stageId: 'pilot/w1',
  text: {
    rolloutName: 'Teams Premium',
    stageId: 'pilot/w1',
    stageLabel: 'Pilot · Sales',
    timeFrame: { start: '2026-03-02', end: '2026-03-13' },
    timeZone: 'Europe/Berlin',
    enrollment: 'self-service',
    whatIsDeployed: 'Teams Premium',
    howAndWhen: 'Installed overnight',
    businessPurpose: 'Better meetings',
    selfHelpUrl: 'https://help.example/teams',
    helpDeskContact: 'help@example.com',
    takesFeedback: true,
  },
  by: ADMIN,
  at: NOW.toISOString(),
  ...overrides,
});

const DAY_MS = 24 * 60 * 60 * 1000;
/** The retention the housekeeping job passes: 7 days. */
const RETENTION_MS = 7 * DAY_MS;
const daysAgo = (days: number, from = NOW): string => new Date(from.getTime() - days * DAY_MS).toISOString();

const marker = (key: string, at: string, overrides: Partial<ProcessedMarker> = {}): ProcessedMarker => ({
  key,
  rolloutId: 'ro-test',
  outcome: `Done ${key}.`,
  at,
  ...overrides,
});

/** A marker row as written before markers had index rows (no `indexed`, no `md|` row). */
const legacyMarker = (tenantId: string, key: string, at: string, rowKey = markerRow(key)): TableEntity => ({
  partitionKey: `t|${tenantId}`,
  rowKey,
  key,
  rolloutId: 'ro-test',
  outcome: `Done ${key}.`,
  at,
});

const intuneState = (overrides: Partial<AssignmentState> = {}): AssignmentState => ({
  tenantId: TENANT,
  rolloutId: 'ro-test',
  appId: 'app-1',
  assignments: [{ id: 'as-1', target: 'include', groupId: 'g-1', intent: 'available' }],
  assignmentCount: 1,
  readAt: NOW.toISOString(),
  latest: null,
  job: null,
  ...overrides,
});

/** The rollout repository's behaviour, the same on the in-memory table and on Azurite. */
export const describeRolloutRepositoryContract = (
  label: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`rollout repository contract (${label})`, () => {
    let repo: RolloutRepository;
    let table: EntityTable;
    beforeEach(async () => {
      table = await makeTable();
      repo = new TableRolloutRepository(table);
    });

    const create = (rollout: Rollout = aRollout(), tenantId = TENANT) =>
      repo.commit(tenantId, {
        rollout,
        ifMatch: null,
        audit: [audit(rollout.id, 'Created')],
        processed: null,
      });

    it('stores and reads a rollout with an ETag', async () => {
      const saved = await create();
      const read = await repo.get(TENANT, 'ro-test');
      expect(read?.value).toEqual(aRollout());
      expect(read?.etag).toBe(saved.etag);
      expect(await repo.get(TENANT, 'nope')).toBeNull();
      expect(await repo.get('other-tenant', 'ro-test')).toBeNull();
    });

    it('creating an existing rollout fails with a concurrency error', async () => {
      await create();
      await expect(create()).rejects.toBeInstanceOf(ConcurrencyError);
    });

    it('a write on a stale ETag fails and writes nothing: no state, no audit, no marker', async () => {
      const first = await create();
      await repo.commit(TENANT, {
        rollout: { ...aRollout(), name: 'Renamed' },
        ifMatch: first.etag,
        audit: [],
        processed: null,
      });
      const stale = repo.commit(TENANT, {
        rollout: { ...aRollout(), name: 'Lost' },
        ifMatch: first.etag,
        audit: [audit('ro-test', 'should not exist')],
        processed: { key: 'conv|act-1', rolloutId: 'ro-test', outcome: 'x', at: NOW.toISOString() },
      });
      await expect(stale).rejects.toMatchObject({ reason: 'etag-mismatch' });
      expect((await repo.get(TENANT, 'ro-test'))?.value.name).toBe('Renamed');
      expect((await repo.audit(TENANT, 'ro-test', 10)).map((e) => e.summary)).toEqual(['Created']);
      expect(await repo.findProcessed(TENANT, 'conv|act-1')).toBeNull();
    });

    it('a change, its audit and its marker commit together; a second commit with the same marker fails whole', async () => {
      const first = await create();
      const marker = {
        key: '19:abc@thread.tacv2;messageid=1|act/1?#',
        rolloutId: 'ro-test',
        outcome: 'Paused.',
        at: NOW.toISOString(),
      };
      const second = await repo.commit(TENANT, {
        rollout: { ...aRollout(), status: 'paused' },
        ifMatch: first.etag,
        audit: [audit('ro-test', 'Paused')],
        processed: marker,
      });
      expect(await repo.findProcessed(TENANT, marker.key)).toEqual(marker);
      const again = repo.commit(TENANT, {
        rollout: { ...aRollout(), status: 'active' },
        ifMatch: second.etag,
        audit: [audit('ro-test', 'Resumed')],
        processed: marker,
      });
      await expect(again).rejects.toBeInstanceOf(ConcurrencyError);
      expect((await repo.get(TENANT, 'ro-test'))?.value.status).toBe('paused');
      expect((await repo.audit(TENANT, 'ro-test', 10)).map((e) => e.summary)).toEqual(['Paused', 'Created']);
    });

    it('audit comes newest first, bounded by the limit, separate per rollout and for the tenant', async () => {
      const first = await create();
      let etag = first.etag;
      for (let i = 1; i <= 4; i++) {
        const at = new Date(NOW.getTime() + i * 1000).toISOString();
        etag = (
          await repo.commit(TENANT, {
            rollout: aRollout(),
            ifMatch: etag,
            audit: [audit('ro-test', `change ${i}`, at)],
            processed: null,
          })
        ).etag;
      }
      await repo.appendAudit(TENANT, [audit(null, 'tenant-level refusal')]);
      expect((await repo.audit(TENANT, 'ro-test', 3)).map((e) => e.summary)).toEqual([
        'change 4',
        'change 3',
        'change 2',
      ]);
      expect((await repo.audit(TENANT, null, 10)).map((e) => e.summary)).toEqual(['tenant-level refusal']);
      const [entry] = await repo.audit(TENANT, 'ro-test', 1);
      expect(entry).toEqual(audit('ro-test', 'change 4', new Date(NOW.getTime() + 4000).toISOString()));
    });

    it('several events of one commit keep their order, newest first', async () => {
      await repo.commit(TENANT, {
        rollout: aRollout(),
        ifMatch: null,
        audit: [audit('ro-test', 'first'), audit('ro-test', 'second'), audit('ro-test', 'third')],
        processed: null,
      });
      expect((await repo.audit(TENANT, 'ro-test', 10)).map((e) => e.summary)).toEqual([
        'third',
        'second',
        'first',
      ]);
    });

    it('lists a tenant’s rollouts, or one conversation’s', async () => {
      await create(aRollout({ id: 'ro-a', name: 'A' }));
      await create(
        aRollout({
          id: 'ro-b',
          name: 'B',
          coordination: { conversationId: "19:x'y@thread", conversationType: 'channel', serviceUrl: 'u' },
        }),
      );
      await create(aRollout({ id: 'ro-c', name: 'C' }), 'another-tenant');
      expect((await repo.list(TENANT)).map((r) => r.name).sort()).toEqual(['A', 'B']);
      expect((await repo.list(TENANT, { conversationId: "19:x'y@thread" })).map((r) => r.name)).toEqual([
        'B',
      ]);
      expect(await repo.list(TENANT, { conversationId: 'conv' })).toEqual([
        expect.objectContaining({
          id: 'ro-a',
          name: 'A',
          status: 'active',
          phase: 'scope',
          conversationId: 'conv',
        }),
      ]);
    });

    it('keeps ids with characters that keys forbid apart', async () => {
      const odd = 'tenant/with\\odd#chars?';
      await create(aRollout(), odd);
      expect((await repo.get(odd, 'ro-test'))?.value.id).toBe('ro-test');
      expect(await repo.get('tenant', 'ro-test')).toBeNull();
    });

    it('refuses a rollout document over its limit and writes nothing', async () => {
      await expect(
        create(aRollout({ businessPurpose: 'x'.repeat(MAX_DOC_PARTS * 32 * 1024 + 1) })),
      ).rejects.toBeInstanceOf(TooLargeError);
      expect(await repo.get(TENANT, 'ro-test')).toBeNull();
    });

    it('stores a rollout document larger than one 64 KiB property', async () => {
      const big = aRollout({ businessPurpose: 'é'.repeat(100_000) });
      await create(big);
      expect((await repo.get(TENANT, 'ro-test'))?.value.businessPurpose).toHaveLength(100_000);
    });
    it('an Intune assignment commits with the change (an outbox row), or not at all', async () => {
      const first = await create();
      const stale = repo.commit(TENANT, {
        rollout: { ...aRollout(), name: 'Lost' },
        ifMatch: 'W/"datetime\'2000-01-01T00%3A00%3A00.0000000Z\'"',
        audit: [],
        processed: null,
        assignment: job('lost'),
      });
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await repo.pendingAssignments(10)).toEqual([]);
      await repo.commit(TENANT, {
        rollout: aRollout(),
        ifMatch: first.etag,
        audit: [],
        processed: null,
        assignment: job('j-1'),
      });
      expect(await repo.pendingAssignments(10)).toEqual([job('j-1')]);
      expect(await repo.pendingAssignments(10, { tenantId: TENANT, rolloutId: 'ro-test' })).toEqual([
        job('j-1'),
      ]);
      expect(await repo.pendingAssignments(10, { tenantId: TENANT, rolloutId: 'ro-other' })).toEqual([]);
      // Only about a rollout of the tenant it is committed in.
      await expect(
        repo.commit('another-tenant', {
          rollout: aRollout(),
          ifMatch: null,
          audit: [],
          processed: null,
          assignment: job('j-2'),
        }),
      ).rejects.toThrow(/not about rollout/);
    });

    it('pending assignments across tenants, bounded; their Intune state stored with the outbox row cleared or queued in one go', async () => {
      await create();
      await create(aRollout(), 'another-tenant');
      const other = job('j-other', { tenantId: 'another-tenant' });
      await repo.saveAssignmentState(intuneState({ tenantId: 'another-tenant' }), { queue: other });
      await repo.saveAssignmentState(intuneState(), { queue: job('j-1') });
      expect((await repo.pendingAssignments(10)).map((j) => j.id).sort()).toEqual(['j-1', 'j-other']);
      expect(await repo.pendingAssignments(1)).toHaveLength(1);
      // Queued twice: the second fails whole.
      await expect(
        repo.saveAssignmentState(intuneState({ appId: 'changed' }), { queue: job('j-1') }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect((await repo.assignmentState(TENANT, 'ro-test'))?.appId).toBe('app-1');

      const done = intuneState({ latest: null, job: job('j-1'), assignmentCount: 3 });
      await repo.saveAssignmentState(done, { clear: job('j-1') });
      expect(await repo.assignmentState(TENANT, 'ro-test')).toEqual(done);
      expect((await repo.pendingAssignments(10)).map((j) => j.id)).toEqual(['j-other']);
      // Cleared again (a rerun after a crash): the state is stored, no error.
      await repo.saveAssignmentState(intuneState({ assignmentCount: 4 }), { clear: job('j-1') });
      expect((await repo.assignmentState(TENANT, 'ro-test'))?.assignmentCount).toBe(4);
      expect(await repo.assignmentState(TENANT, 'ro-none')).toBeNull();
    });

    it('an announcement commits with the change (an outbox row of its own, beside an assignment), or not at all', async () => {
      const first = await create();
      const stale = repo.commit(TENANT, {
        rollout: { ...aRollout(), name: 'Lost' },
        ifMatch: 'W/"datetime\'2000-01-01T00%3A00%3A00.0000000Z\'"',
        audit: [],
        processed: null,
        assignment: job('lost'),
        announcement: pendingAnnouncement('lost'),
      });
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await repo.pendingAnnouncements(10)).toEqual([]);
      await repo.commit(TENANT, {
        rollout: aRollout(),
        ifMatch: first.etag,
        audit: [],
        processed: null,
        assignment: job('j-1'),
        announcement: pendingAnnouncement('an-1'),
      });
      expect(await repo.pendingAnnouncements(10)).toEqual([pendingAnnouncement('an-1')]);
      expect(await repo.pendingAnnouncements(10, { tenantId: TENANT, rolloutId: 'ro-test' })).toEqual([
        pendingAnnouncement('an-1'),
      ]);
      expect(await repo.pendingAnnouncements(10, { tenantId: TENANT, rolloutId: 'ro-other' })).toEqual([]);
      // Each outbox reads its own rows only.
      expect(await repo.pendingAssignments(10)).toEqual([job('j-1')]);
      await expect(
        repo.commit('another-tenant', {
          rollout: aRollout(),
          ifMatch: null,
          audit: [],
          processed: null,
          announcement: pendingAnnouncement('an-2'),
        }),
      ).rejects.toThrow(/not about rollout/);
      expect(await repo.get('another-tenant', 'ro-test')).toBeNull();
    });

    it('pending announcements across tenants, bounded; cleared once or twice; a long text kept whole', async () => {
      const long = pendingAnnouncement('an-long', {
        text: { ...pendingAnnouncement('x').text, howAndWhen: 'ü'.repeat(70_000) },
      });
      await repo.commit(TENANT, {
        rollout: aRollout(),
        ifMatch: null,
        audit: [],
        processed: null,
        announcement: long,
      });
      const other = pendingAnnouncement('an-other', { tenantId: 'another-tenant' });
      await repo.commit('another-tenant', {
        rollout: aRollout(),
        ifMatch: null,
        audit: [],
        processed: null,
        announcement: other,
      });
      expect((await repo.pendingAnnouncements(10)).map((p) => p.id).sort()).toEqual(['an-long', 'an-other']);
      expect(await repo.pendingAnnouncements(1)).toHaveLength(1);
      expect(await repo.pendingAnnouncements(10, { tenantId: TENANT, rolloutId: 'ro-test' })).toEqual([long]);
      await repo.clearAnnouncement(long);
      await repo.clearAnnouncement(long);
      expect(await repo.pendingAnnouncements(10)).toEqual([other]);
      expect(await repo.get(TENANT, 'ro-test')).not.toBeNull();
    });

    it('scheduledRollouts: active and paused rollouts across tenants, not completed ones, tenant ids decoded', async () => {
      const odd = 'tenant/with|odd#chars?';
      await create(aRollout({ id: 'ro-active' }));
      await create(aRollout({ id: 'ro-paused', status: 'paused' }), odd);
      await create(aRollout({ id: 'ro-done', status: 'completed' }), 'another-tenant');
      await create(aRollout({ id: 'ro-other' }), 'another-tenant');
      // Not a rollout row, though its key looks like one: another partition range.
      await table.submit([
        { kind: 'create', entity: { partitionKey: 'x|y', rowKey: 'r|ro-x', status: 'active' } },
      ]);
      const found = await repo.scheduledRollouts(100);
      expect(found.sort((a, b) => a.rolloutId.localeCompare(b.rolloutId))).toEqual([
        { tenantId: TENANT, rolloutId: 'ro-active', status: 'active' },
        { tenantId: 'another-tenant', rolloutId: 'ro-other', status: 'active' },
        { tenantId: odd, rolloutId: 'ro-paused', status: 'paused' },
      ]);
      expect((await repo.scheduledRollouts(1)).length).toBeLessThanOrEqual(1);
      expect(await repo.scheduledRollouts(0)).toEqual([]);
    });

    describe('processed-activity markers: retention and purge', () => {
      const indexRows = async (): Promise<string[]> =>
        (await table.findByRowKeyPrefix!('md|', { select: [] })).map((r) => `${r.partitionKey}/${r.rowKey}`);
      const markerRows = async (): Promise<string[]> =>
        (await table.findByRowKeyPrefix!('m|', { select: [] })).map((r) => `${r.partitionKey}/${r.rowKey}`);
      const cutoff = new Date(NOW.getTime() - RETENTION_MS);
      /** Calls until the cursor is null (at most `calls` times); the deletes of each call. */
      const purgeAll = async (limit: number, calls = 50): Promise<number[]> => {
        const counts: number[] = [];
        let cursor: string | null = null;
        do {
          const result = await repo.purgeMarkers(cutoff, limit, cursor);
          counts.push(result.deleted);
          cursor = result.cursor;
        } while (cursor !== null && counts.length < calls);
        if (cursor !== null) throw new Error(`purge not finished after ${calls} calls`);
        return counts;
      };

      it('markers older than the retention are purged; a younger one still answers "Already done"', async () => {
        const saved = await create();
        await repo.appendAudit(
          TENANT,
          [audit(null, 'refused')],
          marker('conv|old-refusal', daysAgo(9), { refused: true }),
        );
        await repo.commit(TENANT, {
          rollout: { ...aRollout(), status: 'paused' },
          ifMatch: saved.etag,
          audit: [audit('ro-test', 'Paused')],
          processed: marker('conv|old', daysAgo(8)),
        });
        await repo.appendAudit('another-tenant', [], marker('conv|young', daysAgo(6)));
        await repo.appendAudit(TENANT, [], marker('conv|edge', daysAgo(7)));
        expect(await indexRows()).toHaveLength(4);

        const first = await repo.purgeMarkers(cutoff, 100);
        expect(first.deleted).toBe(2);
        expect(await repo.findProcessed(TENANT, 'conv|old')).toBeNull();
        expect(await repo.findProcessed(TENANT, 'conv|old-refusal')).toBeNull();
        // Within the retention (the cut-off itself included): "Already done" from the marker.
        expect(await repo.findProcessed('another-tenant', 'conv|young')).toEqual(
          marker('conv|young', daysAgo(6)),
        );
        expect(await repo.findProcessed(TENANT, 'conv|edge')).toEqual(marker('conv|edge', daysAgo(7)));
        expect((await indexRows()).map((k) => k.split('|').slice(0, -1).join('|')).sort()).toEqual([
          `t|72f988bf-0000-4000-8000-000000000001/md|${daysAgo(7)}`,
          `t|another-tenant/md|${daysAgo(6)}`,
        ]);
        // The rollout and its audit stay.
        expect((await repo.get(TENANT, 'ro-test'))?.value.status).toBe('paused');
        expect((await repo.audit(TENANT, 'ro-test', 10)).map((e) => e.summary)).toEqual([
          'Paused',
          'Created',
        ]);
        // Nothing else is due: the pass ends.
        expect(await purgeAll(100)).toEqual([0]);

        // Once purged, a redelivery is no longer known: it is decided afresh, and its marker written anew.
        const current = await repo.get(TENANT, 'ro-test');
        await repo.commit(TENANT, {
          rollout: { ...aRollout(), status: 'active' },
          ifMatch: current?.etag ?? '',
          audit: [audit('ro-test', 'Resumed')],
          processed: marker('conv|old', NOW.toISOString()),
        });
        expect(await repo.findProcessed(TENANT, 'conv|old')).toEqual(marker('conv|old', NOW.toISOString()));
      });

      it('the index row commits with its marker: a failing commit or append leaves neither', async () => {
        const first = await create();
        await repo.commit(TENANT, { rollout: aRollout(), ifMatch: first.etag, audit: [], processed: null });
        const stale = repo.commit(TENANT, {
          rollout: aRollout(),
          ifMatch: first.etag,
          audit: [audit('ro-test', 'lost')],
          processed: marker('conv|lost', daysAgo(10)),
        });
        await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await markerRows()).toEqual([]);
        expect(await indexRows()).toEqual([]);

        await repo.appendAudit(TENANT, [audit(null, 'refused')], marker('conv|once', daysAgo(10)));
        // The same activity again, at another time: refused whole, no second index row.
        await expect(
          repo.appendAudit(TENANT, [audit(null, 'again')], marker('conv|once', daysAgo(1))),
        ).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await indexRows()).toEqual([
          `t|${TENANT}/md|${daysAgo(10)}|${markerRow('conv|once').slice(2)}`,
        ]);
        expect((await repo.audit(TENANT, null, 10)).map((e) => e.summary)).toEqual(['refused']);
      });

      it('a commit with every row it can carry stays within 100 actions (95 audit entries, marker, index row, two outbox rows)', async () => {
        const entries = Array.from({ length: 95 }, (_, i) => audit('ro-test', `e${i}`));
        await repo.commit(TENANT, {
          rollout: aRollout(),
          ifMatch: null,
          audit: entries,
          processed: marker('conv|full', NOW.toISOString()),
          assignment: job('j-1'),
          announcement: pendingAnnouncement('an-1'),
        });
        expect(await repo.findProcessed(TENANT, 'conv|full')).not.toBeNull();
        expect(await indexRows()).toHaveLength(1);
        // One more is refused before anything is sent.
        await expect(
          repo.commit(TENANT, {
            rollout: aRollout({ id: 'ro-2' }),
            ifMatch: null,
            audit: [...entries, audit('ro-2', 'one too many')],
            processed: marker('conv|over', NOW.toISOString()),
            assignment: job('j-2', { rolloutId: 'ro-2' }),
            announcement: pendingAnnouncement('an-2', { rolloutId: 'ro-2' }),
          }),
        ).rejects.toThrow(/too many audit entries/);
        expect(await repo.get(TENANT, 'ro-2')).toBeNull();
        expect(await repo.findProcessed(TENANT, 'conv|over')).toBeNull();
      });

      it('bounded: a call deletes at most `limit`; repeated calls with the cursor finish the job', async () => {
        for (let i = 0; i < 7; i++) {
          await repo.appendAudit(
            i % 2 ? TENANT : 'another-tenant',
            [],
            marker(`conv|old-${i}`, daysAgo(8 + i / 10)),
          );
        }
        await repo.appendAudit(TENANT, [], marker('conv|young', daysAgo(1)));
        expect(await repo.purgeMarkers(cutoff, 3)).toEqual({ deleted: 3, cursor: expect.any(String) });
        expect(await markerRows()).toHaveLength(5);
        expect(await repo.purgeMarkers(cutoff, 0)).toEqual({ deleted: 0, cursor: expect.any(String) });
        expect(await markerRows()).toHaveLength(5);
        const counts = await purgeAll(3);
        expect(counts.every((n) => n <= 3)).toBe(true);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
        expect(await markerRows()).toEqual([`t|${TENANT}/${markerRow('conv|young')}`]);
        expect(await indexRows()).toHaveLength(1);
      });

      it('legacy markers without index rows are purged by the sweep; young ones and indexed ones are left to their own rules', async () => {
        const legacy = [
          legacyMarker(TENANT, 'conv|legacy-old-1', daysAgo(30)),
          legacyMarker(TENANT, 'conv|legacy-old-2', daysAgo(8)),
          legacyMarker('another-tenant', 'conv|legacy-old-3', daysAgo(20)),
          legacyMarker(TENANT, 'conv|legacy-young', daysAgo(2)),
          legacyMarker(TENANT, 'conv|legacy-no-time', 'not a time'),
          // Three old ones in one slice of the hash space: more than one call may delete.
          ...['1', '2', '3'].map((d) =>
            legacyMarker(TENANT, `slice-a-${d}`, daysAgo(9), `m|a${d.repeat(63)}`),
          ),
        ];
        for (const row of legacy) await table.submit([{ kind: 'create', entity: row }]);
        await repo.appendAudit(TENANT, [], marker('conv|indexed-young', daysAgo(3)));
        expect(await repo.findProcessed(TENANT, 'conv|legacy-old-1')).toEqual(
          marker('conv|legacy-old-1', daysAgo(30)),
        );

        const counts = await purgeAll(2);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
        expect(counts.every((n) => n <= 2)).toBe(true);
        expect(await repo.findProcessed(TENANT, 'conv|legacy-old-1')).toBeNull();
        expect(await repo.findProcessed(TENANT, 'conv|legacy-old-2')).toBeNull();
        expect(await repo.findProcessed('another-tenant', 'conv|legacy-old-3')).toBeNull();
        expect(await repo.findProcessed(TENANT, 'conv|legacy-young')).not.toBeNull();
        expect(await repo.findProcessed(TENANT, 'conv|legacy-no-time')).not.toBeNull();
        expect(await repo.findProcessed(TENANT, 'conv|indexed-young')).not.toBeNull();
        expect(await indexRows()).toHaveLength(1);
        expect(await table.query(`t|${TENANT}`, { rowKeyPrefix: 'm|a' })).toEqual([]);
      });

      it('a marker already gone (another purge at the same time) does not stop its index row and the others going', async () => {
        for (const key of ['conv|a', 'conv|b', 'conv|c'])
          await repo.appendAudit(TENANT, [], marker(key, daysAgo(10)));
        await table.submit([{ kind: 'delete', partitionKey: `t|${TENANT}`, rowKey: markerRow('conv|b') }]);
        expect((await repo.purgeMarkers(cutoff, 10)).deleted).toBe(3);
        expect(await markerRows()).toEqual([]);
        expect(await indexRows()).toEqual([]);
      });

      it('the sweep takes only markers without an index row (an indexed one is the index’s to purge)', async () => {
        await repo.appendAudit(TENANT, [], marker('conv|indexed-old', daysAgo(10)));
        const [index] = await table.findByRowKeyPrefix!('md|', { select: [] });
        // Its index row gone by hand: the sweep, reading `indexed`, leaves the marker alone.
        await table.submit([{ kind: 'delete', partitionKey: `t|${TENANT}`, rowKey: index?.rowKey ?? '' }]);
        expect(await purgeAll(10)).toEqual([0]);
        expect(await repo.findProcessed(TENANT, 'conv|indexed-old')).toEqual(
          marker('conv|indexed-old', daysAgo(10)),
        );
      });

      it('the sweep walks past a slice fuller than one scan (its children), so old legacy markers behind young ones go too', async () => {
        const hex = (i: number): string => createHash('sha256').update(`young-${i}`).digest('hex');
        // One scan's worth of young legacy markers, all in slice "0", in the first partition.
        const young = Array.from({ length: SWEEP_SCAN_ROWS }, (_, i) =>
          legacyMarker('a-tenant', `young-${i}`, daysAgo(1), `m|0${hex(i).slice(1)}`),
        );
        for (let i = 0; i < young.length; i += 100) {
          await table.submit(young.slice(i, i + 100).map((entity) => ({ kind: 'create' as const, entity })));
        }
        // Old ones in the same slice, in a partition that sorts after: beyond the first scan.
        const old = ['0', '7', 'f'].map((digit, i) =>
          legacyMarker('z-tenant', `old-${i}`, daysAgo(40), `m|0${digit}${'e'.repeat(62)}`),
        );
        for (const entity of old) await table.submit([{ kind: 'create', entity }]);

        const counts = await purgeAll(10);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
        expect(await table.query('t|z-tenant', { rowKeyPrefix: 'm|' })).toEqual([]);
        expect(await table.query('t|a-tenant', { rowKeyPrefix: 'm|' })).toHaveLength(SWEEP_SCAN_ROWS);
      }, 60_000);
    });

    it('keeps at most MAX_KEPT_ASSIGNMENTS assignments as read, with their count', async () => {
      const many = Array.from({ length: MAX_KEPT_ASSIGNMENTS + 20 }, (_, i) => ({
        id: `as-${i}`,
        target: 'include' as const,
        groupId: `g-${i}`,
        intent: 'required',
      }));
      await repo.saveAssignmentState(intuneState({ assignments: many, assignmentCount: many.length }));
      const read = await repo.assignmentState(TENANT, 'ro-test');
      expect(read?.assignments).toHaveLength(MAX_KEPT_ASSIGNMENTS);
      expect(read?.assignmentCount).toBe(many.length);
    });
  });
};
