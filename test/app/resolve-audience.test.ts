import { DEVICES_FORBIDDEN } from '../../src/app/audience-devices';
import { BREAKDOWN_KEYS } from '../../src/app/audience-resolution';
import { DirectoryError } from '../../src/app/errors';
import type { AudienceMember, AudienceRepository, Log, SnapshotWriter } from '../../src/app/ports';
import {
  currentAudience,
  resolveAudience,
  type ResolveDeps,
  type ResolveOutcome,
} from '../../src/app/resolve-audience';
import { AUDIENCE_BUCKETS, TableAudienceRepository } from '../../src/storage/audience-repository';
import { DelegatingTable } from '../../src/storage/delegating-table';
import { MAX_TRANSACTION_ACTIONS, type TableAction } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { AUDIENCE_NOW, AUDIENCE_TENANT, pilotFor, spec, wavesFor } from '../support/audience-rollouts';
import { MemoryDirectory } from '../support/memory-directory';

const TENANT = AUDIENCE_TENANT;
const NOW = AUDIENCE_NOW;
const silent: Log = { info: () => {}, warn: () => {}, error: () => {} };

/** A table that counts the member rows written (upserts), so the writer's buffer can be measured. */
class RowCountingTable extends DelegatingTable {
  rowsWritten = 0;
  /** Member rows written before every further one fails (a storage outage), when set. */
  failAfter: number | null = null;

  constructor() {
    super(new MemoryTable());
  }

  override submit(actions: readonly TableAction[]): Promise<string[]> {
    const rows = actions.filter((a) => a.kind === 'upsert').length;
    if (rows > 0 && this.failAfter !== null && this.rowsWritten + rows > this.failAfter) {
      return Promise.reject(new Error('storage is down'));
    }
    this.rowsWritten += rows;
    return super.submit(actions);
  }
}

/** The repository, its writers watched: members added minus rows written is what a writer buffers. */
class WatchedAudiences extends TableAudienceRepository {
  maxBuffered = 0;
  private added = 0;

  constructor(readonly rows: RowCountingTable) {
    super(rows, { now: () => NOW });
  }

  override begin(tenantId: string, rolloutId: string, stageId: string): SnapshotWriter {
    const writer = super.begin(tenantId, rolloutId, stageId);
    return {
      id: writer.id,
      add: async (members) => {
        await writer.add(members);
        this.added += members.length;
        this.maxBuffered = Math.max(this.maxBuffered, this.added - this.rows.rowsWritten);
      },
      commit: (info) => writer.commit(info),
      abandon: () => writer.abandon(),
    };
  }
}

const setUp = (pageSize = 100) => {
  const directory = new MemoryDirectory({ pageSize });
  const table = new RowCountingTable();
  const audiences = new WatchedAudiences(table);
  const deps: ResolveDeps = { directory, audiences, clock: { now: () => NOW }, log: silent };
  return { directory, audiences, table, deps };
};

const resolved = (outcome: ResolveOutcome) => {
  if (!outcome.ok) throw new Error(`not resolved: ${outcome.message}`);
  return outcome.snapshot;
};

const everyone = async (
  audiences: AudienceRepository,
  outcome: ResolveOutcome,
): Promise<AudienceMember[]> => {
  const all: AudienceMember[] = [];
  for await (const page of audiences.members(resolved(outcome))) all.push(...page);
  return all.sort((a, b) => (a.id < b.id ? -1 : 1));
};

const ids = async (audiences: AudienceRepository, outcome: ResolveOutcome): Promise<string[]> =>
  (await everyone(audiences, outcome)).map((m) => m.id);

const noneLeftOut = { guest: 0, disabled: 0, filtered: 0, noDevice: 0 };

describe('resolveAudience', () => {
  it('narrows the groups by department, country and office, case-insensitively, and counts who is left out', async () => {
    const { directory, audiences, deps } = setUp();
    directory.addUser(TENANT, 'u1', { department: 'Sales', country: 'DE', officeLocation: 'Berlin' }, [
      'Windows',
    ]);
    directory.addUser(TENANT, 'u2', { department: 'sales', country: 'de', officeLocation: 'BERLIN' });
    directory.addUser(TENANT, 'u3', { department: 'Finance', country: 'DE', officeLocation: 'Berlin' });
    directory.addUser(TENANT, 'u4', { department: 'Sales', country: 'US', officeLocation: 'Berlin' });
    directory.addUser(TENANT, 'u5', { department: 'Sales', country: 'DE', officeLocation: 'Munich' });
    directory.addUser(TENANT, 'u6', { department: null, country: 'DE', officeLocation: 'Berlin' });
    directory.addGroup(TENANT, 'g1', { users: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'], nonUsers: 2 });
    const part = spec({
      groups: ['g1'],
      filters: { departments: ['SALES'], countries: ['De'], offices: ['berlin'] },
    });
    const outcome = await resolveAudience(deps, pilotFor(part), 'pilot');
    expect(await ids(audiences, outcome)).toEqual(['u1', 'u2']);
    expect(resolved(outcome).counts).toEqual({
      people: 2,
      byDepartment: { Sales: 1, sales: 1 },
      byCountry: { DE: 1, de: 1 },
      byPlatform: { windows: 1 },
      devicesByOs: { Windows: 1 },
      withoutDevice: 1,
      leftOut: { ...noneLeftOut, filtered: 4 },
      nonUsers: 2,
      groups: { g1: { users: 6, nonUsers: 2 } },
    });
    expect(resolved(outcome)).toMatchObject({
      tenantId: TENANT,
      rolloutId: 'ro-test',
      stageId: 'pilot',
      resolvedAt: NOW.toISOString(),
      sample: ['u1', 'u2'],
      warnings: [],
    });
    expect(await audiences.current(TENANT, 'ro-test', 'pilot')).toEqual(resolved(outcome));
  });

  it('leaves out guests and disabled accounts (counted by reason) unless the part includes them', async () => {
    const { directory, audiences, deps } = setUp();
    directory.addUser(TENANT, 'member', {});
    directory.addUser(TENANT, 'guest', { userType: 'Guest' });
    directory.addUser(TENANT, 'disabled', { accountEnabled: false });
    directory.addUser(TENANT, 'both', { userType: 'guest', accountEnabled: false });
    directory.addGroup(TENANT, 'g1', { users: ['member', 'guest', 'disabled', 'both'] });

    const out = await resolveAudience(deps, pilotFor(spec({ groups: ['g1'] })), 'pilot');
    expect(await ids(audiences, out)).toEqual(['member']);
    expect(resolved(out).counts.leftOut).toEqual({ ...noneLeftOut, guest: 2, disabled: 1 });

    const guests = await resolveAudience(
      deps,
      pilotFor(spec({ groups: ['g1'], includeGuests: true })),
      'pilot',
    );
    expect(await ids(audiences, guests)).toEqual(['guest', 'member']);
    expect(resolved(guests).counts.leftOut).toEqual({ ...noneLeftOut, disabled: 2 });

    const all = await resolveAudience(
      deps,
      pilotFor(spec({ groups: ['g1'], includeGuests: true, includeDisabled: true })),
      'pilot',
    );
    expect(await ids(audiences, all)).toEqual(['both', 'disabled', 'guest', 'member']);
    expect(resolved(all).counts.leftOut).toEqual(noneLeftOut);
  });

  it('a phase with waves is the union of the waves, each person once; nested groups are followed', async () => {
    const { directory, audiences, deps } = setUp(2);
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      directory.addUser(TENANT, id, { department: id === 'c' ? 'IT' : 'Sales' });
    directory.addGroup(TENANT, 'g-it', { users: ['a', 'b', 'c'] });
    directory.addGroup(TENANT, 'g-inner', { users: ['d', 'A'] });
    directory.addGroup(TENANT, 'g-outer', { users: ['b', 'c', 'e'], groups: ['g-inner'], nonUsers: 1 });
    const rollout = wavesFor([
      spec({ groups: ['g-it'], filters: { departments: ['IT'] } }),
      spec({ groups: ['g-outer'], members: ['a'] }),
      spec({ groups: ['g-it'] }),
    ]);
    const outcome = await resolveAudience(deps, rollout, 'enterprise');
    expect(await ids(audiences, outcome)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // a and b do not pass wave 1's filter, but are in by wave 3 (and a is listed): not left out.
    expect(resolved(outcome).counts).toMatchObject({
      people: 5,
      byDepartment: { Sales: 4, IT: 1 },
      leftOut: noneLeftOut,
      // g-outer: one non-user and the nested group itself.
      nonUsers: 2,
    });
    // Each group is read once, whatever number of waves names it.
    expect(directory.calls.groupMembers).toBe(2);

    const wave = await resolveAudience(deps, rollout, 'enterprise/w1');
    expect(await ids(audiences, wave)).toEqual(['c']);
    expect(resolved(wave).counts.leftOut).toEqual({ ...noneLeftOut, filtered: 2 });
  });

  it("counts each group's transitive members: users (in or left out) and members that are not users", async () => {
    const { directory, audiences, deps } = setUp(2);
    for (const id of ['a', 'b', 'c']) directory.addUser(TENANT, id, {});
    directory.addUser(TENANT, 'guest', { userType: 'Guest' });
    directory.addGroup(TENANT, 'g-devices', { nonUsers: 5 });
    directory.addGroup(TENANT, 'g-inner', { users: ['c'], nonUsers: 1 });
    directory.addGroup(TENANT, 'g-mixed', { users: ['a', 'b', 'guest'], groups: ['g-inner'], nonUsers: 1 });
    const part = spec({ groups: ['G-Devices', 'g-mixed'], members: ['a'] });
    const outcome = await resolveAudience(deps, pilotFor(part), 'pilot');
    expect(resolved(outcome).counts).toMatchObject({
      people: 3,
      leftOut: { ...noneLeftOut, guest: 1 },
      nonUsers: 8,
      groups: {
        'g-devices': { users: 0, nonUsers: 5 },
        // The guest is a user, left out; g-inner itself is a member that is not a user.
        'g-mixed': { users: 4, nonUsers: 3 },
      },
    });
    // Kept in the snapshot's head.
    expect((await audiences.current(TENANT, 'ro-test', 'pilot'))?.counts.groups).toEqual(
      resolved(outcome).counts.groups,
    );
  });

  it('listed members are always in, looked up for their names, and counted even when the look-up fails', async () => {
    const { directory, audiences, deps } = setUp();
    directory.addUser(
      TENANT,
      'listed-guest',
      { displayName: 'Grace Guest', userType: 'Guest', department: 'Legal' },
      ['macOS'],
    );
    directory.addUser(TENANT, 'in-group', { department: 'Sales' });
    directory.addGroup(TENANT, 'g1', { users: ['in-group', 'listed-guest'] });
    const part = spec({
      groups: ['g1'],
      members: ['LISTED-GUEST', 'nobody-known'],
      filters: { departments: ['Sales'] },
    });
    const outcome = await resolveAudience(deps, pilotFor(part), 'pilot');
    expect(await everyone(audiences, outcome)).toEqual([
      { id: 'in-group', name: 'in-group', department: 'Sales', country: null, platforms: [] },
      { id: 'listed-guest', name: 'Grace Guest', department: 'Legal', country: null, platforms: ['macos'] },
      { id: 'nobody-known', name: 'nobody-known', department: null, country: null, platforms: [] },
    ]);
    expect(resolved(outcome).counts).toMatchObject({
      people: 3,
      byDepartment: { Sales: 1, Legal: 1, unknown: 1 },
      byPlatform: { macos: 1 },
      withoutDevice: 2,
      leftOut: noneLeftOut,
    });
    expect(resolved(outcome).sample).toEqual(['Grace Guest', 'nobody-known', 'in-group']);
    expect(resolved(outcome).warnings).toEqual([
      '1 listed member(s) could not be looked up: counted with unknown attributes',
    ]);

    directory.fail({ method: 'user', error: new DirectoryError('throttled', 'too many requests') });
    const failing = await resolveAudience(deps, pilotFor(spec({ members: ['listed-guest'] })), 'pilot');
    expect(resolved(failing).counts.people).toBe(1);
    expect(resolved(failing).counts.byDepartment).toEqual({ unknown: 1 });
  });

  it('a stage of listed members only is resolved the same way; a stage with no one defined needs no snapshot', async () => {
    const { directory, audiences, deps } = setUp();
    directory.addUser(TENANT, 'm1', { displayName: 'Megan', country: 'US' }, ['iOS']);
    const outcome = await resolveAudience(deps, pilotFor(spec({ members: ['m1'] })), 'pilot');
    expect(resolved(outcome).counts).toMatchObject({
      people: 1,
      byCountry: { US: 1 },
      byPlatform: { ios: 1 },
    });
    expect(resolved(outcome).sample).toEqual(['Megan']);
    expect(directory.calls.groupMembers).toBe(0);

    expect(await resolveAudience(deps, pilotFor(spec()), 'operations')).toEqual({
      ok: false,
      reason: 'no-audience',
      message: 'no audience defined',
    });
    expect(await resolveAudience(deps, pilotFor(spec()), 'no-such-stage')).toMatchObject({
      reason: 'no-audience',
    });
    expect(await audiences.current(TENANT, 'ro-test', 'operations')).toBeNull();
  });

  it('a platform filter keeps people with a managed device of that platform; without any device they are noDevice', async () => {
    const { directory, audiences, deps } = setUp();
    directory.addUser(TENANT, 'ipad', {}, ['iPadOS']);
    directory.addUser(TENANT, 'iphone-and-pc', {}, ['iOS', 'Windows']);
    directory.addUser(TENANT, 'android-work', {}, ['AndroidForWork']);
    directory.addUser(TENANT, 'android-enterprise', {}, ['AndroidEnterprise']);
    directory.addUser(TENANT, 'pc', {}, ['Windows']);
    directory.addUser(TENANT, 'mac', {}, ['macOS']);
    directory.addUser(TENANT, 'none', {}, []);
    directory.addGroup(TENANT, 'g1', {
      users: ['ipad', 'iphone-and-pc', 'android-work', 'android-enterprise', 'pc', 'mac', 'none'],
    });
    const outcome = await resolveAudience(
      deps,
      pilotFor(spec({ groups: ['g1'], filters: { platforms: ['ios', 'android'] } })),
      'pilot',
    );
    expect(await ids(audiences, outcome)).toEqual([
      'android-enterprise',
      'android-work',
      'ipad',
      'iphone-and-pc',
    ]);
    expect(resolved(outcome).counts).toMatchObject({
      people: 4,
      byPlatform: { ios: 2, android: 2, windows: 1 },
      devicesByOs: { iPadOS: 1, iOS: 1, Windows: 1, AndroidForWork: 1, AndroidEnterprise: 1 },
      withoutDevice: 0,
      leftOut: { ...noneLeftOut, filtered: 2, noDevice: 1 },
    });
  });

  it('breakdowns keep the 50 largest values and sum the rest under "other"', async () => {
    const { directory, deps } = setUp();
    const users = Array.from({ length: 120 }, (_, i) => `u${i}`);
    // Department d0 has 61 people, d1 … d59 one each: 60 values.
    users.forEach((id, i) => directory.addUser(TENANT, id, { department: i < 61 ? 'd0' : `d${i - 60}` }));
    directory.addGroup(TENANT, 'g1', { users });
    const counts = resolved(await resolveAudience(deps, pilotFor(spec({ groups: ['g1'] })), 'pilot')).counts;
    expect(Object.keys(counts.byDepartment)).toHaveLength(BREAKDOWN_KEYS);
    expect(counts.byDepartment.d0).toBe(61);
    expect(counts.byDepartment.other).toBe(59 - (BREAKDOWN_KEYS - 2));
    expect(Object.values(counts.byDepartment).reduce((a, b) => a + b, 0)).toBe(120);
    expect(counts.byCountry).toEqual({ unknown: 120 });
  });

  describe('devices', () => {
    it('a small audience reads devices per user as the pages arrive, never the tenant-wide sweep', async () => {
      const { directory, deps } = setUp(100);
      directory.generateGroup(TENANT, 'g1', 300);
      const outcome = await resolveAudience(deps, pilotFor(spec({ groups: ['g1'] })), 'pilot');
      expect(resolved(outcome).counts).toMatchObject({ people: 300, withoutDevice: 30 });
      expect(directory.calls).toMatchObject({ groupMembers: 1, devicesOf: 3, allDevices: 0 });
      expect(directory.batchRequests).toBe(15);
    });

    it('a big audience switches to the sweep past 2,000 people; its refresh sweeps first', async () => {
      const { directory, deps } = setUp(999);
      directory.generateGroup(TENANT, 'g1', 5000);
      const rollout = pilotFor(spec({ groups: ['g1'] }));
      const first = resolved(await resolveAudience(deps, rollout, 'pilot'));
      expect(first.counts).toMatchObject({ people: 5000, withoutDevice: 500, byPlatform: { windows: 4500 } });
      // Pages 1 and 2 (1,998 people) per user, page 3 would pass 2,000: one sweep.
      expect(directory.calls).toMatchObject({ devicesOf: 2, allDevices: 1 });
      expect(directory.batchRequests).toBe(100);

      const refresh = resolved(await resolveAudience(deps, rollout, 'pilot'));
      expect(refresh.counts).toEqual(first.counts);
      expect(directory.calls).toMatchObject({ devicesOf: 2, allDevices: 2 });
    });

    it('devices that cannot be read (403) give counts without devices and a warning', async () => {
      const { directory, audiences, deps } = setUp();
      directory.addUser(TENANT, 'u1', {}, ['Windows']);
      directory.addGroup(TENANT, 'g1', { users: ['u1'] });
      directory.revoke(TENANT, 'DeviceManagementManagedDevices.Read.All');
      const outcome = await resolveAudience(deps, pilotFor(spec({ groups: ['g1'] })), 'pilot');
      expect(resolved(outcome).counts).toMatchObject({
        people: 1,
        withoutDevice: null,
        byPlatform: {},
        devicesByOs: {},
      });
      expect(resolved(outcome).warnings).toEqual([DEVICES_FORBIDDEN]);
      expect(await everyone(audiences, outcome)).toEqual([
        { id: 'u1', name: 'u1', department: null, country: null, platforms: [] },
      ]);
    });

    it('a platform filter with devices unreadable fails the refresh, and the previous snapshot stays', async () => {
      const { directory, audiences, deps } = setUp();
      directory.addUser(TENANT, 'u1', {}, ['Windows']);
      directory.addGroup(TENANT, 'g1', { users: ['u1'] });
      const before = resolved(await resolveAudience(deps, pilotFor(spec({ groups: ['g1'] })), 'pilot'));
      directory.revoke(TENANT, 'DeviceManagementManagedDevices.Read.All');
      const rollout = pilotFor(spec({ groups: ['g1'], filters: { platforms: ['windows'] } }));
      expect(await resolveAudience(deps, rollout, 'pilot')).toEqual({
        ok: false,
        reason: 'failed',
        message: DEVICES_FORBIDDEN,
      });
      expect(await audiences.current(TENANT, 'ro-test', 'pilot')).toEqual(before);
      expect(await currentAudience(deps, rollout, 'pilot')).toEqual({ snapshot: before, stale: true });
    });

    it('devices Graph cannot give for another reason fail the refresh, saying so', async () => {
      const { directory, deps } = setUp();
      directory.addUser(TENANT, 'u1', {});
      directory.addGroup(TENANT, 'g1', { users: ['u1'] });
      directory.fail({ method: 'devicesOf', error: new DirectoryError('unavailable', 'timed out') });
      expect(await resolveAudience(deps, pilotFor(spec({ groups: ['g1'] })), 'pilot')).toEqual({
        ok: false,
        reason: 'failed',
        message: 'devices could not be read: Microsoft Graph did not answer, try again in a few minutes',
      });
    });
  });

  it('a group Graph does not know or may not read fails the refresh, naming the group or the permission', async () => {
    const { directory, deps } = setUp();
    const rollout = pilotFor(spec({ groups: ['g-gone'] }));
    expect(await resolveAudience(deps, rollout, 'pilot')).toEqual({
      ok: false,
      reason: 'failed',
      message: 'the members of group g-gone could not be read: not found',
    });
    directory.addGroup(TENANT, 'g-gone', {});
    directory.revoke(TENANT, 'GroupMember.Read.All');
    expect(await resolveAudience(deps, rollout, 'pilot')).toMatchObject({
      message: 'the members of group g-gone could not be read: GroupMember.Read.All is missing',
    });
  });

  it('a storage failure mid-way is rethrown; the writer is abandoned and the previous snapshot stays', async () => {
    const { directory, audiences, deps, table } = setUp(100);
    directory.generateGroup(TENANT, 'g1', 3000);
    const rollout = pilotFor(spec({ groups: ['g1'] }));
    const previous = resolved(await resolveAudience(deps, rollout, 'pilot'));
    table.failAfter = table.rowsWritten + 1000;
    await expect(resolveAudience(deps, rollout, 'pilot')).rejects.toThrow('storage is down');
    expect(await audiences.current(TENANT, 'ro-test', 'pilot')).toEqual(previous);
    expect(await audiences.prune(TENANT, 'ro-test', 5000)).toBe(1000);
  });

  describe('50,000 members (51 pages of 999)', () => {
    const COUNT = 50_000;
    const rollout = pilotFor(spec({ groups: ['g-all'] }));

    it('stream into the store with the writer buffering less than 100 rows a bucket', async () => {
      const { directory, audiences, deps, table } = setUp(999);
      directory.generateGroup(TENANT, 'g-all', COUNT);
      const outcome = await resolveAudience(deps, rollout, 'pilot');
      expect(resolved(outcome).counts.people).toBe(COUNT);
      expect(directory.memberPages).toBe(51);
      expect(table.rowsWritten).toBe(COUNT);
      expect(audiences.maxBuffered).toBeGreaterThan(0);
      expect(audiences.maxBuffered).toBeLessThan(AUDIENCE_BUCKETS * MAX_TRANSACTION_ACTIONS);
      let read = 0;
      for await (const page of audiences.members(resolved(outcome))) read += page.length;
      expect(read).toBe(COUNT);
    });

    it('a refresh failing on page 30 keeps the previous snapshot current; the partial one is invisible and pruned', async () => {
      const { directory, audiences, deps, table } = setUp(999);
      directory.generateGroup(TENANT, 'g-all', COUNT);
      const previous = resolved(await resolveAudience(deps, rollout, 'pilot'));
      const rowsBefore = table.rowsWritten;
      directory.fail({
        method: 'groupMembers',
        groupId: 'g-all',
        page: 30,
        error: new DirectoryError('throttled', 'too many requests'),
      });
      expect(await resolveAudience(deps, rollout, 'pilot')).toEqual({
        ok: false,
        reason: 'failed',
        message:
          'the members of group g-all could not be read: Microsoft Graph is throttling requests, try again in a few minutes',
      });
      expect(await audiences.current(TENANT, 'ro-test', 'pilot')).toEqual(previous);
      const partial = table.rowsWritten - rowsBefore;
      // Pages 1 to 29 were read: their people written but for what the writer still buffered.
      expect(partial).toBeGreaterThan(29 * 999 - AUDIENCE_BUCKETS * MAX_TRANSACTION_ACTIONS);
      expect(partial).toBeLessThanOrEqual(29 * 999);
      let pruned = 0;
      for (
        let n = await audiences.prune(TENANT, 'ro-test', 5000);
        n > 0;
        n = await audiences.prune(TENANT, 'ro-test', 5000)
      ) {
        pruned += n;
      }
      expect(pruned).toBe(partial);
      expect(await audiences.isMember(previous, MemoryDirectory.generatedId('g-all', COUNT - 1))).toBe(true);
    });
  });
});
