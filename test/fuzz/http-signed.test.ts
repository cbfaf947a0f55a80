import fc from 'fast-check';
import { TENANT } from '../support/activities';
import {
  BotFrameworkIssuer,
  invalidAuthorizations,
  signJwt,
  trustTestCa,
  type Claims,
} from '../support/bot-framework-issuer';
import {
  ADMIN,
  hostileActivity,
  hostileJson,
  hostileText,
  type FuzzWorld,
  type Json,
} from './support/arbitraries';
import { fuzzConfig, replayHint, runsOf } from './support/fuzz-config';
import { ProcessWatch, snapshotPrototypes, startFuzzHarness, type FuzzHarness } from './support/fuzz-harness';
import { postChecked, type CaseContext } from './support/properties';
import { describeInput, explore, report } from './support/runner';
import { seedWorld } from './support/world';

/**
 * A slice with Bot Framework authentication on (a local OpenID metadata / key set and token
 * endpoint: test/support/bot-framework-issuer.ts): hostile activities, each with a valid channel
 * token for its serviceUrl, one of the named invalid ones, a fuzzed token, or none. An invalid
 * token is refused with 401 and changes nothing; a valid one gets the anonymous slice's properties.
 */
const config = fuzzConfig();
const FILE = 'test/fuzz/http-signed.test.ts';
const APP_ID = '11111111-2222-4333-8444-555555555555';
let issuer: BotFrameworkIssuer;
let h: FuzzHarness;
let world: FuzzWorld;
let ctx: CaseContext;
const watch = new ProcessWatch();

trustTestCa();

beforeAll(async () => {
  console.log(replayHint(config, FILE));
  watch.start();
  issuer = await new BotFrameworkIssuer().start();
  h = await startFuzzHarness({
    store: config.store,
    env: { ...issuer.env(APP_ID), ROLLOUT_ADMINS: ADMIN.id, ALLOWED_TENANT_IDS: TENANT },
  });
  // Seeding signs each of its requests with a valid token.
  const post = h.post;
  h.post = (activity, headers = {}) => {
    const serviceUrl = (activity as { serviceUrl?: unknown } | null)?.serviceUrl;
    const auth = typeof serviceUrl === 'string' ? issuer.channelAuth(APP_ID, serviceUrl) : '';
    return post(activity, { Authorization: auth, ...headers });
  };
  world = await seedWorld(h);
  h.post = post;
  ctx = { h, watch, prototypes: snapshotPrototypes(), store: config.store, allowedTenant: TENANT };
}, 120_000);

afterAll(async () => {
  await h?.close();
  await issuer?.stop();
  watch.stop();
});

type Token =
  | { kind: 'valid' }
  | { kind: 'named'; index: number }
  | { kind: 'claims'; claims: Record<string, Json> }
  | { kind: 'raw'; header: string };

const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Token>({ kind: 'valid' }) },
  { weight: 3, arbitrary: fc.nat().map((index): Token => ({ kind: 'named', index })) },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(
        fc.constantFrom('serviceurl', 'aud', 'iss', 'exp', 'nbf', 'appid', 'azp', 'ver', '__proto__', 'tid'),
        hostileJson(2),
        { maxKeys: 3 },
      )
      .map((claims): Token => ({ kind: 'claims', claims })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        hostileText(4),
        fc.constantFrom('Bearer', 'Bearer  ', 'bearer x.y.z', 'Bearer a.b', 'Bearer ..', 'Bearer a.b.c.d'),
        hostileText(3).map((t) => `Bearer ${Buffer.from(t).toString('base64url')}.e30.`),
      )
      .map((header): Token => ({ kind: 'raw', header })),
  },
);

const authorizationFor = (token: Token, activity: Record<string, unknown>): string | undefined => {
  const serviceUrl = typeof activity.serviceUrl === 'string' ? activity.serviceUrl : world.serviceUrl;
  if (token.kind === 'valid') return issuer.channelAuth(APP_ID, serviceUrl);
  if (token.kind === 'named') {
    const named = invalidAuthorizations(issuer, APP_ID, serviceUrl);
    return named[token.index % named.length]?.[1];
  }
  if (token.kind === 'claims') {
    const claims: Claims = { ...issuer.channelClaims(APP_ID, serviceUrl), ...token.claims };
    return `Bearer ${signJwt(claims, { key: issuer.channelKey })}`;
  }
  // A raw header must be one HTTP can carry (no control characters, Latin-1 only).
  return /^[\x20-\x7e]*$/.test(token.header) ? token.header : 'Bearer not-latin1';
};

/**
 * A token that must be taken: the issuer's own, for an activity on msteams (the channel's key is
 * endorsed for msteams only) whose serviceUrl it names. Fuzzed claims may be refused or taken.
 */
const mustBeTaken = (token: Token, activity: Record<string, unknown>): boolean =>
  token.kind === 'valid' && activity.channelId === 'msteams' && typeof activity.serviceUrl === 'string';

const runs = runsOf(config, 200);
it(
  `${runs} hostile activities with valid, invalid and fuzzed tokens: 401 and nothing changed unless the token is valid`,
  async () => {
    const found = await explore(
      config,
      fc.tuple(hostileActivity(world), tokenArb),
      runs,
      async ([activity, token]) => {
        h.reset();
        const authorization = authorizationFor(token, activity);
        const { res, failures } = await postChecked(
          ctx,
          activity,
          authorization === undefined ? {} : { Authorization: authorization },
        );
        // 401, or an earlier 4xx of the edge (413 oversized, 400 malformed): never accepted.
        if (token.kind === 'named' && !(res.status >= 400 && res.status < 500)) {
          failures.push(`an invalid token was answered ${res.status}, not 401`);
        }
        if (token.kind === 'named' && h.connector.calls.length > 0)
          failures.push('an invalid token got a reply');
        if (mustBeTaken(token, activity) && res.status === 401)
          failures.push(`a valid token was refused: ${res.text.slice(0, 200)}`);
        return failures;
      },
      ([activity, token]) =>
        describeInput({
          token:
            token.kind === 'named'
              ? invalidAuthorizations(issuer, APP_ID, world.serviceUrl)[
                  token.index % invalidAuthorizations(issuer, APP_ID, world.serviceUrl).length
                ]?.[0]
              : token,
          activity,
        }),
    );
    expect(report('signed tokens', config, found)).toBe('');
  },
  60_000 + runs * 200,
);
