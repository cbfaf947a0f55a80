import { ConcurrencyError, TooLargeError } from '../../src/app/errors';
import type {
  AssignmentState,
  AuditEntry,
  PendingAnnouncement,
  PendingAssignment,
  RolloutRepository,
} from '../../src/app/ports';
import {
  MAX_DOC_PARTS,
  MAX_KEPT_ASSIGNMENTS,
  TableRolloutRepository,
} from '../../src/storage/rollout-repository';
import type { EntityTable } from '../../src/storage/entity-table';
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
    beforeEach(async () => {
      repo = new TableRolloutRepository(await makeTable());
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
