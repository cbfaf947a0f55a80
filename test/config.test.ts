import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_VARIABLES,
  ConfigError,
  checkListening,
  exportLinkSecret,
  isAnonymous,
  loadConfig,
  queueEndpointFor,
} from '../src/config';

const APP_ID = '11111111-2222-4333-8444-555555555555';
const ADMIN = '00000000-0000-4000-8000-0000000000a1';
const LINK_SECRET = 'x7Qv0cS9m2LkP4rT8wZ1yB6nD3fH5jA0';
/** Everything production requires. */
const PRODUCTION = {
  NODE_ENV: 'production',
  MicrosoftAppId: APP_ID,
  MicrosoftAppPassword: 'x',
  ROLLOUT_ADMINS: ADMIN,
  PUBLIC_BASE_URL: 'https://rollout.contoso.com',
  EXPORT_LINK_SECRET: LINK_SECRET,
  STORAGE_TABLE_ENDPOINT: 'https://contoso.table.core.windows.net',
  BOT_DOMAIN: 'rollout.contoso.com',
};

describe('configuration', () => {
  it('has working defaults for a local start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3978,
      LOG_LEVEL: 'info',
      DATA_DIR: './.data',
      TABLE_PREFIX: 'rollout',
      ROLLOUT_ADMINS: [],
      NODE_ENV: 'development',
      MicrosoftAppType: 'MultiTenant',
      PUBLIC_BASE_URL: '',
      EXPORT_LINK_TTL_MINUTES: 10,
    });
    expect(config.EXPORT_LINK_SECRET).toBeUndefined();
    expect(isAnonymous(config)).toBe(true);
  });

  it('reads the scheduler settings, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({
      SCHEDULER: true,
      MARKER_RETENTION_DAYS: 7,
      SIGNOFF_ESCALATE_HOURS: [24, 2],
    });
    expect(
      loadConfig({ SCHEDULER: 'FALSE', MARKER_RETENTION_DAYS: '30', SIGNOFF_ESCALATE_HOURS: '48, 4' }),
    ).toMatchObject({ SCHEDULER: false, MARKER_RETENTION_DAYS: 30, SIGNOFF_ESCALATE_HOURS: [48, 4] });
    expect(loadConfig({ SIGNOFF_ESCALATE_HOURS: 'none' }).SIGNOFF_ESCALATE_HOURS).toEqual([]);
  });

  it('reads Microsoft Graph settings: groups need Graph, a managed identity needs no secret', () => {
    const config = loadConfig({
      GRAPH_AUTH: 'managed-identity',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/',
      ADMIN_GROUP_IDS: `${ADMIN}, ${APP_ID}`,
      INTUNE_ASSIGN: 'true',
    });
    expect(config).toMatchObject({
      GRAPH_AUTH: 'managed-identity',
      GRAPH_BASE_URL: 'https://graph.microsoft.us',
      GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      ADMIN_GROUP_IDS: [ADMIN, APP_ID],
      HELPDESK_GROUP_IDS: [],
      INTUNE_ASSIGN: true,
    });
    expect(loadConfig({}).GRAPH_AUTH).toBe('none');
  });

  it('reads admins as a comma-separated list and treats empty values as unset', () => {
    const config = loadConfig({ ROLLOUT_ADMINS: ` ${ADMIN} ,, `, PORT: '', MicrosoftAppId: '' });
    expect(config.ROLLOUT_ADMINS).toEqual([ADMIN]);
    expect(config.PORT).toBe(3978);
    expect(isAnonymous(config)).toBe(true);
  });

  it.each<[string, Record<string, string>, string]>([
    ['a port that is not a number', { PORT: 'abc' }, 'PORT'],
    ['a port out of range', { PORT: '70000' }, 'PORT'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a table prefix with a dash', { TABLE_PREFIX: 'my-bot' }, 'TABLE_PREFIX'],
    ['an admin id that is not a GUID', { ROLLOUT_ADMINS: 'adele@contoso.com' }, 'ROLLOUT_ADMINS'],
    ['an endpoint that is not a URL', { STORAGE_TABLE_ENDPOINT: 'table storage' }, 'STORAGE_TABLE_ENDPOINT'],
    ['a queue endpoint that is not a URL', { STORAGE_QUEUE_ENDPOINT: 'queue' }, 'STORAGE_QUEUE_ENDPOINT'],
    [
      'a queue endpoint without the table endpoint',
      { STORAGE_QUEUE_ENDPOINT: 'https://contoso.queue.core.windows.net' },
      'STORAGE_QUEUE_ENDPOINT',
    ],
    [
      'a table endpoint the queue endpoint cannot be derived from, and no queue endpoint',
      { STORAGE_TABLE_ENDPOINT: 'https://tables.contoso.com' },
      'STORAGE_QUEUE_ENDPOINT',
    ],
    ['an unknown app type', { MicrosoftAppType: 'Personal' }, 'MicrosoftAppType'],
    ['an app id without a password', { MicrosoftAppId: APP_ID }, 'MicrosoftAppPassword'],
    [
      'a single-tenant bot without its tenant',
      { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', MicrosoftAppType: 'SingleTenant' },
      'MicrosoftAppTenantId',
    ],
    ['production without a bot id', { NODE_ENV: 'production', ROLLOUT_ADMINS: ADMIN }, 'MicrosoftAppId'],
    [
      'production without admins',
      { NODE_ENV: 'production', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x' },
      'ROLLOUT_ADMINS',
    ],
    [
      'Graph by secret with a managed identity as the bot',
      {
        MicrosoftAppId: APP_ID,
        MicrosoftAppType: 'UserAssignedMSI',
        MicrosoftAppTenantId: APP_ID,
        GRAPH_AUTH: 'secret',
      },
      'GRAPH_AUTH',
    ],
    ['Graph by secret without the bot’s secret', { GRAPH_AUTH: 'secret' }, 'GRAPH_AUTH'],
    ['an unknown Graph sign-in', { GRAPH_AUTH: 'certificate' }, 'GRAPH_AUTH'],
    ['a Graph address over http', { GRAPH_BASE_URL: 'http://graph.local' }, 'GRAPH_BASE_URL'],
    ['a token issuer over http', { GRAPH_AUTHORITY_HOST: 'http://login.local' }, 'GRAPH_AUTHORITY_HOST'],
    ['admin groups without Graph', { ADMIN_GROUP_IDS: ADMIN }, 'ADMIN_GROUP_IDS'],
    ['help-desk groups without Graph', { HELPDESK_GROUP_IDS: ADMIN }, 'HELPDESK_GROUP_IDS'],
    ['Intune assignment without Graph', { INTUNE_ASSIGN: 'true' }, 'INTUNE_ASSIGN'],
    ['proactive install without Graph', { PROACTIVE_INSTALL: 'true' }, 'PROACTIVE_INSTALL'],
    ['a tenant rate of zero', { TEAMS_TENANT_RPS: '0' }, 'TEAMS_TENANT_RPS'],
    ['a tenant rate that is not a number', { TEAMS_TENANT_RPS: 'fast' }, 'TEAMS_TENANT_RPS'],
    ['a retention of zero days', { ANNOUNCEMENT_RETENTION_DAYS: '0' }, 'ANNOUNCEMENT_RETENTION_DAYS'],
    ['a marker retention of zero days', { MARKER_RETENTION_DAYS: '0' }, 'MARKER_RETENTION_DAYS'],
    ['a scheduler flag that is not true or false', { SCHEDULER: 'yes' }, 'SCHEDULER'],
    ['escalation hours that are not hours', { SIGNOFF_ESCALATE_HOURS: '24,soon' }, 'SIGNOFF_ESCALATE_HOURS'],
    [
      'a managed identity id that is not a GUID',
      { GRAPH_MANAGED_IDENTITY_CLIENT_ID: 'mi' },
      'GRAPH_MANAGED_IDENTITY_CLIENT_ID',
    ],
    ['a base URL that is not a URL', { PUBLIC_BASE_URL: 'rollout.contoso.com' }, 'PUBLIC_BASE_URL'],
    ['a base URL that is not http(s)', { PUBLIC_BASE_URL: 'ftp://rollout.contoso.com' }, 'PUBLIC_BASE_URL'],
    [
      'a base URL with a trailing slash',
      { PUBLIC_BASE_URL: 'https://rollout.contoso.com/' },
      'PUBLIC_BASE_URL',
    ],
    ['a base URL with a query', { PUBLIC_BASE_URL: 'https://rollout.contoso.com?x=1' }, 'PUBLIC_BASE_URL'],
    ['a base URL with a password', { PUBLIC_BASE_URL: 'https://u:p@rollout.contoso.com' }, 'PUBLIC_BASE_URL'],
    ['production without a base URL', { ...PRODUCTION, PUBLIC_BASE_URL: '' }, 'PUBLIC_BASE_URL'],
    [
      'production with an http base URL',
      { ...PRODUCTION, PUBLIC_BASE_URL: 'http://rollout.contoso.com' },
      'PUBLIC_BASE_URL',
    ],
    ['production without a link secret', { ...PRODUCTION, EXPORT_LINK_SECRET: '' }, 'EXPORT_LINK_SECRET'],
    ['production with the tab on and no BOT_DOMAIN', { ...PRODUCTION, BOT_DOMAIN: '' }, 'BOT_DOMAIN'],
    [
      'production with the tab on, a managed identity and no TAB_APP_ID',
      {
        ...PRODUCTION,
        MicrosoftAppType: 'UserAssignedMSI',
        MicrosoftAppTenantId: ADMIN,
        MicrosoftAppPassword: '',
      },
      'TAB_APP_ID',
    ],
    ['a tab app id that is not a GUID', { TAB_APP_ID: 'tab-app' }, 'TAB_APP_ID'],
    [
      'a tab authority over http off loopback',
      { TAB_AUTHORITY_HOST: 'http://login.contoso.com' },
      'TAB_AUTHORITY_HOST',
    ],
    [
      'a local tab tenant that is neither local nor a GUID',
      { TAB_LOCAL_TENANT_ID: 'contoso' },
      'TAB_LOCAL_TENANT_ID',
    ],
    [
      'production on the embedded store without saying it is accepted',
      { ...PRODUCTION, STORAGE_TABLE_ENDPOINT: '' },
      'ALLOW_EMBEDDED_STORAGE',
    ],
    ['a yes/no flag that is neither', { ALLOW_EMBEDDED_STORAGE: 'yes' }, 'ALLOW_EMBEDDED_STORAGE'],
    ['a tenant allow-list that is not GUIDs', { ALLOWED_TENANT_IDS: 'contoso.com' }, 'ALLOWED_TENANT_IDS'],
    [
      'an OpenID metadata URL that is not a URL',
      { ToBotFromChannelOpenIdMetadataUrl: 'x' },
      'ToBotFromChannelOpenIdMetadataUrl',
    ],
    ['a save interval under 50 ms', { AZURITE_SAVE_INTERVAL_MS: '10' }, 'AZURITE_SAVE_INTERVAL_MS'],
    ['a link secret under 32 characters', { EXPORT_LINK_SECRET: 'x'.repeat(31) }, 'EXPORT_LINK_SECRET'],
    ['a link lifetime of 0 minutes', { EXPORT_LINK_TTL_MINUTES: '0' }, 'EXPORT_LINK_TTL_MINUTES'],
    ['a link lifetime over a day', { EXPORT_LINK_TTL_MINUTES: '1441' }, 'EXPORT_LINK_TTL_MINUTES'],
    ['a link lifetime in fractions', { EXPORT_LINK_TTL_MINUTES: '2.5' }, 'EXPORT_LINK_TTL_MINUTES'],
    ['a link lifetime that is not a number', { EXPORT_LINK_TTL_MINUTES: 'ten' }, 'EXPORT_LINK_TTL_MINUTES'],
  ])('refuses %s, naming the variable', (_name, env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('never echoes a secret in the error', () => {
    expect(() => loadConfig({ STORAGE_CONNECTION_STRING: 'AccountKey=s3cret', PORT: 'x' })).toThrow(/PORT/);
    try {
      loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: '' });
    } catch (err) {
      expect(String(err)).not.toContain('s3cret');
    }
  });

  it('never echoes the link secret in the error', () => {
    expect(() => loadConfig({ EXPORT_LINK_SECRET: 'short-s3cret' })).toThrow(/EXPORT_LINK_SECRET/);
    expect(() => loadConfig({ EXPORT_LINK_SECRET: 'short-s3cret' })).not.toThrow(/s3cret/);
  });

  it('takes production without BOT_DOMAIN when the tab is off, and a loopback http tab authority', () => {
    expect(loadConfig({ ...PRODUCTION, BOT_DOMAIN: '', TABS: 'false' }).TABS).toBe(false);
    expect(loadConfig({ TAB_AUTHORITY_HOST: 'http://127.0.0.1:4000/' }).TAB_AUTHORITY_HOST).toBe(
      'http://127.0.0.1:4000',
    );
    expect(loadConfig({}).TAB_LOCAL_TENANT_ID).toBe('local');
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig(PRODUCTION);
    expect(isAnonymous(config)).toBe(false);
    expect(exportLinkSecret(config)).toEqual({ secret: LINK_SECRET, generated: false });
  });

  it.each([
    [
      { STORAGE_TABLE_ENDPOINT: 'https://contoso.table.core.windows.net' },
      'https://contoso.queue.core.windows.net',
    ],
    [
      { STORAGE_TABLE_ENDPOINT: 'https://contoso.table.core.usgovcloudapi.net/' },
      'https://contoso.queue.core.usgovcloudapi.net',
    ],
    [
      {
        STORAGE_TABLE_ENDPOINT: 'https://tables.contoso.com',
        STORAGE_QUEUE_ENDPOINT: 'https://queues.contoso.com',
      },
      'https://queues.contoso.com',
    ],
    [{}, undefined],
  ])('the queue endpoint for %j is %s', (env, endpoint) => {
    expect(queueEndpointFor(loadConfig(env))).toBe(endpoint);
  });

  it('accepts the embedded store in production only when ALLOW_EMBEDDED_STORAGE says so', () => {
    const config = loadConfig({ ...PRODUCTION, STORAGE_TABLE_ENDPOINT: '', ALLOW_EMBEDDED_STORAGE: 'true' });
    expect(config.ALLOW_EMBEDDED_STORAGE).toBe(true);
    expect(loadConfig({}).ALLOW_EMBEDDED_STORAGE).toBe(false);
  });

  it.each([
    ['127.0.0.1', {}, true],
    ['::1', {}, true],
    ['localhost', {}, true],
    ['0.0.0.0', {}, false],
    ['0.0.0.0', { ALLOW_ANONYMOUS_REMOTE: 'true' }, true],
    ['0.0.0.0', { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x' }, true],
  ])('anonymous listening on %s (%j): allowed %s', (host, env, allowed) => {
    const config = loadConfig({ HOST: host, ...env });
    if (allowed) expect(() => checkListening(config)).not.toThrow();
    else expect(() => checkListening(config)).toThrow(/ALLOW_ANONYMOUS_REMOTE/);
  });

  it.each([
    ['http://localhost:3978', 'http://localhost:3978'],
    ['https://rollout.contoso.com', 'https://rollout.contoso.com'],
    ['https://contoso.com/rollout-bot', 'https://contoso.com/rollout-bot'],
    [' https://rollout.contoso.com ', 'https://rollout.contoso.com'],
  ])('takes %j as the public base URL', (given, read) => {
    expect(loadConfig({ PUBLIC_BASE_URL: given }).PUBLIC_BASE_URL).toBe(read);
  });

  it.each([
    ['1', 1],
    ['1440', 1440],
    [' 30 ', 30],
  ])('takes a link lifetime of %j minutes', (given, minutes) => {
    expect(loadConfig({ EXPORT_LINK_TTL_MINUTES: given }).EXPORT_LINK_TTL_MINUTES).toBe(minutes);
  });

  it('outside production, an unset link secret is a random one, the same for the whole process', () => {
    const first = exportLinkSecret(loadConfig({}));
    expect(first.generated).toBe(true);
    expect(Buffer.from(first.secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(exportLinkSecret(loadConfig({ NODE_ENV: 'test' }))).toEqual(first);
    expect(exportLinkSecret(loadConfig({ EXPORT_LINK_SECRET: LINK_SECRET }))).toEqual({
      secret: LINK_SECRET,
      generated: false,
    });
  });

  it('in production, never makes up a link secret (even for a config not read by loadConfig)', () => {
    const config = { ...loadConfig(PRODUCTION), EXPORT_LINK_SECRET: undefined };
    expect(() => exportLinkSecret(config)).toThrow(ConfigError);
  });
});

describe('.env.example', () => {
  const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
  const documented = [...example.matchAll(/^([A-Za-z_]+)=/gm)].map((m) => m[1]);
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

  it('documents every variable the bot reads, and nothing else', () => {
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('is itself a valid configuration (copying it to .env starts the bot)', () => {
    const env = Object.fromEntries([...example.matchAll(/^([A-Za-z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('every variable is in the README configuration table', () => {
    for (const name of CONFIG_VARIABLES)
      expect([name, readme.includes(`| \`${name}\``)]).toEqual([name, true]);
  });
});
