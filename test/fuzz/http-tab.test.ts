import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { AUDIT_KINDS } from '../../src/domain/events';
import { MAX_RESOLUTION_NOTE_LENGTH } from '../../src/domain/feedback';
import type { DashboardResponse, RolloutsResponse } from '../../src/tab/api-types';
import { tabDirectory } from '../../src/tab/tab-pages';
import { message, TENANT } from '../support/activities';
import { BotFrameworkIssuer, signJwt, trustTestCa } from '../support/bot-framework-issuer';
import { EntraIssuer } from '../support/entra-issuer';
import type { Harness } from '../support/harness';
import { ANSWER, seedRollout } from '../support/tab-world';
import {
  ADMIN,
  hostileJson,
  hostileString,
  hostileText,
  POISON_KEYS,
  type Json,
} from './support/arbitraries';
import { fuzzConfig, replayHint, runsOf } from './support/fuzz-config';
import {
  ProcessWatch,
  prototypeChanges,
  snapshotPrototypes,
  startFuzzHarness,
  type FuzzHarness,
  type PrototypeSnapshot,
  type RawRequest,
  type RawResponse,
} from './support/fuzz-harness';
import { describeInput, explore, report } from './support/runner';

/**
 * The dashboard tab's HTTP API and pages (src/tab) through the real server: in the anonymous
 * loopback configuration (local mode: no token, the person `local-user` in TAB_LOCAL_TENANT_ID,
 * set to the fixtures' tenant; no ROLLOUT_ADMINS, so the local user is an admin and reaches the
 * admin-only routes), hostile rollout ids, audit and lookup queries, issue and feedback bodies;
 * well-formed feedback PUTs repeated with their Idempotency-Key; random asset names; and, with
 * MicrosoftAppId (Teams SSO tokens signed by a local Entra ID stand-in), hostile Authorization
 * headers. Each case starts from the same seeded rollout (the pilot, three answers) on the
 * in-memory table. Every case: an answer within its time, the process up, no error-level log,
 * prototypes unchanged; every /api/tab answer is JSON (`{ error: { code, message } }` for a
 * refusal, the documented shape for a 200) with `Cache-Control: no-store`, never a 500; a refusal
 * stores nothing.
 */
const config = fuzzConfig();
const FILE = 'test/fuzz/http-tab.test.ts';
const OTHER_TENANT = '72f988bf-0000-4000-8000-000000000002';
/** A refusal of the API (api-types.ts); 503 only when the real store is slow or down. */
const REFUSALS = [400, 401, 403, 404, 409, 413, 415];
/** The longest a tab request may take (its write deadline, with room for a busy runner). */
const BUDGET_MS = 10_000;

const watch = new ProcessWatch();

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const nonEmpty = (v: unknown): boolean => isString(v) && v.trim().length > 0;

interface Ctx {
  h: FuzzHarness;
  prototypes: PrototypeSnapshot;
}

/** What every request must satisfy: an answer in time, nothing crashed, no error logged, no pollution. */
const common = (ctx: Ctx, res: RawResponse): string[] => {
  const failures: string[] = [];
  if (res.status === -1) failures.push(`no HTTP answer: ${res.error ?? 'connection failed'}`);
  if (res.ms > BUDGET_MS) failures.push(`answered in ${Math.round(res.ms)} ms, over ${BUDGET_MS} ms`);
  for (const problem of watch.take()) failures.push(problem.slice(0, 600));
  for (const err of ctx.h.takeErrors()) failures.push(`error-level log: ${err.line.slice(0, 600)}`);
  const changed = prototypeChanges(ctx.prototypes);
  if (changed.length > 0) failures.push(`prototypes changed: ${changed.join(', ')}`);
  return failures;
};

/** The documented shape of each route's 200 (api-types.ts), lightly: the fields the page reads. */
type Route = 'me' | 'rollouts' | 'lookup' | 'dashboard' | 'audit' | 'issues' | 'feedback' | 'export';
const SHAPES: Record<Route, (b: Rec) => boolean> = {
  me: (b) =>
    isString(b.tenantId) &&
    isRecord(b.user) &&
    isString(b.user.id) &&
    isString(b.user.name) &&
    typeof b.admin === 'boolean' &&
    (b.mode === 'local' || b.mode === 'sso'),
  rollouts: (b) =>
    (b.scope === 'tenant' || b.scope === 'mine') &&
    Array.isArray(b.rollouts) &&
    b.rollouts.every((r) => isRecord(r) && isString(r.id) && isString(r.name) && isRecord(r.gate)),
  lookup: (b) => nonEmpty(b.id),
  dashboard: (b) =>
    isRecord(b.rollout) &&
    isString(b.rollout.id) &&
    isRecord(b.viewer) &&
    typeof b.viewer.admin === 'boolean' &&
    isRecord(b.timeline) &&
    Array.isArray(b.timeline.stages) &&
    isRecord(b.gate) &&
    typeof b.gate.passes === 'boolean' &&
    isRecord(b.feedback) &&
    Array.isArray(b.feedback.stages) &&
    Array.isArray(b.feedback.issues) &&
    Array.isArray(b.signoff) &&
    Array.isArray(b.announcements) &&
    isString(b.generatedAt),
  audit: (b) =>
    Array.isArray(b.entries) &&
    b.entries.every((e) => isRecord(e) && isString(e.at) && isString(e.kind)) &&
    (b.next === null || isString(b.next)) &&
    Array.isArray(b.kinds),
  issues: (b) =>
    (b.outcome === 'done' || b.outcome === 'unchanged') &&
    nonEmpty(b.message) &&
    isRecord(b.issue) &&
    isString(b.issue.ref),
  feedback: (b) => nonEmpty(b.message) && isRecord(b.mine) && isString(b.mine.stageId),
  export: (b) => nonEmpty(b.url) && isString(b.expiresAt),
};

/**
 * The checks of one /api/tab answer: a documented status (`expected` when the case must be
 * refused), JSON with `Cache-Control: no-store`, `{ error }` for a refusal, the route's shape for
 * a 200, and nothing stored on a refusal.
 */
const checkApi = (
  ctx: Ctx,
  route: Route,
  res: RawResponse,
  writesBefore: number,
  expected: readonly number[] = [200, ...REFUSALS],
  store: 'memory' | 'azurite' = config.store,
): string[] => {
  const failures = common(ctx, res);
  if (res.status === -1) return failures;
  const allowed = store === 'azurite' ? [...expected, 503] : expected;
  if (!allowed.includes(res.status)) {
    failures.push(`answered ${res.status}, expected ${allowed.join('/')}: ${res.text.slice(0, 300)}`);
  }
  if (res.headers['cache-control'] !== 'no-store') {
    failures.push(`${res.status} without Cache-Control: no-store (${String(res.headers['cache-control'])})`);
  }
  if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) {
    failures.push(`${res.status} not JSON: ${String(res.headers['content-type'])}`);
  }
  const body = res.body;
  if (res.status >= 400) {
    if (!(
      isRecord(body) &&
      isRecord(body.error) &&
      nonEmpty(body.error.code) &&
      nonEmpty(body.error.message)
    )) {
      failures.push(`a ${res.status} without { error: { code, message } }: ${res.text.slice(0, 300)}`);
    } else if (/\bat .+:\d+:\d+/.test(res.text)) {
      failures.push(`a ${res.status} shows a stack: ${res.text.slice(0, 300)}`);
    }
    const stored = ctx.h.writes() - writesBefore;
    if (stored !== 0) {
      const rows = ctx.h
        .takeWritten()
        .map((w) => `${w.kind} ${w.partitionKey}/${w.rowKey}`)
        .join(', ');
      failures.push(`answered ${res.status} but stored ${stored} entities: ${rows.slice(0, 300)}`);
    }
  } else if (res.status === 200 && !(isRecord(body) && SHAPES[route](body))) {
    failures.push(`a 200 of ${route} not in its documented shape: ${res.text.slice(0, 300)}`);
  }
  return failures;
};

/** Percent-encodes every byte but the unreserved ones and those in `keep` (so raw `%`, `/` can pass). */
const encodePath = (text: string, keep = ''): string =>
  [...text]
    .map((c) =>
      /[A-Za-z0-9._~-]/.test(c) || keep.includes(c)
        ? c
        : [...Buffer.from(c, 'utf8')]
            .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
            .join(''),
    )
    .join('');

const json = (
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): RawRequest => ({
  method,
  path,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const get = (path: string, headers: Record<string, string> = {}): RawRequest => ({
  method: 'GET',
  path,
  headers,
});

/** The rollout ids that appear on the bot's cards (data.rolloutId). */
const rolloutIdsOn = (cards: unknown): string[] => {
  const ids = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isRecord(node)) return;
    if (isRecord(node.data) && isString(node.data.rolloutId)) ids.add(node.data.rolloutId);
    Object.values(node).forEach(walk);
  };
  walk(cards);
  return [...ids];
};

// ─── Local mode ───────────────────────────────────────────────────────────────────────────────

interface LocalWorld {
  rolloutId: string;
  /** A rollout of another tenant (OTHER_TENANT): never found from the local tenant. */
  otherId: string;
  stageId: string;
  issueRefs: string[];
  auditCursor: string | null;
}

let h: FuzzHarness;
let ctx: Ctx;
let world: LocalWorld;

const readDashboard = async (id: string): Promise<DashboardResponse> => {
  const res = await h.request(get(`/api/tab/rollouts/${id}`));
  if (res.status !== 200)
    throw new Error(`dashboard ${id} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body as DashboardResponse;
};

/** The current stage's answers, as the dashboard counts them. */
const responsesAt = async (id: string, stageId: string): Promise<number> =>
  (await readDashboard(id)).feedback.stages.find((s) => s.stageId === stageId)?.responses ?? 0;

beforeAll(async () => {
  console.log(replayHint(config, FILE));
  watch.start();
  h = await startFuzzHarness({ store: config.store, env: { TAB_LOCAL_TENANT_ID: TENANT } });
  ctx = { h, prototypes: snapshotPrototypes() };
  // Teams Premium at the pilot with three answers (a blocker, a major issue, a plain one).
  await seedRollout(h as unknown as Harness);
  // A rollout of another tenant, whose id the local tenant must not reach.
  h.connector.clear();
  const other = message('rollout new Other tenant rollout', {
    serviceUrl: h.connector.url,
    scope: 'personal',
  });
  const channelData = { ...(other.channelData as Rec), tenant: { id: OTHER_TENANT } };
  const conversation = { ...(other.conversation as Rec), tenantId: OTHER_TENANT };
  const made = await h.post({ ...other, channelData, conversation });
  if (made.status !== 200) throw new Error(`the other tenant's rollout answered ${made.status}`);
  await h.server.settled();
  const otherId = rolloutIdsOn(h.connector.cards())[0] ?? '';
  const list = await h.request(get('/api/tab/rollouts'));
  const rolloutId = (list.body as RolloutsResponse).rollouts[0]?.id ?? '';
  if (!rolloutId || !otherId) throw new Error(`seeding found no rollout (${rolloutId}, ${otherId})`);
  // Read everything once (a first read may backfill), so each case starts from settled rows.
  const dashboard = await readDashboard(rolloutId);
  const audit = await h.request(get(`/api/tab/rollouts/${rolloutId}/audit`));
  await h.server.settled();
  const stageId = dashboard.feedback.mine?.stageId ?? dashboard.rollout.phase;
  world = {
    rolloutId,
    otherId,
    stageId,
    issueRefs: dashboard.feedback.issues.map((i) => i.ref),
    auditCursor: (audit.body as { next?: string | null } | null)?.next ?? null,
  };
  if (world.issueRefs.length === 0) throw new Error('seeding left no issue to resolve');
  h.connector.clear();
  h.takeErrors();
  h.takeWritten();
  h.save();
}, 120_000);

afterAll(async () => {
  await h?.close();
  watch.stop();
});

/** Ids that name no rollout of the local tenant: long, unicode, dot segments, NULs, another tenant's. */
const hostileId = (): fc.Arbitrary<{ id: string; raw: boolean }> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          hostileText(4),
          fc.string({ unit: 'grapheme', maxLength: 30 }),
          fc.constantFrom('..', '.', '...', '%00', '\u0000', 'x\u0000', '😀', 'ﬀ', 'İ', '\u202e', ' ', '%'),
          fc.integer({ min: 90, max: 3000 }).map((n) => 'x'.repeat(n)),
          fc.constant(null).map(() => world.otherId),
          fc.constant(null).map(() => `${world.rolloutId}x`),
          fc.constant(null).map(() => world.rolloutId.slice(0, -1)),
          fc.constant(null).map(() => `${world.rolloutId}\u0000`),
          fc.constant(null).map(() => `${world.rolloutId} `),
          fc.constantFrom(...POISON_KEYS),
        )
        .filter((id) => id !== '' && id.toLowerCase() !== world.rolloutId)
        .map((id) => ({ id, raw: false })),
    },
    {
      weight: 1,
      // Sent as is: percent-escapes that decode to separators, NULs, dot segments or nothing valid.
      arbitrary: fc
        .constantFrom(
          '%00',
          '%2e%2e',
          '%2E%2E%2Fme',
          '..%2F..%2Fme',
          '%ZZ',
          '%E0%A4%A',
          '%C0%AE%C0%AE',
          '%FF',
          '%25',
          'a%2Fb',
          '%5c..%5c',
        )
        .map((id) => ({ id, raw: true })),
    },
  );

type ApiCase = { kind: string; route: Route; request: RawRequest; mustRefuse: readonly number[] | null };

const VALID_BODY = () => ({ stageId: world.stageId, answer: { ...ANSWER, rating: 4, shareName: false } });

/** Every id-taking route with a hostile id (and a valid body where it takes one): not found. */
const idCases: fc.Arbitrary<ApiCase> = fc
  .tuple(hostileId(), fc.constantFrom('dashboard', 'audit', 'issues', 'feedback', 'export'))
  .map(([{ id, raw }, route]) => {
    const path = `/api/tab/rollouts/${raw ? id : encodePath(id)}`;
    const request: RawRequest =
      route === 'dashboard'
        ? get(path)
        : route === 'audit'
          ? get(`${path}/audit`)
          : route === 'issues'
            ? json('POST', `${path}/issues`, { ref: world.issueRefs[0], resolved: true, note: 'fixed' })
            : route === 'feedback'
              ? json('PUT', `${path}/feedback`, VALID_BODY())
              : json('POST', `${path}/export`, {});
    return {
      kind: `${route} of a hostile id`,
      route: route as Route,
      request,
      // A raw escape may decode to a path of another route (or none): any documented answer.
      mustRefuse: raw ? null : [400, 404],
    };
  });

/** Query text as the page could never send it: random, base64 of random bytes, very long, unicode. */
const queryValue = (): fc.Arbitrary<string> =>
  fc.oneof(
    hostileText(4),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('base64')),
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.integer({ min: 150, max: 5000 }).map((n) => 'q'.repeat(n)),
    fc.constantFrom(...AUDIT_KINDS, ...POISON_KEYS, ADMIN.id, 'local-user', '%', ''),
    fc.constant(null).map(() => world.auditCursor ?? 'x'),
  );

const auditCases: fc.Arbitrary<ApiCase> = fc
  .record(
    {
      kind: queryValue(),
      person: queryValue(),
      cursor: queryValue(),
      id: fc.constantFrom('own', 'other'),
    },
    { requiredKeys: ['id'] },
  )
  .map((q) => {
    const params = (['kind', 'person', 'cursor'] as const)
      .filter((k) => q[k] !== undefined)
      .map((k) => `${k}=${encodePath(q[k] ?? '')}`)
      .join('&');
    const id = q.id === 'own' ? world.rolloutId : world.otherId;
    const tooLong = [q.kind, q.person, q.cursor].some((v) => v !== undefined && v.length > 200);
    return {
      kind: `audit query (${q.id})`,
      route: 'audit' as Route,
      request: get(`/api/tab/rollouts/${id}/audit?${params}`),
      mustRefuse: q.id === 'other' ? [400, 404] : tooLong ? [400] : null,
    };
  });

const lookupCases: fc.Arbitrary<ApiCase> = fc
  .oneof(queryValue(), fc.constantFrom('Teams Premium', 'teams premium', 'Other tenant rollout'))
  .map((name) => ({
    kind: 'lookup by name',
    route: 'lookup' as Route,
    request: get(`/api/tab/rollouts/lookup?name=${encodePath(name)}`),
    // Another tenant's rollout is never found by its name.
    mustRefuse: name === 'Other tenant rollout' ? [404] : name.length > 200 ? [400] : null,
  }));

/** Bodies: random JSON, the valid body with one field hostile, prototype keys, not objects. */
const poisoned = (base: Rec): fc.Arbitrary<Rec> =>
  fc
    .tuple(fc.constantFrom(...POISON_KEYS), hostileJson(2))
    .map(
      ([key, value]) =>
        JSON.parse(
          JSON.stringify(base).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(value)},`),
        ) as Rec,
    );

const feedbackBodies: fc.Arbitrary<{ body: Json | Rec; invalid: boolean }> = fc.oneof(
  { weight: 3, arbitrary: hostileJson(3).map((body) => ({ body, invalid: true })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('rating', 'installed', 'category', 'severity', 'platform', 'comment', 'shareName'),
        hostileJson(2),
      )
      .map(([field, value]) => {
        const body = VALID_BODY();
        (body.answer as Rec)[field] = value;
        return { body: body as unknown as Rec, invalid: false };
      }),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(hostileString(), hostileJson(1)).map((stageId) => {
      const body = { ...VALID_BODY(), stageId } as unknown as Rec;
      return { body, invalid: stageId !== world.stageId };
    }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2_001, max: 200_000 }).map((n) => {
      const body = VALID_BODY();
      body.answer.comment = 'c'.repeat(n);
      return { body: body as unknown as Rec, invalid: true };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => poisoned(VALID_BODY() as unknown as Rec))
      .map((body) => ({ body, invalid: false })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string>('null', '[]', '[body]', '"x"', '0', 'true', '{}').map((text) => ({
      body: text === '[body]' ? [VALID_BODY() as unknown as Json] : (JSON.parse(text) as Json),
      invalid: true,
    })),
  },
);

const feedbackCases: fc.Arbitrary<ApiCase> = fc
  .tuple(feedbackBodies, fc.option(fc.uuid(), { freq: 2 }))
  .map(([{ body, invalid }, key]) => ({
    kind: invalid ? 'feedback, invalid body' : 'feedback, body with a hostile field',
    route: 'feedback' as Route,
    request: json(
      'PUT',
      `/api/tab/rollouts/${world.rolloutId}/feedback`,
      body,
      key ? { 'Idempotency-Key': key } : {},
    ),
    mustRefuse: invalid ? [400, 403, 404, 409, 413] : null,
  }));

const issueBodies: fc.Arbitrary<{ body: Json | Rec; invalid: boolean }> = fc.oneof(
  { weight: 3, arbitrary: hostileJson(3).map((body) => ({ body, invalid: true })) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        ref: fc.oneof(
          fc.constant(null).map(() => ({ value: world.issueRefs[0] as Json, valid: true })),
          fc.constant(null).map(() => ({ value: world.issueRefs.at(-1) as Json, valid: true })),
          hostileJson(1).map((value) => ({ value, valid: false })),
          fc.tuple(fc.nat(), fc.constantFrom('A', 'b', '_', '-', '.')).map(([i, c]) => {
            const ref = world.issueRefs[0] ?? '';
            const at = i % Math.max(1, ref.length);
            const flipped = `${ref.slice(0, at)}${ref[at] === c ? 'Z' : c}${ref.slice(at + 1)}`;
            return { value: flipped as Json, valid: false };
          }),
        ),
        resolved: fc.oneof(
          fc.boolean().map((value) => ({ value: value as Json, valid: true })),
          hostileJson(1)
            .filter((v) => typeof v !== 'boolean')
            .map((value) => ({ value, valid: false })),
        ),
        note: fc.oneof(
          hostileString().map((value) => ({
            value: value as Json,
            valid: value.length <= MAX_RESOLUTION_NOTE_LENGTH,
          })),
          fc
            .integer({ min: MAX_RESOLUTION_NOTE_LENGTH + 1, max: 100_000 })
            .map((n) => ({ value: 'n'.repeat(n) as Json, valid: false })),
          hostileJson(1).map((value) => ({ value, valid: true })),
        ),
      })
      .map(({ ref, resolved, note }) => ({
        body: { ref: ref.value, resolved: resolved.value, note: note.value },
        invalid: !(ref.valid && resolved.valid && note.valid),
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .chain(() => poisoned({ ref: world.issueRefs[0] ?? '', resolved: true, note: 'fixed' }))
      .map((body) => ({ body, invalid: false })),
  },
);

const issueCases: fc.Arbitrary<ApiCase> = issueBodies.map(({ body, invalid }) => ({
  kind: invalid ? 'issue, invalid body' : 'issue, plausible body',
  route: 'issues' as Route,
  request: json('POST', `/api/tab/rollouts/${world.rolloutId}/issues`, body),
  mustRefuse: invalid ? [400, 413] : null,
}));

/** Media types and bodies the server's body reader (src/http/edge.ts) sees first. */
const rawBodyCases: fc.Arbitrary<ApiCase> = fc
  .record({
    route: fc.constantFrom<Route>('issues', 'feedback'),
    contentType: fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      '',
    ),
    body: fc.oneof(
      fc.constantFrom(
        '{',
        '{"ref":',
        'null',
        '[]',
        '"x"',
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
      ),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constant('{"a":"'.padEnd(700 * 1024, 'x')),
    ),
  })
  .map(({ route, contentType, body }) => {
    const method = route === 'feedback' ? 'PUT' : 'POST';
    return {
      kind: `${route}, raw body (${contentType || 'no type'})`,
      route,
      request: {
        method,
        path: `/api/tab/rollouts/${world.rolloutId}/${route}`,
        headers: (contentType ? { 'Content-Type': contentType } : {}) as Record<string, string>,
        body,
      },
      mustRefuse: [400, 413, 415],
    };
  });

/** Reads without parameters (with junk query strings and headers). */
const plainReads: fc.Arbitrary<ApiCase> = fc
  .tuple(
    fc.constantFrom<Route>('me', 'rollouts'),
    queryValue(),
    fc.option(hostileText(3).map((t) => encodePath(t))),
  )
  .map(([route, junk, auth]) => ({
    kind: `${route} with junk`,
    route,
    request: get(`/api/tab/${route}?x=${encodePath(junk)}`, auth ? { Authorization: `Bearer ${auth}` } : {}),
    mustRefuse: null,
  }));

const apiRuns = runsOf(config, 300);
it(
  `${apiRuns} hostile tab API requests (ids, queries, bodies) in local mode: documented JSON answers, no-store, refusals store nothing`,
  async () => {
    const cases = fc.oneof(
      { weight: 3, arbitrary: idCases },
      { weight: 2, arbitrary: auditCases },
      { weight: 1, arbitrary: lookupCases },
      { weight: 3, arbitrary: feedbackCases },
      { weight: 2, arbitrary: issueCases },
      { weight: 1, arbitrary: rawBodyCases },
      { weight: 1, arbitrary: plainReads },
    );
    const found = await explore(
      config,
      cases,
      apiRuns,
      async (c) => {
        h.reset();
        watch.take();
        h.takeErrors();
        h.takeWritten();
        const writes = h.writes();
        const res = await h.request(c.request);
        await h.server.settled();
        const expected = c.mustRefuse ?? [200, ...REFUSALS];
        const failures = checkApi(ctx, c.route, res, writes, expected);
        // A read never writes (the seed's reads backfilled what a first read does).
        if (res.status === 200 && (c.request.method ?? 'GET') === 'GET' && h.writes() !== writes) {
          failures.push(`a GET of ${c.route} stored ${h.writes() - writes} entities`);
        }
        return failures.map((f) => `${c.kind}: ${f}`);
      },
      (c) =>
        describeInput({
          kind: c.kind,
          method: c.request.method,
          path: c.request.path,
          headers: c.request.headers,
          body: c.request.body === undefined ? null : String(c.request.body).slice(0, 600),
        }),
    );
    expect((await h.request(get('/healthz'))).status).toBe(200);
    expect(report('hostile tab API requests', config, found)).toBe('');
  },
  60_000 + apiRuns * 150,
);

/**
 * Found by this suite (a regression test now): the edge guard's and body reader's refusals (413,
 * 415, a body that is not JSON: 400) come before any route; they carry `Cache-Control: no-store`
 * as every /api/tab answer does.
 */
it('edge refusals of /api/tab (413, 415, 400 not JSON) carry Cache-Control: no-store', async () => {
  const path = `/api/tab/rollouts/${world.rolloutId}/feedback`;
  const answers = [
    await h.request({
      method: 'PUT',
      path,
      headers: { 'Content-Type': 'application/json' },
      body: '{"ref":',
    }),
    await h.request({ method: 'PUT', path, headers: { 'Content-Type': 'application/xml' }, body: '<a/>' }),
    await h.request({
      method: 'PUT',
      path,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 * 1024) },
      headersOnly: true,
    }),
  ];
  expect(answers.map((r) => r.status)).toEqual([400, 415, 413]);
  expect(answers.map((r) => r.headers['cache-control'])).toEqual(['no-store', 'no-store', 'no-store']);
});

/**
 * Found by this suite (a regression test now): a path under /api/tab that no tab route takes (an
 * id over find-my-way's 100-character parameters, a malformed percent-escape, a dot segment
 * resolved away) is answered as the API answers: `{ error }`, no-store, 404.
 */
it.each([
  ['an id of 101 characters', () => `/api/tab/rollouts/${'x'.repeat(101)}`],
  ['a malformed percent-escape', () => '/api/tab/rollouts/%E0%A4%A/audit'],
  ['a dot segment', () => `/api/tab/rollouts/%2e%2e/audit`],
])("router answers under /api/tab (%s) are the API's { error } with no-store", async (_name, path) => {
  const res = await h.request(get(path()));
  expect(res.status).toBe(404);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(isRecord(res.body) && isRecord(res.body.error) && nonEmpty(res.body.error.message)).toBe(true);
});

const putRuns = runsOf(config, 40);
it(
  `${putRuns} well-formed feedback PUTs from the local user, each sent twice with its Idempotency-Key: at most one answer more`,
  async () => {
    const cases = fc.record({
      key: fc.oneof(
        { weight: 4, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f-]{8,64}$/) },
        // Not a key the API takes (it makes its own): still at most one answer, the second an edit.
        {
          weight: 1,
          arbitrary: fc.string({ unit: fc.constantFrom('x', 'Z', '0', '-', ' ', '!'), maxLength: 80 }),
        },
      ),
      rating: fc.integer({ min: 1, max: 5 }),
      installed: fc.constantFrom('yes', 'partly', 'no'),
      severity: fc.constantFrom('none', 'minor', 'major', 'blocker'),
      platform: fc.constantFrom('windows', 'macos'),
      comment: fc.string({ unit: 'grapheme', maxLength: 60 }),
      shareName: fc.boolean(),
      repeatedAs: fc.constantFrom('same', 'other-answer'),
    });
    const found = await explore(config, cases, putRuns, async (c) => {
      h.reset();
      watch.take();
      h.takeErrors();
      const before = await responsesAt(world.rolloutId, world.stageId);
      const answer = {
        rating: c.rating,
        installed: c.installed,
        category: 'functionality',
        severity: c.severity,
        platform: c.platform,
        comment: c.comment,
        shareName: c.shareName,
      };
      const headers = c.key.trim() ? { 'Idempotency-Key': c.key.trim() } : ({} as Record<string, string>);
      const path = `/api/tab/rollouts/${world.rolloutId}/feedback`;
      const failures: string[] = [];
      for (const round of [1, 2]) {
        const sent =
          round === 2 && c.repeatedAs === 'other-answer'
            ? { ...answer, rating: (c.rating % 5) + 1, comment: `${c.comment} (again)` }
            : answer;
        const writes = h.writes();
        const res = await h.request(json('PUT', path, { stageId: world.stageId, answer: sent }, headers));
        await h.server.settled();
        failures.push(...checkApi(ctx, 'feedback', res, writes, [200]).map((f) => `PUT ${round}: ${f}`));
        const mine = (res.body as { mine?: { answer?: { rating?: number } | null } } | null)?.mine;
        if (round === 1 && res.status === 200 && mine?.answer?.rating !== c.rating) {
          failures.push(`PUT 1: the answer shown is not the one sent: ${res.text.slice(0, 300)}`);
        }
      }
      const after = await responsesAt(world.rolloutId, world.stageId);
      if (after - before > 1 || after < before) {
        failures.push(`responses went from ${before} to ${after} (at most one answer more)`);
      }
      return failures;
    });
    expect(report('repeated feedback PUTs', config, found)).toBe('');
  },
  60_000 + putRuns * 300,
);

// ─── Pages and assets ─────────────────────────────────────────────────────────────────────────

const ALLOWED_EXTENSIONS = ['.js', '.css', '.map', '.svg', '.png', '.woff2'];
const ASSETS_DIR = join(tabDirectory(), 'assets');
const listAssets = (): Map<string, Buffer> => {
  try {
    return new Map(readdirSync(ASSETS_DIR).map((name) => [name, readFileSync(join(ASSETS_DIR, name))]));
  } catch {
    return new Map();
  }
};

const assetName = (names: readonly string[]): fc.Arbitrary<string> => {
  const real = names.length > 0 ? fc.constantFrom(...names) : fc.constant('app.js');
  return fc.oneof(
    real,
    real.map((n) => `../assets/${n}`),
    real.map((n) => `..%2fassets%2f${n}`),
    real.map((n) => `..%2Fassets%2F${n}`),
    real.map((n) => `%2e%2e%2fassets%2f${n}`),
    real.map((n) => `${n}%00.js`),
    real.map((n) => `${n}/`),
    real.map((n) => `.${n}`),
    real.map((n) => n.replace(/\.[a-z0-9]+$/, '.html')),
    real.map((n) => `${n}.bak`),
    real.map((n) => n.toUpperCase()),
    fc.constantFrom(
      '..%2F..%2Fpackage.json',
      '..%2F..%2F..%2Fpackage.json',
      '..%5C..%5Cpackage.json',
      '%2e%2e%2f%2e%2e%2findex.html',
      '....%2F%2Fpackage.json',
      '..',
      '.',
      '%2e%2e',
      '.env',
      'index.html',
      '..%2Findex.html',
      '..%2Fconfig.html',
      'x.exe',
      'x.js.map%2F..%2F..%2Findex.html',
      '%252e%252e%252fpackage.json',
      '%C0%AE%C0%AE%2Fpackage.json',
      'package.json',
      'tsconfig.json',
      'a'.repeat(130) + '.js',
    ),
    fc
      .tuple(
        fc.string({
          unit: fc.constantFrom('a', 'Z', '0', '.', '-', '_', '/', '\\', '%', '~', ':', ';'),
          maxLength: 30,
        }),
        fc.constantFrom(
          '',
          '.js',
          '.css',
          '.map',
          '.svg',
          '.png',
          '.woff2',
          '.html',
          '.json',
          '.ts',
          '.env',
          '.JS',
        ),
      )
      .map(([stem, ext]) => `${stem}${ext}`),
    hostileText(3).map((t) => encodePath(t)),
  );
};

const pageRuns = runsOf(config, 150);
it(
  `${pageRuns} asset names and page queries: no file outside dist/web/tab/assets, and none but a listed asset served`,
  async () => {
    const assets = listAssets();
    const names = [...assets.keys()];
    const cases = fc.oneof(
      { weight: 5, arbitrary: assetName(names).map((name) => ({ kind: 'asset' as const, name })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('/tab/', '/tab/config', '/tab'), queryValue())
          .map(([page, q]) => ({ kind: 'page' as const, name: `${page}?rollout=${encodePath(q)}` })),
      },
    );
    const found = await explore(config, cases, pageRuns, async (c) => {
      watch.take();
      h.takeErrors();
      const writes = h.writes();
      const path = c.kind === 'asset' ? `/tab/assets/${c.name}` : c.name;
      const res = await h.request(get(path));
      const failures = common(ctx, res);
      if (res.status >= 500) failures.push(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      if (h.writes() !== writes) failures.push(`a page stored ${h.writes() - writes} entities`);
      if (c.kind === 'page') {
        if (![200, 301].includes(res.status)) failures.push(`the page answered ${res.status}`);
        if (
          res.status === 200 &&
          !String(res.headers['content-security-policy'] ?? '').includes('frame-ancestors')
        )
          failures.push('a page without its CSP');
        return failures;
      }
      if (res.status === 200) {
        // Dot segments are resolved as a browser does (`../assets/x.js` is `/tab/assets/x.js`):
        // what is served is the last segment of that path, which must be a listed asset.
        const normalized = new URL(path, 'http://localhost').pathname;
        // `/tab/assets/..` is `/tab/`: the page itself, as public as any asset (not a file outside).
        if (normalized === '/tab/' || normalized === '/tab/config') {
          const page = readFileSync(
            join(tabDirectory(), normalized === '/tab/' ? 'index.html' : 'config.html'),
          );
          if (Buffer.compare(page, Buffer.from(res.text, 'utf8')) !== 0)
            failures.push(`200 for ${c.name} (${normalized}) that is not the page`);
          return failures;
        }
        const name = normalized.startsWith('/tab/assets/') ? normalized.slice('/tab/assets/'.length) : null;
        const lower = (name ?? normalized).toLowerCase();
        const ext = lower.slice(lower.lastIndexOf('.'));
        if (name === null || /[/\\]|\.\.|%2f|%5c|%00/.test(lower))
          failures.push(`200 for an asset path outside the assets: ${c.name} (${normalized})`);
        if (!ALLOWED_EXTENSIONS.includes(ext))
          failures.push(`200 for an asset with extension ${ext}: ${c.name}`);
        let decoded = name ?? '';
        try {
          decoded = decodeURIComponent(decoded);
        } catch {
          failures.push(`200 for a name that does not decode: ${c.name}`);
        }
        const file = assets.get(decoded);
        if (!file) failures.push(`200 for ${c.name}, not a file in ${ASSETS_DIR}`);
        else if (Buffer.compare(file, Buffer.from(res.text, 'utf8')) !== 0 && !/\.(png|woff2)$/.test(decoded))
          failures.push(`200 for ${c.name} with another file's content`);
        if (res.headers['x-content-type-options'] !== 'nosniff') failures.push('an asset without nosniff');
      } else if (![404, 400, 405].includes(res.status)) {
        failures.push(`an asset answered ${res.status}`);
      }
      return failures;
    });
    expect(report('asset names and pages', config, found)).toBe('');
  },
  60_000 + pageRuns * 100,
);

// ─── Teams SSO: the Authorization header ──────────────────────────────────────────────────────

describe('with MicrosoftAppId (Teams SSO tokens signed by a local Entra ID stand-in)', () => {
  const APP_ID = '11111111-2222-4333-8444-555555555555';
  const BOT_DOMAIN = 'rollout.contoso.example';
  const PERSON = '00000000-0000-4000-8000-0000000000b1';
  const STRANGER_TENANT = '72f988bf-0000-4000-8000-000000000009';
  let bot: BotFrameworkIssuer;
  let entra: EntraIssuer;
  let sso: FuzzHarness;
  let ssoCtx: Ctx;
  let ssoRolloutId = '';

  beforeAll(async () => {
    trustTestCa();
    bot = await new BotFrameworkIssuer().start();
    entra = await new EntraIssuer().start();
    sso = await startFuzzHarness({
      store: config.store,
      env: {
        ...bot.env(APP_ID),
        BOT_DOMAIN,
        TAB_AUTHORITY_HOST: entra.authorityHost,
        ALLOWED_TENANT_IDS: TENANT,
        ROLLOUT_ADMINS: ADMIN.id,
      },
    });
    ssoCtx = { h: sso, prototypes: snapshotPrototypes() };
    await seedRollout(sso as unknown as Harness, () => ({
      Authorization: bot.channelAuth(APP_ID, sso.connector.url),
    }));
    const adminToken = entra.sign(entra.claims(TENANT, ADMIN.id, APP_ID, BOT_DOMAIN, Date.now()));
    const list = await sso.request(get('/api/tab/rollouts', { Authorization: `Bearer ${adminToken}` }));
    ssoRolloutId = (list.body as RolloutsResponse | null)?.rollouts?.[0]?.id ?? '';
    if (!ssoRolloutId)
      throw new Error(`the SSO harness lists no rollout: ${list.status} ${list.text.slice(0, 300)}`);
    await sso.server.settled();
    sso.takeErrors();
    sso.takeWritten();
    sso.save();
  }, 120_000);

  afterAll(async () => {
    await sso?.close();
    await entra?.stop();
    await bot?.stop();
  });

  const validClaims = (): Record<string, unknown> => ({
    ...entra.claims(TENANT, PERSON, APP_ID, BOT_DOMAIN, Date.now()),
    name: 'Fuzz Person',
  });
  const validToken = (): string => entra.sign(validClaims());

  /** A claim value as no Entra token has it: wrong types, long strings, unicode, objects with prototype keys. */
  const claimValue: fc.Arbitrary<Json | undefined> = fc.oneof(
    { weight: 6, arbitrary: hostileJson(2) },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 6000 }).map((n) => 'é'.repeat(n)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<Json>(STRANGER_TENANT, TENANT.toUpperCase(), `${TENANT} `, '') },
  );
  const CLAIMS = [
    'tid',
    'oid',
    'aud',
    'iss',
    'exp',
    'nbf',
    'iat',
    'ver',
    'scp',
    'name',
    'preferred_username',
    '__proto__',
    'constructor',
  ];

  type Auth =
    | { kind: 'valid' }
    | { kind: 'claims'; set: [string, Json | undefined][] }
    | { kind: 'signing'; how: 'none' | 'HS256' | 'stranger' | 'kid'; kid: string }
    | { kind: 'altered'; set: [string, Json | undefined][] }
    | { kind: 'signature'; at: number }
    | { kind: 'header'; header: Record<string, Json> }
    | { kind: 'raw'; value: string; valid?: boolean };

  const printable = (max: number) =>
    fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: max,
    });
  const b64 = (max: number) =>
    fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b).toString('base64url'));

  const authArb: fc.Arbitrary<Auth> = fc.oneof(
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'valid' }) },
    {
      weight: 6,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...CLAIMS), claimValue), { minLength: 1, maxLength: 3 })
        .map((set): Auth => ({ kind: 'claims', set })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('none', 'HS256', 'stranger', 'kid') as fc.Arbitrary<
            'none' | 'HS256' | 'stranger' | 'kid'
          >,
          fc.oneof(printable(40), fc.constant('x'.repeat(300)), fc.constant('')),
        )
        .map(([how, kid]): Auth => ({ kind: 'signing', how, kid })),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...CLAIMS), claimValue), { minLength: 1, maxLength: 2 })
        .map((set): Auth => ({ kind: 'altered', set })),
    },
    { weight: 1, arbitrary: fc.nat().map((at): Auth => ({ kind: 'signature', at })) },
    {
      weight: 1,
      arbitrary: fc
        .dictionary(fc.constantFrom('alg', 'kid', 'crit', 'typ', 'jku', 'x5u', '__proto__'), hostileJson(1), {
          maxKeys: 3,
        })
        .map((header): Auth => ({ kind: 'header', header: header as Record<string, Json> })),
    },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          printable(200),
          printable(60).map((t) => `Bearer ${t}`),
          fc.tuple(b64(60), b64(200), b64(100)).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
          fc
            .tuple(hostileJson(2), hostileJson(2))
            .map(
              ([a, b]) =>
                `Bearer ${Buffer.from(JSON.stringify(a) ?? '').toString('base64url')}.${Buffer.from(JSON.stringify(b) ?? '').toString('base64url')}.c2ln`,
            ),
          fc.integer({ min: 8 * 1024 - 10, max: 14 * 1024 }).map((n) => `Bearer ${'A'.repeat(n)}`),
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            'bearer x.y.z',
            'Basic dXNlcjpwYXNz',
            'Bearer a.b',
            'Bearer a.b.c.d',
            'Bearer ..',
            'Bearer\tx.y.z',
          ),
          fc.constant(null).map(() => `bearer  ${validToken()}`),
          fc.constant(null).map(() => `BEARER ${validToken()}`),
          fc.constant(null).map(() => `Bearer ${validToken()} trailing`),
          fc.constant(null).map(() => `Bearer ${validToken()},Bearer ${validToken()}`),
          fc.constant(null).map(() => validToken()),
        )
        // The scheme is case-insensitive and spaces after it are skipped (RFC 6750, the validator's BEARER).
        .map((value): Auth => ({
          kind: 'raw',
          value,
          valid:
            /^bearer +[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/i.test(value) && value.length > 500,
        })),
    },
  );

  const withClaims = (set: [string, Json | undefined][]): Record<string, unknown> => {
    const claims = validClaims();
    for (const [key, value] of set) {
      if (value === undefined) delete claims[key];
      else
        Object.defineProperty(claims, key, { value, enumerable: true, configurable: true, writable: true });
    }
    return claims;
  };

  const header = (auth: Auth): string | null => {
    switch (auth.kind) {
      case 'valid':
        return `Bearer ${validToken()}`;
      case 'claims':
        return `Bearer ${entra.sign(withClaims(auth.set))}`;
      case 'signing':
        if (auth.how === 'none') return `Bearer ${entra.sign(validClaims(), { alg: 'none' })}`;
        if (auth.how === 'HS256') return `Bearer ${entra.sign(validClaims(), { alg: 'HS256' })}`;
        if (auth.how === 'stranger') return `Bearer ${entra.sign(validClaims(), { key: entra.strangerKey })}`;
        return `Bearer ${entra.sign(validClaims(), { kid: auth.kid || 'unknown-kid' })}`;
      case 'altered': {
        // A valid token whose payload was changed after signing (the signature kept).
        const [h64, , sig] = validToken().split('.');
        const payload = Buffer.from(JSON.stringify(withClaims(auth.set))).toString('base64url');
        return `Bearer ${h64}.${payload}.${sig}`;
      }
      case 'signature': {
        const token = validToken();
        const at = token.lastIndexOf('.') + 1 + (auth.at % (token.length - token.lastIndexOf('.') - 1));
        return `Bearer ${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      }
      case 'header':
        return `Bearer ${signJwt(validClaims(), { key: entra.signingKey, header: auth.header })}`;
      case 'raw':
        return auth.value;
    }
  };

  /** Whether a token with these claims set may be accepted: the checked claims kept valid. */
  const mayPass = (auth: Auth): boolean => {
    if (auth.kind === 'valid') return true;
    if (auth.kind === 'header')
      return !('alg' in auth.header) && !('kid' in auth.header) && !('crit' in auth.header);
    if (auth.kind === 'raw') return auth.valid === true;
    // Deleting a claim the token does not have changes nothing: the token is still the valid one.
    if (auth.kind === 'altered')
      return auth.set.every(([k, v]) => v === undefined && !Object.hasOwn(validClaims(), k));
    if (auth.kind !== 'claims') return false;
    return true; // decided from the answer (see below)
  };

  const ROUTES = ['me', 'rollouts', 'dashboard', 'feedback'] as const;

  const ssoRuns = runsOf(config, 200);
  it(
    `${ssoRuns} hostile Authorization headers: 401/403/503 JSON errors, never another 5xx, nothing stored; a 200 only for the token's own person`,
    async () => {
      const found = await explore(
        config,
        fc.tuple(authArb, fc.constantFrom(...ROUTES)),
        ssoRuns,
        async ([auth, route]) => {
          sso.reset();
          watch.take();
          sso.takeErrors();
          sso.takeWritten();
          const value = header(auth);
          const headers: Record<string, string> = value === null ? {} : { Authorization: value };
          const request =
            route === 'me'
              ? get('/api/tab/me', headers)
              : route === 'rollouts'
                ? get('/api/tab/rollouts', headers)
                : route === 'dashboard'
                  ? get(`/api/tab/rollouts/${ssoRolloutId}`, headers)
                  : json(
                      'PUT',
                      `/api/tab/rollouts/${ssoRolloutId}/feedback`,
                      { stageId: 'pilot', answer: { ...ANSWER, rating: 3 } },
                      headers,
                    );
          const writes = sso.writes();
          const res = await sso.request(request);
          await sso.server.settled();
          if (res.status === 431 && Buffer.byteLength(value ?? '') > 15 * 1024) {
            // Node's HTTP parser refuses headers over 16 KiB before the server sees them.
            return common(ssoCtx, res);
          }
          const expected = mayPass(auth) ? [200, 401, 403, 503] : [401, 403, 503];
          const failures = checkApi(
            ssoCtx,
            route === 'feedback' ? 'feedback' : route,
            res,
            writes,
            expected,
            'memory',
          );
          if (res.status === 401 && !String(res.headers['www-authenticate'] ?? '').startsWith('Bearer'))
            failures.push('a 401 without WWW-Authenticate: Bearer');
          if (
            res.status === 503 &&
            (res.body as { error?: { code?: string } } | null)?.error?.code !== 'KeysUnavailable'
          )
            failures.push(`a 503 other than KeysUnavailable: ${res.text.slice(0, 200)}`);
          if (res.status === 200 && auth.kind === 'claims') {
            // Accepted: the claims that are checked were left valid, and the person is the token's.
            const claims = withClaims(auth.set);
            const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
            const acceptable: Record<string, (v: unknown) => boolean> = {
              tid: (v) => isString(v) && v.toLowerCase() === TENANT,
              oid: (v) => isString(v) && guid.test(v),
              aud: (v) => isString(v) && [APP_ID, `api://${BOT_DOMAIN}/${APP_ID}`].includes(v.toLowerCase()),
              iss: (v) => v === validClaims().iss,
              ver: (v) => v === '2.0',
              scp: (v) => isString(v) && v.split(' ').includes('access_as_user'),
            };
            const wrong = Object.keys(acceptable).filter((k) => !acceptable[k]?.(claims[k]));
            if (wrong.length > 0) failures.push(`accepted a token with ${wrong.join(', ')} not valid`);
            if (route === 'me') {
              const me = res.body as { tenantId?: string; user?: { id?: string; name?: string } };
              if (me.tenantId !== TENANT || me.user?.id !== String(claims.oid).toLowerCase())
                failures.push(`a 200 for someone else: ${res.text.slice(0, 200)}`);
              if ((me.user?.name ?? '').length > 256)
                failures.push(`a name of ${me.user?.name?.length} characters`);
            }
          }
          return failures;
        },
        ([auth, route]) =>
          describeInput({
            auth: auth.kind === 'raw' ? { kind: 'raw', value: auth.value.slice(0, 200) } : auth,
            route,
          }),
      );
      expect(report('hostile Authorization headers', config, found)).toBe('');
    },
    60_000 + ssoRuns * 150,
  );
});
