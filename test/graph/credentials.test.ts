import { createServer } from 'node:http';
import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { createDirectory } from '../../src/graph';
import { createCredentialFactory } from '../../src/graph/credentials';
import { closeServer, json, listenLocally } from '../support/bot-framework-issuer';
import { FakeGraph, fakeGraphConfig } from '../support/fake-graph';

const CLIENT_ID = '12345678-1234-4234-8234-123456789012';
const fake = new FakeGraph(); // its settings only: nothing here is sent to it

test('GRAPH_AUTH=none: no credentials and no directory', () => {
  const config = { ...fakeGraphConfig(fake), GRAPH_AUTH: 'none' as const };
  expect(createCredentialFactory(config)).toBeNull();
  expect(createDirectory(config)).toBeNull();
});

test('secret: a ClientSecretCredential per tenant, the same one while cached', () => {
  const credentials = createCredentialFactory(fakeGraphConfig(fake));
  const a = credentials?.forTenant('tenant-a');
  expect(a).toBeInstanceOf(ClientSecretCredential);
  expect(credentials?.forTenant('TENANT-A')).toBe(a);
  expect(credentials?.forTenant('tenant-b')).not.toBe(a);
});

describe('managed identity', () => {
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
  afterEach(() => {
    for (const [name, value] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('one ManagedIdentityCredential with GRAPH_MANAGED_IDENTITY_CLIENT_ID, for every tenant (an App Service identity endpoint stands in)', async () => {
    const requests: URL[] = [];
    const roles = ['User.Read.All', 'GroupMember.Read.All'];
    const endpoint = createServer((req, res) => {
      requests.push(new URL(req.url ?? '/', 'http://localhost'));
      if (req.headers['x-identity-header'] !== 'identity-secret')
        return json(res, 401, { error: 'no header' });
      const payload = Buffer.from(JSON.stringify({ roles })).toString('base64url');
      json(res, 200, {
        access_token: `e30.${payload}.sig`,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: 'https://graph.microsoft.com',
        token_type: 'Bearer',
      });
    });
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${await listenLocally(endpoint)}/msi/token`;
    process.env.IDENTITY_HEADER = 'identity-secret';
    try {
      const config = {
        ...fakeGraphConfig(fake),
        GRAPH_AUTH: 'managed-identity' as const,
        GRAPH_BASE_URL: 'https://graph.microsoft.com',
        GRAPH_MANAGED_IDENTITY_CLIENT_ID: CLIENT_ID,
      };
      const credentials = createCredentialFactory(config);
      expect(credentials?.forTenant('tenant-a')).toBeInstanceOf(ManagedIdentityCredential);
      expect(credentials?.forTenant('tenant-b')).toBe(credentials?.forTenant('tenant-a'));
      const directory = createDirectory(config);
      expect(await directory?.grantedPermissions('tenant-a')).toEqual(roles);
      expect(
        requests.map((url) => [url.searchParams.get('client_id'), url.searchParams.get('resource')]),
      ).toEqual([[CLIENT_ID, 'https://graph.microsoft.com']]);
    } finally {
      await closeServer(endpoint);
    }
  });
});
