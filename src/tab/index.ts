/**
 * The dashboard tab on the bot's server (TABS): its pages and its JSON API, with the sign-in the
 * deployment has. With MicrosoftAppId, every API request carries a Teams SSO token validated here
 * (TabTokenValidator). Without it (the anonymous local bot) the tab works on loopback only, as the
 * bot does, for the tenant TAB_LOCAL_TENANT_ID, and the page says it is in local mode.
 */
import type { Server } from 'restify';
import type { Deps, Log } from '../app/ports';
import { isAnonymous, isLoopbackHost, tabAppIdOf, type Config } from '../config';
import type { InFlight } from '../in-flight';
import { TabTokenValidator } from './entra-token';
import { localIdentity, registerTabApi, type TabIdentify } from './tab-api';
import { registerTabPages } from './tab-pages';

/** The metadata and key fetch of a tenant's first token (then cached) has this long. */
const KEYS_TIMEOUT_MS = 3_000;

export const NO_SIGN_IN =
  'The dashboard needs sign-in: this bot has no MicrosoftAppId and does not listen on loopback.';

/** How the tab's requests are identified under this configuration. */
export const tabIdentify = (config: Config): TabIdentify => {
  if (isAnonymous(config)) {
    if (isLoopbackHost(config.HOST)) return localIdentity(config.TAB_LOCAL_TENANT_ID);
    return {
      mode: 'sso',
      identify: async () => ({ ok: false, status: 401, code: 'SignInUnavailable', message: NO_SIGN_IN }),
    };
  }
  const validator = new TabTokenValidator({
    appId: tabAppIdOf(config) ?? '',
    botDomain: config.BOT_DOMAIN ?? null,
    allowedTenants: config.ALLOWED_TENANT_IDS.map((id) => id.toLowerCase()),
    homeTenantId:
      config.MicrosoftAppType === 'MultiTenant' ? null : (config.MicrosoftAppTenantId?.toLowerCase() ?? null),
    authorityHost: config.TAB_AUTHORITY_HOST,
    timeoutMs: KEYS_TIMEOUT_MS,
  });
  return { mode: 'sso', identify: (authorization) => validator.validate(authorization) };
};

export const mountTab = (
  server: Server,
  options: { config: Config; deps: Deps; inFlight: InFlight; log: Log; directory?: string },
): void => {
  if (!options.config.TABS) return;
  registerTabPages(server, options.directory);
  registerTabApi(server, {
    deps: options.deps,
    auth: tabIdentify(options.config),
    inFlight: options.inFlight,
    log: options.log,
  });
};
