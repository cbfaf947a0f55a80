import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A counting HTTP proxy in front of one Azurite service: the bot is pointed at it (its
 * connection string names the proxy's port), every request is passed on unchanged (Shared Key
 * signatures cover the path, not the host) and counted by what it does. The cheapest honest way
 * to count a process's storage calls from outside: the SDKs' retries are calls too, and a
 * transaction is one call however many rows it holds (its rows are counted apart).
 */

/** What a call does, by service: e.g. `table get`, `table query`, `table batch`, `queue receive`. */
export type CallKind = string;

export interface ProxyCounts {
  /** Calls by kind. */
  calls: Record<CallKind, number>;
  /** Answers by status class and code (`2xx`, `404`, `409`, `412`, `5xx`…). */
  statuses: Record<string, number>;
  /** Operations inside table transactions ($batch change sets), counted from the body. */
  batchOperations: number;
}

/** A table call's kind from its method and path (`/<account>/<Table>(PartitionKey='…',RowKey='…')`…). */
export const tableCallKind = (method: string, path: string): CallKind => {
  const resource = decodeURIComponent(path.split('?')[0] ?? '')
    .split('/')
    .slice(2)
    .join('/');
  if (resource === '$batch') return 'table batch';
  if (/^Tables(\(|$)/.test(resource)) return 'table admin';
  const point = /\(PartitionKey=.*RowKey=.*\)$/.test(resource);
  switch (method) {
    case 'GET':
      return point ? 'table get' : 'table query';
    case 'POST':
      return 'table insert';
    case 'PUT':
    case 'MERGE':
    case 'PATCH':
      return 'table update';
    case 'DELETE':
      return 'table delete';
    default:
      return `table ${method.toLowerCase()}`;
  }
};

/** A queue call's kind (`/<account>/<queue>/messages[/<id>]`, `/<account>/<queue>?comp=metadata`…). */
export const queueCallKind = (method: string, path: string): CallKind => {
  const [pathname = '', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  if (parts[2] === 'messages') {
    const one = parts.length > 3;
    if (method === 'GET') return query.includes('peekonly=true') ? 'queue peek' : 'queue receive';
    if (method === 'POST') return 'queue send';
    if (method === 'PUT' && one) return 'queue update';
    if (method === 'DELETE') return one ? 'queue delete' : 'queue clear';
  }
  if (query.includes('comp=metadata')) return 'queue properties';
  if (method === 'PUT') return 'queue create';
  return `queue ${method.toLowerCase()}`;
};

export interface CountingProxy {
  /** The proxy's base, e.g. `http://127.0.0.1:41236` (append `/<account>` for an endpoint). */
  origin: string;
  counts(): ProxyCounts;
  /** Counting from zero again (the seeding's calls are not the bot's). */
  reset(): void;
  stop(): Promise<void>;
}

const add = (record: Record<string, number>, key: string, n = 1): void => {
  record[key] = (record[key] ?? 0) + n;
};

/** Operations in a $batch body: one `HTTP/1.1` request line each inside its change set. */
const batchOperations = (chunks: Buffer[]): number =>
  (
    Buffer.concat(chunks)
      .toString('latin1')
      .match(/^(GET|POST|PUT|MERGE|PATCH|DELETE) \S+ HTTP\/1\.1/gm) ?? []
  ).length;

/** Starts a proxy on a free port of 127.0.0.1 passing every request on to `target` (`http://host:port`). */
export const startCountingProxy = async (
  target: string,
  kindOf: (method: string, path: string) => CallKind,
): Promise<CountingProxy> => {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let counts: ProxyCounts = { calls: {}, statuses: {}, batchOperations: 0 };
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const kind = kindOf(method, path);
    add(counts.calls, kind);
    const body: Buffer[] = [];
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path,
        headers: { ...req.headers, host: upstream.host },
        agent,
      },
      (answer) => {
        const status = answer.statusCode ?? 0;
        add(counts.statuses, status >= 500 ? '5xx' : status < 300 ? '2xx' : String(status));
        res.writeHead(status, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (err) => {
      add(counts.statuses, 'no answer');
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.on('data', (chunk: Buffer) => {
      if (kind === 'table batch') body.push(chunk);
    });
    req.on('end', () => {
      if (kind === 'table batch') counts.batchOperations += batchOperations(body);
    });
    req.pipe(out);
  };
  const server: Server = createServer(forward);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    counts: () => structuredClone(counts),
    reset: () => {
      counts = { calls: {}, statuses: {}, batchOperations: 0 };
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
};
