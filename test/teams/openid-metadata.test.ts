import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeKey } from '../support/bot-framework-issuer';
import { MetadataUnavailableError, TimedOpenIdMetadata } from '../../src/teams/openid-metadata';

/** The signing-key cache: one fetch at a time, a time limit, stale keys kept on failure. */
const key = makeKey('k1', ['msteams']);
let server: Server;
let base = '';
let fetches = 0;
let down = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    fetches++;
    if (down) {
      // Not chained: restify (loaded in the same worker) patches writeHead, which then returns nothing.
      res.writeHead(503);
      return void res.end();
    }
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/meta') return void res.end(JSON.stringify({ jwks_uri: `${base}/keys` }));
    res.end(JSON.stringify({ keys: [key.jwk, { kid: 'ec', kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  fetches = 0;
  down = false;
});

describe('TimedOpenIdMetadata', () => {
  it('concurrent look-ups share one refresh; the key comes with its endorsements', async () => {
    const metadata = new TimedOpenIdMetadata(`${base}/meta`, 1000);
    const keys = await Promise.all([metadata.getKey('k1'), metadata.getKey('k1'), metadata.getKey('k1')]);
    expect(fetches).toBe(2); // the metadata and the key set, once
    expect(keys[0]).toEqual({
      key: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/),
      endorsements: ['msteams'],
    });
  });

  it('an unknown or non-RSA key id is null; an unknown one refreshes at most once an hour', async () => {
    let now = 1_000_000_000_000;
    const metadata = new TimedOpenIdMetadata(`${base}/meta`, 1000, () => now);
    expect(await metadata.getKey('ec')).toBeNull();
    expect(await metadata.getKey('nope')).toBeNull();
    expect(fetches).toBe(2);
    now += 61 * 60_000;
    expect(await metadata.getKey('nope')).toBeNull();
    expect(fetches).toBe(4);
  });

  it('with no keys yet, a failure is MetadataUnavailableError, answered at once for 5 s, then tried again', async () => {
    let now = 1_000_000_000_000;
    const metadata = new TimedOpenIdMetadata(`${base}/meta`, 1000, () => now);
    down = true;
    await expect(metadata.getKey('k1')).rejects.toThrow(MetadataUnavailableError);
    expect(fetches).toBe(1);
    down = false;
    now += 4000;
    await expect(metadata.getKey('k1')).rejects.toThrow(/HTTP 503/);
    expect(fetches).toBe(1);
    now += 2000;
    expect(await metadata.getKey('k1')).not.toBeNull();
  });

  it('keys once loaded outlive a failed refresh, without waiting for it', async () => {
    let now = 1_000_000_000_000;
    const metadata = new TimedOpenIdMetadata(`${base}/meta`, 1000, () => now);
    expect(await metadata.getKey('k1')).not.toBeNull();
    down = true;
    now += 25 * 60 * 60_000; // past the daily refresh: it runs in the background and fails
    expect(await metadata.getKey('k1')).not.toBeNull();
    for (let i = 0; fetches < 3 && i < 100; i++) await new Promise((done) => setTimeout(done, 10));
    await new Promise((done) => setTimeout(done, 20));
    // The failed refresh is tried again after a minute, not on every request.
    expect(await metadata.getKey('k1')).not.toBeNull();
    expect(fetches).toBe(3); // two for the load, one refresh
  });
});
