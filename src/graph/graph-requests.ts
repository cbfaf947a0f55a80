import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { DirectoryError } from '../app/errors';
import { runCall, type CallInfo, type CallTiming } from './graph-client';

/** What the directory needs per tenant: its Graph client and the credential behind it. */
export interface TenantGraph {
  client(tenantId: string): Client;
  credential(tenantId: string): TokenCredential;
  scope: string;
}

/** A Graph path with its query; values are encoded (the client puts them in the URL as given). */
export const path = (base: string, query: Record<string, string | number> = {}): string => {
  const pairs = Object.entries(query).map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
  return pairs.length ? `${base}?${pairs.join('&')}` : base;
};
export const seg = encodeURIComponent;

/**
 * `$search` text: inside the double-quoted clause, `"` and `\` are escaped with a backslash
 * (Graph's rule for `$search`); the whole value is URL-encoded by `path`.
 */
export const searchClause = (property: string, text: string): string =>
  `"${property}:${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** Graph requests in a tenant, each through `runCall` (deadline, bounded retries, DirectoryError). */
export class GraphRequests {
  constructor(
    private readonly graph: TenantGraph,
    private readonly timing: CallTiming,
  ) {}

  private call<T>(
    tenantId: string,
    info: CallInfo,
    attempt: (client: Client, signal: AbortSignal) => Promise<T>,
  ) {
    return runCall(info, (signal) => attempt(this.graph.client(tenantId), signal), this.timing);
  }

  get<T>(tenantId: string, info: CallInfo, url: string, headers: Record<string, string> = {}) {
    return this.call<T>(
      tenantId,
      info,
      (client, signal) => client.api(url).headers(headers).option('signal', signal).get() as Promise<T>,
    );
  }

  post<T>(tenantId: string, info: CallInfo, url: string, body: unknown) {
    return this.call<T>(
      tenantId,
      info,
      (client, signal) => client.api(url).option('signal', signal).post(body) as Promise<T>,
    );
  }

  /** A read whose 404 is an answer (null), not an error. */
  async getOrNull<T>(tenantId: string, info: CallInfo, url: string): Promise<T | null> {
    try {
      return await this.get<T>(tenantId, info, url);
    } catch (err) {
      if (err instanceof DirectoryError && err.kind === 'not-found') return null;
      throw err;
    }
  }

  async *pages<T>(tenantId: string, info: CallInfo, first: string): AsyncIterable<T[]> {
    for (let url: string | undefined = first; url;) {
      const page: GraphPage<T> = await this.get<GraphPage<T>>(tenantId, info, url);
      yield page.value;
      url = page['@odata.nextLink'];
    }
  }
}
