import type { TokenCredentialOptions } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Directory, Log } from '../app/ports';
import type { Config } from '../config';
import { createCredentialFactory, graphScope, type GraphAuthConfig } from './credentials';
import { createGraphClient, realTiming, type CallTiming } from './graph-client';
import { GraphDirectory } from './graph-directory';

export {
  checkGraphPermissions,
  graphFeatures,
  missingPermissions,
  type GraphFeature,
  type PermissionCheck,
} from './permissions';

/** Seams for tests: the transport (trusting a test CA), the retry wait and the clock. */
export interface DirectoryOptions {
  /** Pipeline options of the credentials (e.g. `tlsOptions`). */
  credential?: TokenCredentialOptions;
  /** What sends Graph's requests (default: the global fetch). */
  fetch?: typeof fetch;
  timing?: CallTiming;
  /** Tenants whose credentials are kept (default MAX_CACHED_TENANTS). */
  maxTenants?: number;
}

/**
 * The Directory over Microsoft Graph for GRAPH_AUTH `secret` or `managed-identity`; null for
 * `none`. One Graph client per credential (so per tenant with `secret`), made on first use.
 */
export const createDirectory = (
  config: GraphAuthConfig & Pick<Config, 'INTUNE_ASSIGN'>,
  log?: Log,
  options: DirectoryOptions = {},
): Directory | null => {
  const credentials = createCredentialFactory(config, {
    ...(options.credential ? { pipeline: options.credential } : {}),
    ...(options.maxTenants ? { maxTenants: options.maxTenants } : {}),
  });
  if (!credentials) return null;
  const scope = graphScope(config);
  const clients = new WeakMap<object, Client>();
  const graph = {
    scope,
    credential: (tenantId: string) => credentials.forTenant(tenantId),
    client(tenantId: string): Client {
      const credential = credentials.forTenant(tenantId);
      let client = clients.get(credential);
      if (!client) {
        client = createGraphClient(credential, config.GRAPH_BASE_URL, scope, options.fetch);
        clients.set(credential, client);
      }
      return client;
    },
  };
  return new GraphDirectory(graph, options.timing ?? realTiming, log);
};
