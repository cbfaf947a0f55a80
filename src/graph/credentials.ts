import {
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import type { Config } from '../config';

/** The settings the Graph credentials are made from (the storage credential is another matter). */
export type GraphAuthConfig = Pick<
  Config,
  | 'GRAPH_AUTH'
  | 'GRAPH_BASE_URL'
  | 'GRAPH_AUTHORITY_HOST'
  | 'GRAPH_MANAGED_IDENTITY_CLIENT_ID'
  | 'MicrosoftAppId'
  | 'MicrosoftAppPassword'
  | 'MicrosoftAppType'
  | 'MicrosoftAppTenantId'
>;

/** At most this many tenants' credentials (each with its token cache) are kept. */
export const MAX_CACHED_TENANTS = 100;

/** The one scope the bot asks Graph tokens for: its application permissions (`<base>/.default`). */
export const graphScope = (config: Pick<Config, 'GRAPH_BASE_URL'>): string =>
  `${config.GRAPH_BASE_URL}/.default`;

/** The credential that gets Graph tokens in a tenant. */
export interface CredentialFactory {
  forTenant(tenantId: string): TokenCredential;
}

export interface CredentialOptions {
  /** Pipeline options of every credential (tests: `tlsOptions` trusting the test CA). */
  pipeline?: TokenCredentialOptions;
  /** Default MAX_CACHED_TENANTS. */
  maxTenants?: number;
}

/**
 * `secret`: one ClientSecretCredential per tenant (the bot's app id and password, the tenant's
 * authority under GRAPH_AUTHORITY_HOST), the least recently used dropped past `maxTenants`; a
 * single-tenant bot always uses MicrosoftAppTenantId. `managed-identity`: one
 * ManagedIdentityCredential (GRAPH_MANAGED_IDENTITY_CLIENT_ID for a user-assigned identity), whose
 * tokens are for the identity's own tenant whatever the tenant asked. Null for `none`.
 */
export const createCredentialFactory = (
  config: GraphAuthConfig,
  options: CredentialOptions = {},
): CredentialFactory | null => {
  if (config.GRAPH_AUTH === 'none') return null;
  if (config.GRAPH_AUTH === 'managed-identity') {
    const credential = new ManagedIdentityCredential({
      ...options.pipeline,
      ...(config.GRAPH_MANAGED_IDENTITY_CLIENT_ID
        ? { clientId: config.GRAPH_MANAGED_IDENTITY_CLIENT_ID }
        : {}),
    });
    return { forTenant: () => credential };
  }
  const { MicrosoftAppId: appId, MicrosoftAppPassword: password } = config;
  if (!appId || !password) throw new Error('GRAPH_AUTH=secret needs MicrosoftAppId and MicrosoftAppPassword');
  const fixedTenant = config.MicrosoftAppType === 'SingleTenant' ? config.MicrosoftAppTenantId : undefined;
  const maxTenants = options.maxTenants ?? MAX_CACHED_TENANTS;
  const cache = new Map<string, TokenCredential>();
  return {
    forTenant(requested) {
      const tenantId = (fixedTenant ?? requested).toLowerCase();
      let credential = cache.get(tenantId);
      if (credential) {
        cache.delete(tenantId); // re-inserted below: the Map's order is the LRU order
      } else {
        credential = new ClientSecretCredential(tenantId, appId, password, {
          ...options.pipeline,
          authorityHost: config.GRAPH_AUTHORITY_HOST,
          disableInstanceDiscovery: true,
        });
      }
      cache.set(tenantId, credential);
      if (cache.size > maxTenants) cache.delete(cache.keys().next().value as string);
      return credential;
    },
  };
};
