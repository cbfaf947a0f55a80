import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, isAnonymous, loadConfig } from '../src/config';

const APP_ID = '11111111-2222-4333-8444-555555555555';
const ADMIN = '00000000-0000-4000-8000-0000000000a1';

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
    });
    expect(isAnonymous(config)).toBe(true);
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

  it('accepts a complete production configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'x',
      ROLLOUT_ADMINS: ADMIN,
    });
    expect(isAnonymous(config)).toBe(false);
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
