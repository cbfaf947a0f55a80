import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { LIMITS } from '../../src/http/limits';
import { message } from '../support/activities';
import { ADMIN, hostileText } from './support/arbitraries';
import { fuzzConfig, replayHint, runsOf } from './support/fuzz-config';
import {
  ProcessWatch,
  snapshotPrototypes,
  startFuzzHarness,
  type FuzzHarness,
  type RawRequest,
} from './support/fuzz-harness';
import { before, checkRefused, type CaseContext } from './support/properties';
import { describeInput, explore, report } from './support/runner';

/**
 * Bodies that never become an activity: compressed (415: Teams never compresses, and restify's
 * gunzip once ended the process), over the size limit with and without Content-Length (413),
 * not JSON (400), JSON that is not an object (400), and other media types (415). Each must be
 * refused with its status, store nothing, send nothing, log no error, and leave the process up.
 */
const config = fuzzConfig();
const FILE = 'test/fuzz/http-bodies.test.ts';
let h: FuzzHarness;
let ctx: CaseContext;
const watch = new ProcessWatch();

beforeAll(async () => {
  console.log(replayHint(config, FILE));
  watch.start();
  h = await startFuzzHarness({ store: config.store });
  ctx = { h, watch, prototypes: snapshotPrototypes(), store: config.store };
}, 120_000);

afterAll(async () => {
  await h?.close();
  watch.stop();
});

const activityJson = (text = 'status'): string =>
  JSON.stringify(message(text, { serviceUrl: h.connector.url, from: ADMIN, scope: 'personal' }));

interface BodyCase {
  kind: string;
  request: RawRequest;
  expected: readonly number[];
  /** False when Node's HTTP parser refuses the request (a bare 400) before the server sees it. */
  errorBody?: boolean;
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

const ENCODINGS = [
  'gzip',
  'deflate',
  'br',
  'GZIP',
  ' gzip',
  'x-gzip',
  'compress',
  'zstd',
  'gzip, deflate',
  'identity, gzip',
  'bogus',
];
const compress = (encoding: string, body: Buffer): Buffer => {
  const e = encoding.trim().toLowerCase();
  if (e.includes('gzip')) return gzipSync(body);
  if (e === 'deflate') return deflateSync(body);
  if (e === 'br') return brotliCompressSync(body);
  return deflateRawSync(body);
};

/** Compressed bodies: real compressed activities, garbage, truncated streams, zip bombs. */
const compressed: fc.Arbitrary<BodyCase> = fc
  .record({
    encoding: fc.constantFrom(...ENCODINGS),
    body: fc.oneof(
      fc.constant('activity'),
      fc.constant('bomb'),
      bytes(64).map((b) => b.toString('base64')),
      fc.constant('truncated'),
      fc.constant('empty'),
    ),
    chunked: fc.boolean(),
  })
  .map(({ encoding, body, chunked }) => {
    let payload: Buffer;
    if (body === 'activity') payload = compress(encoding, Buffer.from(activityJson()));
    else if (body === 'bomb') payload = compress(encoding, Buffer.alloc(20 * 1024 * 1024, 0x20));
    else if (body === 'truncated') payload = compress(encoding, Buffer.from(activityJson())).subarray(0, 12);
    else if (body === 'empty') payload = Buffer.alloc(0);
    else payload = Buffer.from(body, 'base64');
    return {
      kind: `Content-Encoding ${encoding} (${body})`,
      request: {
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        body: payload,
        chunked,
      },
      expected: [415],
    };
  });

/** Bodies over the limit: refused unread when Content-Length says so, else cut off at the limit. */
const oversized: fc.Arbitrary<BodyCase> = fc
  .record({
    over: fc.constantFrom(1, 1024, 512 * 1024, 4 * 1024 * 1024),
    how: fc.constantFrom('content-length', 'chunked', 'declared-only'),
    json: fc.boolean(),
  })
  .map(({ over, how, json }) => {
    const size = LIMITS.bodyBytes + over;
    const body = json
      ? Buffer.from(activityJson(`rollout new ${'x'.repeat(size)}`))
      : Buffer.alloc(size, 0x7b);
    const request: RawRequest =
      how === 'declared-only'
        ? {
            headers: { 'Content-Type': 'application/json', 'Content-Length': String(size) },
            headersOnly: true,
          }
        : { headers: { 'Content-Type': 'application/json' }, body, chunked: how === 'chunked' };
    return { kind: `${size} bytes (${how})`, request, expected: [413] };
  });

/** Odd Content-Length headers: not a number, negative, huge, with spaces. */
const badLength: fc.Arbitrary<BodyCase> = fc
  .constantFrom(
    '99999999999999999999',
    '1e9',
    '0x10',
    String(Number.MAX_SAFE_INTEGER),
    String(LIMITS.bodyBytes + 1),
  )
  .map((length) => ({
    kind: `Content-Length ${length}`,
    request: { headers: { 'Content-Type': 'application/json', 'Content-Length': length }, headersOnly: true },
    expected: [400, 413],
    errorBody: false,
  }));

/** Text that is not JSON: truncated activities, garbage, lone surrogates, BOMs, JSON5-isms. */
const notJson: fc.Arbitrary<BodyCase> = fc
  .oneof(
    fc.integer({ min: 1, max: 400 }).map((n) => activityJson().slice(0, n)),
    hostileText(6).filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return t.trim() !== '';
      }
    }),
    fc.constantFrom(
      '{',
      '}',
      '{"type":"message",}',
      "{'type':'message'}",
      '{"a":1}{"b":2}',
      'NaN',
      '\uFEFF{}',
      '{"a":"\\ud800"',
      '[1,2',
      '{"__proto__":',
    ),
    bytes(200)
      .map((b) => b.toString('latin1'))
      .filter((t) => {
        try {
          JSON.parse(t);
          return false;
        } catch {
          return t.trim() !== '';
        }
      }),
  )
  .map((text) => ({
    kind: 'not JSON',
    request: { headers: { 'Content-Type': 'application/json' }, body: text },
    expected: [400],
  }));

/** JSON that is not an activity object: scalars, arrays, null, an empty object. */
const notObject: fc.Arbitrary<BodyCase> = fc
  .oneof(
    fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
    fc.constantFrom<unknown>({}, [], [{ type: 'message' }], '"message"', 0, -0, 1e308, true, null),
  )
  .map((value) => ({
    kind: 'JSON, not an activity',
    request: { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) },
    expected: [400],
  }));

/** Other media types with an activity inside. */
const otherTypes: fc.Arbitrary<BodyCase> = fc
  .constantFrom(
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/jsonx',
    'text/json',
  )
  .map((type) => ({
    kind: `Content-Type ${type}`,
    request: { headers: { 'Content-Type': type }, body: activityJson() },
    expected: [400, 415],
  }));

const bodyCases = (compressedBodies: boolean): fc.Arbitrary<BodyCase> =>
  fc.oneof(
    ...(compressedBodies ? [{ weight: 3, arbitrary: compressed }] : []),
    { weight: 1, arbitrary: oversized },
    { weight: 1, arbitrary: badLength },
    { weight: 3, arbitrary: notJson },
    { weight: 2, arbitrary: notObject },
    { weight: 1, arbitrary: otherTypes },
  );

const runs = runsOf(config, 250);
it(
  `${runs} bodies that are compressed${config.compressed ? '' : ' (OFF: FUZZ_COMPRESSED=0)'}, oversized, not JSON or not an object are refused with their 4xx and change nothing`,
  async () => {
    const found = await explore(
      config,
      bodyCases(config.compressed),
      runs,
      async (c) => {
        const b = before(ctx);
        const res = await h.request(c.request);
        await h.server.settled();
        const failures = checkRefused(ctx, res, b, c.expected, c.errorBody ?? true);
        if (failures.length > 0) {
          const health = await h.request({ method: 'GET', path: '/healthz' });
          if (health.status !== 200)
            failures.push(`the server no longer answers /healthz (${health.status})`);
        }
        return failures.map((f) => `${c.kind}: ${f}`);
      },
      (c) =>
        describeInput({
          kind: c.kind,
          headers: c.request.headers,
          chunked: c.request.chunked ?? false,
          headersOnly: c.request.headersOnly ?? false,
          body:
            c.request.body === undefined
              ? null
              : Buffer.from(c.request.body).subarray(0, 300).toString('latin1'),
          bodyBytes: c.request.body === undefined ? 0 : Buffer.byteLength(c.request.body),
        }),
    );
    expect((await h.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
    expect(report('hostile bodies', config, found)).toBe('');
  },
  60_000 + runs * 200,
);
