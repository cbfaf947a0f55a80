import { request } from 'node:http';
import { createServer } from 'node:net';
import { AZURITE_ACCOUNT } from './azure-table';

/** Azurite's default Queue and Table ports: left to a developer's own Azurite. */
const AZURITE_DEFAULT_PORTS = [10001, 10002];
/** Pause between two probes of an Azurite that does not answer yet. */
export const POLL_INTERVAL_MS = 50;
export const PROBE_TIMEOUT_MS = 1000;

export const delay = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The address to connect to for a listening host (or an endpoint URL). */
export const connectHost = (hostOrUrl: string): string => {
  let host = hostOrUrl;
  if (/^https?:\/\//i.test(hostOrUrl)) host = new URL(hostOrUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
};

/** A host as written in a URL: IPv6 addresses in brackets. */
export const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** A port the OS says is free now (Azurite's `--tablePort 0` would not tell us which it took). */
export const pickFreePort = async (host: string): Promise<number> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer();
      server.unref();
      server.once('error', fail);
      server.listen(0, host, () => {
        const address = server.address();
        server.close(() =>
          typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port')),
        );
      });
    });
    if (!AZURITE_DEFAULT_PORTS.includes(port)) return port;
  }
  throw new Error('could not find a free port');
};

/** Whether `port` can be listened on at `host` now (a restart's check before reusing its port). */
export const isPortFree = (host: string, port: number): Promise<boolean> =>
  new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => done(true)));
  });

/** One HTTP round trip: true when an Azurite Table (or Queue) service answers (any status; it wants auth). */
export const probeAzurite = (
  host: string,
  port: number,
  timeoutMs = PROBE_TIMEOUT_MS,
  service: 'table' | 'queue' = 'table',
): Promise<boolean> =>
  new Promise((done) => {
    const req = request(
      {
        host,
        port,
        method: 'GET',
        path: service === 'table' ? `/${AZURITE_ACCOUNT}/Tables` : `/${AZURITE_ACCOUNT}?comp=list`,
        agent: false,
        timeout: timeoutMs,
        headers: { connection: 'close' },
      },
      (res) => {
        res.resume();
        done(
          String(res.headers.server ?? '').startsWith(
            service === 'table' ? 'Azurite-Table' : 'Azurite-Queue',
          ),
        );
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => done(false));
    req.end();
  });
