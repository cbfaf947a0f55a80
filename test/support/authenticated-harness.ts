import { ADELE } from './activities';
import { BotFrameworkIssuer, invalidAuthorizations, trustTestCa } from './bot-framework-issuer';
import { startHarness, type Harness } from './harness';

/** The bot's app id in authenticated harnesses. */
export const AUTH_APP_ID = '11111111-2222-4333-8444-555555555555';

export interface AuthenticatedHarness extends Harness {
  issuer: BotFrameworkIssuer;
  /** `Bearer <valid channel token>` for an activity sent to `serviceUrl` (default: the fake connector). */
  validAuthorization(serviceUrl?: string): string;
  /** The named headers the bot must refuse with 401 (see invalidAuthorizations). */
  invalidAuthorizations(serviceUrl?: string): [name: string, authorization: string | undefined][];
}

/**
 * startHarness with real Bot Framework authentication: MicrosoftAppId set, a local issuer for the
 * signing keys and the bot's own token (its CA trusted in this process), ADELE an admin. `close()`
 * stops the issuer too.
 */
export const startAuthenticatedHarness = async (
  options: Parameters<typeof startHarness>[0] = {},
): Promise<AuthenticatedHarness> => {
  trustTestCa();
  const issuer = await new BotFrameworkIssuer().start();
  let h: Harness;
  try {
    h = await startHarness({
      ...options,
      env: { ROLLOUT_ADMINS: ADELE.id, ...issuer.env(AUTH_APP_ID), ...options.env },
    });
  } catch (err) {
    await issuer.stop();
    throw err;
  }
  return {
    ...h,
    issuer,
    validAuthorization: (serviceUrl = h.connector.url) => issuer.channelAuth(AUTH_APP_ID, serviceUrl),
    invalidAuthorizations: (serviceUrl = h.connector.url) =>
      invalidAuthorizations(issuer, AUTH_APP_ID, serviceUrl),
    close: async () => {
      await h.close();
      await issuer.stop();
    },
  };
};
