import { createRequire } from 'node:module';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import {
  AuthenticationConstants,
  GovernmentConstants,
  MsalAppCredentials,
  type ServiceClientCredentials,
  type ServiceClientCredentialsFactory,
} from 'botframework-connector';
import type { Config } from '../config';

/** What MsalAppCredentials calls on its MSAL client (its confidential client application). */
interface MsalClient {
  acquireTokenByClientCredential(request: { scopes: string[]; skipCache?: boolean }): Promise<unknown>;
}
interface MsalModule {
  ConfidentialClientApplication: new (configuration: {
    auth: { clientId: string; clientSecret: string; authority: string; knownAuthorities: string[] };
  }) => MsalClient;
}

/**
 * botframework-connector's own copy of MSAL (@azure/msal-node 2.x, the version MsalAppCredentials is
 * built and tested with; the copy at the top of node_modules is @azure/identity's, a newer major).
 */
const msal = createRequire(require.resolve('botframework-connector'))('@azure/msal-node') as MsalModule;

/** The public cloud's login host: MSAL knows its metadata without asking anyone. */
const PUBLIC_LOGIN_HOST = new URL(AuthenticationConstants.ToChannelFromBotLoginUrlPrefix).host;
const CLOUD_PREFIXES = [
  AuthenticationConstants.ToChannelFromBotLoginUrlPrefix,
  GovernmentConstants.ToChannelFromBotLoginUrlPrefix,
];

/**
 * The credentials the bot gets its own token with (client secret, MSAL), for any authority.
 *
 * The SDK's factory builds MSAL without `knownAuthorities`: for an authority other than the public
 * cloud's, MSAL first asks the public instance-discovery endpoint whether the host is a real Entra
 * instance, which fails for a national cloud's or a private authority offline (and is not what
 * ToChannelFromBotLoginUrl asks for). Here the configured authority's host is a known authority, so
 * MSAL reads that host's own OpenID metadata and token endpoint and nothing else. SingleTenant bots
 * get their token from their own tenant on the same cloud, as the SDK does. ValidateAuthority=false
 * makes even the public cloud's host a known authority (MSAL has no other switch for it).
 * UserAssignedMSI is left to the SDK (managed identity has no authority to configure).
 *
 * One MSAL client per authority and one credential per authority and scope: tokens are cached by
 * the SDK (per app and scope, renewed 5 minutes before they expire), not fetched per turn.
 */
export class BotCredentialsFactory implements ServiceClientCredentialsFactory {
  private readonly clients = new Map<string, MsalClient>();
  private readonly credentials = new Map<string, MsalAppCredentials>();
  private readonly managed: ServiceClientCredentialsFactory | null;

  constructor(private readonly config: Config) {
    this.managed =
      config.MicrosoftAppType === 'UserAssignedMSI'
        ? new ConfigurationServiceClientCredentialFactory({
            MicrosoftAppId: config.MicrosoftAppId ?? '',
            MicrosoftAppType: config.MicrosoftAppType,
            MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
          })
        : null;
  }

  /** Never serialises the secret (the SDK's factories do the same). */
  toJSON(): Record<string, unknown> {
    return { name: 'BotCredentialsFactory', appId: this.config.MicrosoftAppId ?? '' };
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return !!this.config.MicrosoftAppId && appId === this.config.MicrosoftAppId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return !this.config.MicrosoftAppId;
  }

  async createCredentials(
    appId: string,
    audience: string | undefined,
    loginEndpoint: string,
    validateAuthority: boolean,
  ): Promise<ServiceClientCredentials> {
    if (await this.isAuthenticationDisabled()) return MsalAppCredentials.Empty;
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    if (this.managed)
      return this.managed.createCredentials(appId, audience, loginEndpoint, validateAuthority);
    const authority = this.authority(loginEndpoint);
    const scope = audience || AuthenticationConstants.ToChannelFromBotOAuthScope;
    // ValidateAuthority=false: the host is trusted as configured even on the public cloud.
    const trustHost = !validateAuthority;
    const key = `${authority} ${scope} ${trustHost}`;
    let credentials = this.credentials.get(key);
    if (!credentials) {
      // MsalAppCredentials is typed against its own MSAL's class; the client is that class's instance.
      const client = this.client(authority, trustHost);
      credentials = new MsalAppCredentials(client as never, appId, authority, scope);
      this.credentials.set(key, credentials);
    }
    return credentials;
  }

  /** The authority: a SingleTenant bot's own tenant on a known cloud, else the login URL as given. */
  private authority(loginEndpoint: string): string {
    const endpoint = loginEndpoint.replace(/\/+$/, '');
    const prefix = CLOUD_PREFIXES.find((p) => endpoint.toLowerCase().startsWith(p));
    if (prefix && this.config.MicrosoftAppType === 'SingleTenant' && this.config.MicrosoftAppTenantId) {
      return `${prefix}${this.config.MicrosoftAppTenantId}`;
    }
    return endpoint;
  }

  private client(authority: string, trustHost: boolean): MsalClient {
    let client = this.clients.get(`${authority} ${trustHost}`);
    if (!client) {
      const host = new URL(authority).host.toLowerCase();
      client = new msal.ConfidentialClientApplication({
        auth: {
          clientId: this.config.MicrosoftAppId ?? '',
          clientSecret: this.config.MicrosoftAppPassword ?? '',
          authority,
          knownAuthorities: host === PUBLIC_LOGIN_HOST && !trustHost ? [] : [host],
        },
      });
      this.clients.set(`${authority} ${trustHost}`, client);
    }
    return client;
  }
}
