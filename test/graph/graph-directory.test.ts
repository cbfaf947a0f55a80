import { withBudget } from '../../src/app/deadline';
import { DirectoryError } from '../../src/app/errors';
import type { Directory } from '../../src/app/ports';
import { createDirectory, type DirectoryOptions } from '../../src/graph';
import { createCredentialFactory, graphScope } from '../../src/graph/credentials';
import { MAX_RETRIES, MAX_RETRY_AFTER_MS, createGraphClient } from '../../src/graph/graph-client';
import {
  FakeGraph,
  fakeGraphConfig,
  generatedUserId,
  trustingFetch,
  type FakeTenant,
} from '../support/fake-graph';

const TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER_TENANT = 'bbbbbbbb-0000-4000-8000-000000000002';
const BIG = 'b16b16b1-0000-4000-8000-000000000000';
const PARENT = 'a0a0a0a0-0000-4000-8000-000000000000';
const CHILD = 'c0c0c0c0-0000-4000-8000-000000000000';
const APP = 'a9900000-0000-4000-8000-000000000000';

const user = (id: string, displayName: string, more: object = {}) => ({ id, displayName, ...more });

const directoryTenant = (): FakeTenant => ({
  roles: ['User.Read.All', 'GroupMember.Read.All'],
  users: [
    user('u-ada', 'Ada', { department: 'Engineering', usageLocation: 'DE', officeLocation: 'Berlin' }),
    user('u-bob', 'Bob', { userType: 'Guest', accountEnabled: false }),
    user('u-cyd', 'Cyd'),
  ],
  groups: [
    { id: PARENT, displayName: 'Pilot "wave" \\ one', members: ['u-ada', CHILD, 'dev-1'] },
    { id: CHILD, displayName: 'Pilot helpers', members: ['u-bob', 'u-ada'] },
    { id: BIG, displayName: 'Everyone', generated: 2500 },
  ],
  others: [{ id: 'dev-1', type: '#microsoft.graph.device' }],
  devices: [
    { id: 'd1', userId: 'u-ada', operatingSystem: 'Windows' },
    { id: 'd2', userId: 'u-ada', operatingSystem: 'iOS' },
    { id: 'd3', userId: 'u-bob', operatingSystem: 'macOS' },
    { id: 'd4', userId: null, operatingSystem: 'Windows' },
  ],
  apps: { [APP]: [] },
});

let fake: FakeGraph;
let waits: number[];

const directory = (options: DirectoryOptions = {}, config = {}): Directory =>
  createDirectory({ ...fakeGraphConfig(fake), ...config }, undefined, {
    credential: { tlsOptions: { ca: fake.ca } },
    fetch: trustingFetch(fake.ca),
    timing: { wait: async (ms) => void waits.push(ms), now: () => Date.now() },
    ...options,
  }) as Directory;

const collect = async <T>(pages: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
};

const failure = (work: Promise<unknown>): Promise<DirectoryError> =>
  work.then(
    () => {
      throw new Error('expected a DirectoryError');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(DirectoryError);
      return err as DirectoryError;
    },
  );

beforeEach(async () => {
  fake = await new FakeGraph().start();
  fake.tenant(TENANT, directoryTenant());
  waits = [];
});
afterEach(() => fake.stop());

describe('authentication', () => {
  test('the token is attached on GRAPH_BASE_URL’s host (a custom host) and is the fake’s, for the tenant', async () => {
    await directory().user(TENANT, 'u-ada');
    const [call] = fake.callsTo('/users/u-ada');
    expect(call?.headers.authorization).toMatch(/^Bearer ey/);
    expect(fake.tokenRequests).toEqual([
      expect.objectContaining({
        tenant: TENANT,
        form: expect.objectContaining({ scope: `${fake.url}/.default` }),
      }),
    ]);
  });

  test('no token to another host (localhost is the same fake, but not GRAPH_BASE_URL’s host)', async () => {
    const config = fakeGraphConfig(fake);
    const credential = createCredentialFactory(config, { pipeline: { tlsOptions: { ca: fake.ca } } });
    const client = createGraphClient(
      credential!.forTenant(TENANT),
      config.GRAPH_BASE_URL,
      graphScope(config),
      trustingFetch(fake.ca),
    );
    await client.api('/users/u-ada').get();
    await expect(
      client.api(`${fake.url.replace('127.0.0.1', 'localhost')}/v1.0/users/u-bob`).get(),
    ).rejects.toMatchObject({
      statusCode: 401,
    });
    expect(fake.calls.map((c) => [c.path, c.headers.authorization !== undefined])).toEqual([
      ['/v1.0/users/u-ada', true],
      ['/v1.0/users/u-bob', false],
    ]);
  });

  test('a credential per tenant: two tenants, two token requests to two tenant paths; then cached', async () => {
    fake.tenant(OTHER_TENANT, directoryTenant());
    const graph = directory();
    await graph.user(TENANT, 'u-ada');
    await graph.user(OTHER_TENANT, 'u-ada');
    await graph.user(TENANT, 'u-bob');
    expect(fake.tokenRequests.map((r) => r.tenant)).toEqual([TENANT, OTHER_TENANT]);
  });

  test('the cache of tenants is bounded: past maxTenants the least recently used gets a new token', async () => {
    const third = 'cccccccc-0000-4000-8000-000000000003';
    fake.tenant(OTHER_TENANT, directoryTenant()).tenant(third, directoryTenant());
    const graph = directory({ maxTenants: 2 });
    for (const tenant of [TENANT, OTHER_TENANT, third, TENANT]) await graph.user(tenant, 'u-ada');
    expect(fake.tokenRequests.map((r) => r.tenant)).toEqual([TENANT, OTHER_TENANT, third, TENANT]);
  });

  test('a single-tenant bot always uses MicrosoftAppTenantId', async () => {
    const graph = directory({}, { MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT });
    await graph.user(OTHER_TENANT, 'u-ada');
    expect(fake.tokenRequests.map((r) => r.tenant)).toEqual([TENANT]);
  });

  test('grantedPermissions reads the roles claim of the tenant’s token', async () => {
    expect(await directory().grantedPermissions(TENANT)).toEqual(['User.Read.All', 'GroupMember.Read.All']);
  });

  test('a wrong secret: unavailable, with the authority’s reason', async () => {
    const err = await failure(directory({}, { MicrosoftAppPassword: 'wrong' }).user(TENANT, 'u-ada'));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(/AADSTS7000215/);
  });
});

describe('reads', () => {
  test('user: only the used properties are selected; an unknown user is null', async () => {
    const graph = directory();
    expect(await graph.user(TENANT, 'u-ada')).toEqual({
      id: 'u-ada',
      displayName: 'Ada',
      department: 'Engineering',
      country: 'DE',
      officeLocation: 'Berlin',
      userType: 'Member',
      accountEnabled: true,
    });
    expect(fake.calls[0]?.query.get('$select')).toBe(
      'id,displayName,department,usageLocation,officeLocation,userType,accountEnabled',
    );
    expect(await graph.user(TENANT, 'nobody')).toBeNull();
  });

  test('group: its name; an unknown group is null', async () => {
    expect(await directory().group(TENANT, CHILD)).toEqual({ id: CHILD, displayName: 'Pilot helpers' });
    expect(await directory().group(TENANT, 'nope')).toBeNull();
  });

  test('transitive members: users only, nested groups and devices counted as non-users', async () => {
    const pages = await collect(directory().groupMembers(TENANT, PARENT));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.users.map((u) => [u.id, u.userType, u.accountEnabled])).toEqual([
      ['u-ada', 'Member', true],
      ['u-bob', 'Guest', false],
    ]);
    expect(pages[0]?.nonUsers).toBe(2); // the nested group and the device
    expect(fake.calls[0]?.query.get('$top')).toBe('999');
  });

  test('paging through @odata.nextLink: 2,500 generated members in 3 pages of at most 999', async () => {
    const pages = await collect(directory().groupMembers(TENANT, BIG));
    expect(pages.map((p) => p.users.length)).toEqual([999, 999, 502]);
    const ids = new Set(pages.flatMap((p) => p.users.map((u) => u.id)));
    expect(ids.size).toBe(2500);
    expect(ids.has(generatedUserId(BIG, 2499))).toBe(true);
    expect(fake.callsTo('/transitiveMembers')).toHaveLength(3);
  });

  test('50,000 members page through without being made up front', async () => {
    fake.tenants
      .get(TENANT)
      ?.groups?.push({ id: 'f00df00d-0000-4000-8000-000000000000', displayName: 'All', generated: 50_000 });
    let count = 0;
    for await (const page of directory().groupMembers(TENANT, 'f00df00d-0000-4000-8000-000000000000'))
      count += page.users.length;
    expect(count).toBe(50_000);
    expect(fake.callsTo('/transitiveMembers')).toHaveLength(51);
  });

  test('memberGroups: 45 ids are 3 checkMemberGroups calls (20, 20, 5); transitive membership found', async () => {
    const others = Array.from(
      { length: 43 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const found = await directory().memberGroups(TENANT, 'u-bob', [CHILD, ...others, PARENT]);
    expect(found).toEqual(new Set([CHILD, PARENT]));
    expect(
      fake.callsTo('/checkMemberGroups').map((c) => (c.body as { groupIds: string[] }).groupIds.length),
    ).toEqual([20, 20, 5]);
  });

  test('memberGroups: a generated member of a nested group is a member of the parent', async () => {
    fake.tenants.get(TENANT)?.groups?.[0]?.members?.push(BIG);
    const found = await directory().memberGroups(TENANT, generatedUserId(BIG, 7), [PARENT, CHILD, BIG]);
    expect(found).toEqual(new Set([PARENT, BIG]));
  });

  test('devicesOf: $batch of per-user reads, 20 a batch; a user gone (404) has none', async () => {
    const users = ['u-ada', 'u-bob', ...Array.from({ length: 40 }, (_, i) => `gone-${i}`)];
    const devices = await directory().devicesOf(TENANT, users);
    expect(devices).toEqual([
      { userId: 'u-ada', operatingSystem: 'Windows' },
      { userId: 'u-ada', operatingSystem: 'iOS' },
      { userId: 'u-bob', operatingSystem: 'macOS' },
    ]);
    const batches = fake.callsTo('/$batch', false);
    expect(batches.map((b) => (b.body as { requests: unknown[] }).requests.length)).toEqual([20, 20, 2]);
    expect(fake.callsTo('/managedDevices', true)[0]?.query.get('$select')).toBe('userId,operatingSystem');
  });

  test('devicesOf: a read throttled inside the batch is sent again after its Retry-After', async () => {
    fake.fault({ path: '/users/u-bob/managedDevices', status: 429, retryAfter: 2 });
    const devices = await directory().devicesOf(TENANT, ['u-ada', 'u-bob']);
    expect(devices.map((d) => d.operatingSystem)).toEqual(['Windows', 'iOS', 'macOS']);
    expect(waits).toEqual([2000]);
    const second = fake.callsTo('/$batch', false)[1]?.body as { requests: { url: string }[] };
    expect(second.requests.map((r) => r.url)).toEqual([
      '/users/u-bob/managedDevices?$select=userId%2CoperatingSystem',
    ]);
  });

  test('devicesOf: a batch read refused (403) is forbidden naming DeviceManagementManagedDevices.Read.All', async () => {
    fake.fault({ path: '/managedDevices', status: 403, times: Infinity });
    const err = await failure(directory().devicesOf(TENANT, ['u-ada']));
    expect(err).toMatchObject({ kind: 'forbidden', detail: 'DeviceManagementManagedDevices.Read.All' });
  });

  test('allDevices: the tenant-wide sweep pages through managedDevices; devices without a user are left out', async () => {
    const pages = await collect(directory().allDevices(TENANT));
    expect(pages.flat()).toEqual([
      { userId: 'u-ada', operatingSystem: 'Windows' },
      { userId: 'u-ada', operatingSystem: 'iOS' },
      { userId: 'u-bob', operatingSystem: 'macOS' },
    ]);
    expect(fake.calls[0]?.path).toBe('/v1.0/deviceManagement/managedDevices');
    expect(fake.calls[0]?.query.get('$select')).toBe('userId,operatingSystem');
    expect(fake.calls[0]?.query.get('$top')).toBe('999'); // not Graph's default page of 100
  });

  test('searchGroups: ConsistencyLevel eventual, quotes and backslashes escaped', async () => {
    const found = await directory().searchGroups(TENANT, 'wave" \\ one', 5);
    expect(found).toEqual([{ id: PARENT, displayName: 'Pilot "wave" \\ one' }]);
    const [call] = fake.callsTo('/groups');
    expect(call?.headers.consistencylevel).toBe('eventual');
    expect(call?.query.get('$search')).toBe('"displayName:wave\\" \\\\ one"');
    expect(fake.searches).toEqual(['wave" \\ one']);
  });
});

describe('Intune assignments', () => {
  test('assignApp POSTs one assignment to …/assignments (never the assign action); again, nothing new', async () => {
    const graph = directory();
    const created = await graph.assignApp(TENANT, APP, CHILD, 'required');
    expect(created).toMatchObject({ target: 'include', groupId: CHILD, intent: 'required' });
    expect(await graph.assignApp(TENANT, APP, CHILD, 'required')).toEqual(created);
    expect(fake.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([
      `/v1.0/deviceAppManagement/mobileApps/${APP}/assignments`,
    ]);
    expect(await graph.appAssignments(TENANT, APP)).toEqual([created]);
  });

  test('the same group with another intent is invalid; an unknown app is not-found naming it', async () => {
    const graph = directory();
    await graph.assignApp(TENANT, APP, CHILD, 'required');
    expect((await failure(graph.assignApp(TENANT, APP, CHILD, 'available'))).kind).toBe('invalid');
    expect(await failure(graph.appAssignments(TENANT, 'no-app'))).toMatchObject({
      kind: 'not-found',
      detail: 'app no-app',
    });
  });
});

describe('failures', () => {
  test('403: forbidden, naming the permission the call needs', async () => {
    fake.fault({ path: '/transitiveMembers', status: 403 });
    const err = await failure(collect(directory().groupMembers(TENANT, PARENT)));
    expect(err).toMatchObject({ kind: 'forbidden', detail: 'GroupMember.Read.All' });
    expect(err.message).toMatch(/GroupMember\.Read\.All/);
  });

  test('404: not-found, naming the group', async () => {
    const err = await failure(collect(directory().groupMembers(TENANT, 'unknown-group')));
    expect(err).toMatchObject({ kind: 'not-found', detail: 'group unknown-group' });
  });

  test('429 with Retry-After: the wait asked for is the header’s, then the call succeeds', async () => {
    fake.fault({ path: '/users/u-ada', status: 429, retryAfter: 1 });
    expect((await directory().user(TENANT, 'u-ada'))?.displayName).toBe('Ada');
    expect(waits).toEqual([1000]);
    expect(fake.callsTo('/users/u-ada')).toHaveLength(2);
  });

  test('Retry-After is capped', async () => {
    fake.fault({ path: '/users/u-ada', status: 503, retryAfter: 120 });
    await directory().user(TENANT, 'u-ada');
    expect(waits).toEqual([MAX_RETRY_AFTER_MS]);
  });

  test('retries are bounded: throttled after MAX_RETRIES retries', async () => {
    fake.fault({ path: '/users/u-ada', status: 429, retryAfter: 1, times: Infinity });
    const err = await failure(directory().user(TENANT, 'u-ada'));
    expect(err.kind).toBe('throttled');
    expect(fake.callsTo('/users/u-ada')).toHaveLength(MAX_RETRIES + 1);
  });

  test('a page of a sweep failing with 503 twice is retried, and the sweep goes on', async () => {
    fake.fault({ path: `/groups/${BIG}/transitiveMembers`, page: 2, status: 503, times: 2 });
    const pages = await collect(directory().groupMembers(TENANT, BIG));
    expect(pages.map((p) => p.users.length)).toEqual([999, 999, 502]);
    expect(waits).toHaveLength(2);
  });

  test('a Retry-After that does not fit the turn’s time left is not waited for', async () => {
    fake.fault({ path: '/users/u-ada', status: 429, retryAfter: 5 });
    const { done } = withBudget(Date.now() + 2000, () => directory().user(TENANT, 'u-ada'));
    expect((await failure(done)).kind).toBe('throttled');
    expect(waits).toEqual([]);
  });

  test('in a turn with little time left, a call that hangs fails as unavailable in time', async () => {
    const graph = directory();
    await graph.user(TENANT, 'u-ada'); // the token is cached
    fake.fault({ path: '/users/u-bob', status: 200, hang: true });
    const started = Date.now();
    const { done } = withBudget(Date.now() + 600, () => graph.user(TENANT, 'u-bob'));
    expect((await failure(done)).kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('with no time left, nothing is sent', async () => {
    const { done } = withBudget(Date.now() + 100, () => directory().user(TENANT, 'u-ada'));
    expect((await failure(done)).kind).toBe('unavailable');
    expect(fake.calls).toEqual([]);
  });
});
