import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCredentialFactory, graphScope } from '../../src/graph/credentials';
import { FakeGraph, fakeGraphConfig, trustingFetch } from '../support/fake-graph';

/** The fake's responses have the keys of Microsoft's documented examples (test/fixtures/graph). */

const TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const GROUP = 'a0a0a0a0-0000-4000-8000-000000000000';
const NESTED = 'c0c0c0c0-0000-4000-8000-000000000000';
const APP = 'a9900000-0000-4000-8000-000000000000';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'graph', `${name}.json`), 'utf8'));

/** The keys of objects, recursively (values are not compared); an array is the set of its elements' shapes. */
const shape = (value: unknown): unknown => {
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(shape(v))))].sort();
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k])]),
    );
  return true;
};

let fake: FakeGraph;
let send: (path: string, init?: RequestInit) => Promise<{ status: number; body: unknown }>;

beforeAll(async () => {
  fake = await new FakeGraph().start();
  fake.tenant(TENANT, {
    roles: [],
    users: [
      { id: 'u-ada', displayName: 'Ada', department: 'Retail', usageLocation: 'US' },
      { id: 'u-bob', displayName: 'Bob' },
    ],
    groups: [
      { id: GROUP, displayName: 'HR Taskforce', members: ['u-ada', NESTED] },
      { id: NESTED, displayName: 'Retail managers', members: ['u-bob'] },
    ],
    devices: [
      { id: 'd1', userId: 'u-ada', operatingSystem: 'Windows' },
      { id: 'd2', userId: 'u-bob', operatingSystem: 'iOS' },
    ],
    apps: { [APP]: [] },
  });
  const config = fakeGraphConfig(fake);
  const credential = createCredentialFactory(config, {
    pipeline: { tlsOptions: { ca: fake.ca } },
  })?.forTenant(TENANT);
  const token = (await credential?.getToken(graphScope(config)))?.token;
  const fetch = trustingFetch(fake.ca);
  send = async (path, init = {}) => {
    const response = await fetch(`${fake.url}/v1.0${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
    });
    return { status: response.status, body: await response.json() };
  };
});
afterAll(() => fake.stop());

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers,
});
const select = '$select=id,displayName,department,usageLocation,officeLocation,userType,accountEnabled';

test.each<[string, string, RequestInit]>([
  ['transitive-members-page', `/groups/${GROUP}/transitiveMembers?${select}&$top=2`, {}],
  ['user', `/users/u-ada?${select}`, {}],
  ['group', `/groups/${GROUP}?$select=id,displayName`, {}],
  ['check-member-groups', '/users/u-bob/checkMemberGroups', post({ groupIds: [GROUP] })],
  ['managed-devices-page', '/deviceManagement/managedDevices?$select=userId,operatingSystem&$top=1', {}],
  [
    'search-groups',
    '/groups?$search=%22displayName:HR%22&$select=id,displayName',
    { headers: { ConsistencyLevel: 'eventual' } },
  ],
  [
    'app-assignment',
    `/deviceAppManagement/mobileApps/${APP}/assignments`,
    post({
      '@odata.type': '#microsoft.graph.mobileAppAssignment',
      intent: 'required',
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: GROUP },
      settings: null,
    }),
  ],
  ['error-404', '/groups/unknown/transitiveMembers', {}],
])('%s', async (name, path, init) => {
  const { status, body } = await send(path, init);
  expect(status).toBeLessThan(name.startsWith('error') ? 500 : 300);
  expect(shape(body)).toEqual(shape(fixture(name)));
});

test('$batch, with a throttled read inside', async () => {
  fake.fault({ path: '/users/u-bob/managedDevices', status: 429, retryAfter: 3 });
  const { body } = await send(
    '/$batch',
    post({
      requests: ['u-ada', 'u-bob'].map((id, i) => ({
        id: String(i),
        method: 'GET',
        url: `/users/${id}/managedDevices?$select=userId,operatingSystem`,
      })),
    }),
  );
  expect(shape(body)).toEqual(shape(fixture('batch-response')));
});

test.each([403, 429])('error %i', async (status) => {
  fake.fault({ path: '/users/u-ada', status });
  const response = await send('/users/u-ada');
  expect(response.status).toBe(status);
  expect(shape(response.body)).toEqual(shape(fixture(`error-${status}`)));
});

test('Graph’s limits: a $batch of 21, checkMemberGroups of 21 ids and $search without ConsistencyLevel are 400', async () => {
  const ids = Array.from({ length: 21 }, (_, i) => String(i));
  const batch = await send(
    '/$batch',
    post({ requests: ids.map((id) => ({ id, method: 'GET', url: '/users/u-ada' })) }),
  );
  const check = await send('/users/u-ada/checkMemberGroups', post({ groupIds: ids }));
  const search = await send('/groups?$search=%22displayName:HR%22');
  expect([batch.status, check.status, search.status]).toEqual([400, 400, 400]);
});

test('a token the fake did not issue, or an expired one, is 401 InvalidAuthenticationToken', async () => {
  const forged = await trustingFetch(fake.ca)(`${fake.url}/v1.0/users/u-ada`, {
    headers: { Authorization: 'Bearer a.b.c' },
  });
  expect(forged.status).toBe(401);
  const now = fake.now;
  fake.now = () => Date.now() + 2 * 3600_000;
  try {
    const expired = await send('/users/u-ada');
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  } finally {
    fake.now = now;
  }
});
