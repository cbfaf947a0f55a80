import { DirectoryError } from '../../src/app/errors';
import type { Directory } from '../../src/app/ports';
import { createDirectory, graphFeatures, missingPermissions } from '../../src/graph';
import { FakeGraph, fakeGraphConfig, trustingFetch, type FakeTenant } from '../support/fake-graph';

/** Proactive install over Graph: the catalog lookup and the per-user installation. */

const TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const EXTERNAL = '3f1d7c52-0000-4000-8000-00000000e001';
const CATALOG_ID = 'c47a1060-0000-4000-8000-0000000000c1';
const ADA = 'ada00000-0000-4000-8000-000000000001';
const PERMISSIONS = ['User.Read.All', 'AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All'];

const tenant = (roles = PERMISSIONS): FakeTenant => ({
  roles,
  users: [{ id: ADA, displayName: 'Ada' }],
  teamsApps: [
    {
      id: 'st0re000-0000-4000-8000-000000000000',
      externalId: 'other',
      displayName: 'Other',
      distributionMethod: 'store',
    },
    {
      id: CATALOG_ID,
      externalId: EXTERNAL,
      displayName: 'Rollout Coordinator',
      distributionMethod: 'organization',
    },
  ],
});

/** The DirectoryError a call failed with (it must fail). */
const refusal = (work: Promise<unknown>): Promise<DirectoryError> =>
  work.then(
    () => {
      throw new Error('expected a DirectoryError');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(DirectoryError);
      return err as DirectoryError;
    },
  );

let fake: FakeGraph;
let waits: number[];

const directory = (): Directory =>
  createDirectory(fakeGraphConfig(fake), undefined, {
    credential: { tlsOptions: { ca: fake.ca } },
    fetch: trustingFetch(fake.ca),
    timing: { wait: async (ms) => void waits.push(ms), now: () => Date.now() },
  }) as Directory;

beforeEach(async () => {
  fake = await new FakeGraph().start();
  waits = [];
});
afterEach(() => fake.stop());

describe('teamsAppId', () => {
  it('finds the app by the manifest id (externalId) with one filtered read', async () => {
    fake.tenant(TENANT, tenant());
    await expect(directory().teamsAppId(TENANT, EXTERNAL.toUpperCase())).resolves.toBe(CATALOG_ID);
    const calls = fake.callsTo('/appCatalogs/teamsApps');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.query.get('$filter')).toBe(`externalId eq '${EXTERNAL.toUpperCase()}'`);
  });

  it('is null when the catalog does not have it; a quote in the id is escaped, not injected', async () => {
    fake.tenant(TENANT, tenant());
    await expect(directory().teamsAppId(TENANT, "x' or externalId eq 'other")).resolves.toBeNull();
  });

  it('without AppCatalog.Read.All: forbidden, naming the permission', async () => {
    fake.tenant(TENANT, tenant(['User.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All']));
    const err = await refusal(directory().teamsAppId(TENANT, EXTERNAL));
    expect(err.kind).toBe('forbidden');
    expect(err.message).toContain('AppCatalog.Read.All');
  });
});

describe('installForUser', () => {
  it('installs with the documented bind, then answers already (409) without a second installation', async () => {
    fake.tenant(TENANT, tenant());
    const graph = directory();
    await expect(graph.installForUser(TENANT, ADA, CATALOG_ID)).resolves.toBe('installed');
    await expect(graph.installForUser(TENANT, ADA, CATALOG_ID)).resolves.toBe('already');
    expect(fake.installs).toEqual([{ tenantId: TENANT, userId: ADA, teamsAppId: CATALOG_ID }]);
    const [first] = fake.callsTo(`/users/${ADA}/teamwork/installedApps`);
    expect(first?.body).toEqual({
      'teamsApp@odata.bind': `${fake.url}/v1.0/appCatalogs/teamsApps/${CATALOG_ID}`,
    });
  });

  it('without the installation permission: forbidden, naming it; an unknown user: not-found', async () => {
    fake.tenant(TENANT, tenant(['User.Read.All', 'AppCatalog.Read.All']));
    const forbidden = await refusal(directory().installForUser(TENANT, ADA, CATALOG_ID));
    expect([forbidden.kind, forbidden.message]).toEqual([
      'forbidden',
      expect.stringContaining('TeamsAppInstallation.ReadWriteSelfForUser.All'),
    ]);
    fake.tenant(TENANT, tenant());
    const missing = await refusal(directory().installForUser(TENANT, 'nobody', CATALOG_ID));
    expect(missing.kind).toBe('not-found');
    expect(fake.installs).toEqual([]);
  });

  it('a throttled installation is retried after Retry-After', async () => {
    fake
      .tenant(TENANT, tenant())
      .fault({ method: 'POST', path: '/teamwork/installedApps', status: 429, retryAfter: 2 });
    await expect(directory().installForUser(TENANT, ADA, CATALOG_ID)).resolves.toBe('installed');
    expect(waits).toEqual([2000]);
  });
});

describe('the proactive-install feature', () => {
  it('is on with PROACTIVE_INSTALL and names both permissions when they are missing', () => {
    const features = graphFeatures({ GRAPH_AUTH: 'secret', INTUNE_ASSIGN: false, PROACTIVE_INSTALL: true });
    expect(features).toContain('proactive-install');
    expect(
      graphFeatures({ GRAPH_AUTH: 'secret', INTUNE_ASSIGN: false, PROACTIVE_INSTALL: false }),
    ).not.toContain('proactive-install');
    const check = missingPermissions(['proactive-install'], ['TeamsAppInstallation.ReadWriteForUser.All']);
    expect(check.missing).toEqual(['AppCatalog.Read.All']);
    expect(check.message).toContain('PROACTIVE_INSTALL');
  });
});
