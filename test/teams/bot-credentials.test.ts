import { MsalAppCredentials } from 'botframework-connector';
import { loadConfig } from '../../src/config';
import { BotCredentialsFactory } from '../../src/teams/bot-credentials';

const APP_ID = '33333333-4444-4555-8666-777777777777';
const TENANT = '44444444-5555-4666-8777-888888888888';
const PUBLIC = 'https://login.microsoftonline.com/botframework.com';
const GOV = 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us';

const factory = (env: Record<string, string> = {}) =>
  new BotCredentialsFactory(
    loadConfig({ NODE_ENV: 'test', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'pw-not-real', ...env }),
  );

/** The MSAL configuration behind a credential (what MSAL will talk to). */
const msalAuth = async (
  f: BotCredentialsFactory,
  loginUrl: string,
  validateAuthority = true,
): Promise<{ authority: string; knownAuthorities: string[] }> => {
  const credentials = await f.createCredentials(
    APP_ID,
    'https://api.botframework.com',
    loginUrl,
    validateAuthority,
  );
  expect(credentials).toBeInstanceOf(MsalAppCredentials);
  const client = (
    credentials as unknown as { clientApplication: { config: { auth: Record<string, unknown> } } }
  ).clientApplication;
  const { authority, knownAuthorities } = client.config.auth;
  return { authority: String(authority), knownAuthorities: knownAuthorities as string[] };
};

describe('the bot’s own credentials', () => {
  it.each([
    ['the public cloud', {}, PUBLIC, true, { authority: PUBLIC, knownAuthorities: [] }],
    [
      'a SingleTenant app on the public cloud (its own tenant)',
      { MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT },
      PUBLIC,
      true,
      { authority: `https://login.microsoftonline.com/${TENANT}`, knownAuthorities: [] },
    ],
    ['Azure Government', {}, GOV, true, { authority: GOV, knownAuthorities: ['login.microsoftonline.us'] }],
    [
      'a private authority (host and port known)',
      {},
      'https://127.0.0.1:8443/botframework.com/',
      true,
      { authority: 'https://127.0.0.1:8443/botframework.com', knownAuthorities: ['127.0.0.1:8443'] },
    ],
    [
      'ValidateAuthority=false on the public cloud',
      {},
      PUBLIC,
      false,
      { authority: PUBLIC, knownAuthorities: ['login.microsoftonline.com'] },
    ],
  ])('%s', async (_name, env, loginUrl, validateAuthority, expected) => {
    expect(await msalAuth(factory(env), loginUrl, validateAuthority)).toEqual(expected);
  });

  it('one credential per authority and scope (tokens are cached, not fetched per turn)', async () => {
    const f = factory();
    const a = await f.createCredentials(APP_ID, 'https://api.botframework.com', PUBLIC, true);
    expect(await f.createCredentials(APP_ID, 'https://api.botframework.com', PUBLIC, true)).toBe(a);
    expect(await f.createCredentials(APP_ID, 'https://other.scope', PUBLIC, true)).not.toBe(a);
  });

  it('refuses another app id, is disabled without an app id, and never serialises the secret', async () => {
    await expect(factory().createCredentials('someone-else', undefined, PUBLIC, true)).rejects.toThrow(
      'Invalid appId.',
    );
    const anonymous = new BotCredentialsFactory(loadConfig({ NODE_ENV: 'test' }));
    expect(await anonymous.isAuthenticationDisabled()).toBe(true);
    expect(await anonymous.createCredentials('', undefined, PUBLIC, true)).toBe(MsalAppCredentials.Empty);
    expect(JSON.stringify(factory())).not.toContain('pw-not-real');
  });
});
