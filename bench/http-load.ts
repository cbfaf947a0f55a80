import { Agent, request } from 'node:http';
import { forEachLimited } from './stats';

export interface LoadOptions {
  /** Where to POST (e.g. http://127.0.0.1:PORT/api/messages). */
  url: string;
  /** Requests in flight at once (one keep-alive connection each). */
  concurrency: number;
  /** Request `first` … `first + count - 1`; `body(n)` is the JSON sent as request `n`. */
  first: number;
  count: number;
  body: (n: number) => string;
  /** Null when the response is what a successful request answers, else why not. */
  check: (status: number, text: string) => string | null;
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** Milliseconds from sending each request to the end of its response. */
  latencies: number[];
  /** Failed requests by reason. */
  failures: Map<string, number>;
}

const post = (agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/** POSTs `count` requests from `concurrency` workers over keep-alive connections; times each. */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.url);
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const fail = (reason: string): void => void failures.set(reason, (failures.get(reason) ?? 0) + 1);
  const started = performance.now();
  try {
    await forEachLimited(options.count, options.concurrency, async (i) => {
      const body = options.body(options.first + i);
      const sent = performance.now();
      try {
        const res = await post(agent, url, body);
        latencies.push(performance.now() - sent);
        const problem = options.check(res.status, res.text);
        if (problem) fail(problem);
      } catch (err) {
        fail(`network: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    return { requests: options.count, elapsedMs: performance.now() - started, latencies, failures };
  } finally {
    agent.destroy();
  }
};

export const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * What an answered Action.Execute looks like: HTTP 200 whose body is an invoke response of
 * statusCode 200 carrying a card (a refusal is statusCode 200 too, but with a message).
 */
export const checkInvokeCard = (status: number, text: string): string | null => {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 160)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP 200, not JSON: ${text.slice(0, 160)}`;
  }
  const { statusCode, type, value } = (body ?? {}) as {
    statusCode?: unknown;
    type?: unknown;
    value?: unknown;
  };
  if (statusCode !== 200) return `invoke statusCode ${String(statusCode)}: ${JSON.stringify(value)}`;
  if (type !== CARD_TYPE) return `invoke 200 without a card (${String(type)}): ${JSON.stringify(value)}`;
  return null;
};
