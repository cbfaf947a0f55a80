import fc from 'fast-check';
import { message, TENANT } from '../support/activities';
import { ADMIN, hostileActivity, type FuzzWorld } from './support/arbitraries';
import { fuzzConfig, replayHint, runsOf } from './support/fuzz-config';
import { ProcessWatch, snapshotPrototypes, startFuzzHarness, type FuzzHarness } from './support/fuzz-harness';
import { before, checkActivity, postChecked, type CaseContext } from './support/properties';
import { explore, report } from './support/runner';
import { seedWorld } from './support/world';

/**
 * Random and malformed activities and card payloads through the real endpoint (restify +
 * CloudAdapter), anonymous mode, ROLLOUT_ADMINS set so non-admins exist and ALLOWED_TENANT_IDS
 * set to the fixtures' tenant: every registered command, flag and verb (read from the router)
 * with hostile data, every field of the envelope with wrong types, huge, deep and poisoned
 * values; some messages delivered twice. Each case starts from the same seeded state (on the
 * in-memory table). See support/properties.ts for what is checked.
 */
const config = fuzzConfig();
const FILE = 'test/fuzz/http-activities.test.ts';
let h: FuzzHarness;
let world: FuzzWorld;
let ctx: CaseContext;
const watch = new ProcessWatch();
const stats = new Map<string, number>();

beforeAll(async () => {
  console.log(replayHint(config, FILE));
  watch.start();
  h = await startFuzzHarness({
    store: config.store,
    env: { ROLLOUT_ADMINS: ADMIN.id, ALLOWED_TENANT_IDS: TENANT },
  });
  world = await seedWorld(h);
  ctx = { h, watch, prototypes: snapshotPrototypes(), store: config.store, allowedTenant: TENANT };
}, 120_000);

afterAll(async () => {
  await h?.close();
  watch.stop();
});

const timeout = (runs: number): number => 60_000 + runs * (config.store === 'azurite' ? 400 : 100);

/** Read commands an admin sends after a case, to catch stored values that break a card. */
const FOLLOW_UPS = [
  'rollout list --all',
  'status ID',
  'plan ID',
  'plan export ID',
  'checklist ID',
  'feedback summary ID',
];

/** Every fifth accepted message (by its id) is delivered twice, as Teams redelivers. */
const redeliver = (activity: Record<string, unknown>, status: number): boolean =>
  status === 200 &&
  activity.type === 'message' &&
  typeof activity.id === 'string' &&
  [...activity.id].reduce((n, c) => n + c.charCodeAt(0), 0) % 5 === 0;

const activityRuns = runsOf(config, 1000);
it(
  `${activityRuns} hostile activities: no undocumented 5xx, no error, within budget, nothing stored on refusal, a clear answer`,
  async () => {
    const cases = fc.tuple(hostileActivity(world), fc.option(fc.constantFrom(...FOLLOW_UPS), { freq: 2 }));
    const found = await explore(config, cases, activityRuns, async ([activity, followUp]) => {
      h.reset();
      const { res, failures } = await postChecked(ctx, activity);
      if (redeliver(activity, res.status)) {
        const again = before(ctx);
        const second = await h.post(activity);
        await h.server.settled();
        failures.push(...checkActivity(ctx, activity, second, again).map((f) => `redelivered: ${f}`));
        const stored = h.writes() - again.writes;
        if (stored > 0) failures.push(`redelivered: the same message stored ${stored} more entities`);
      }
      // What a hostile change stored must not break what an admin reads next.
      if (followUp && res.status === 200) {
        const read = message(followUp.replace('ID', world.rolloutIds[0] ?? ''), {
          serviceUrl: world.serviceUrl,
          from: ADMIN,
          scope: 'personal',
        });
        const next = await postChecked(ctx, read);
        failures.push(...next.failures.map((f) => `then "${followUp}": ${f}`));
      }
      const type = typeof activity.type === 'string' ? activity.type.slice(0, 12) : typeof activity.type;
      const key = `${type} ${res.status} ${String((res.body as { statusCode?: unknown } | null)?.statusCode ?? '')}`;
      stats.set(key, (stats.get(key) ?? 0) + 1);
      return failures;
    });
    if (process.env.FUZZ_STATS) console.log([...stats].sort().join('\n'));
    const health = await h.request({ method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    expect(report('hostile activities', config, found)).toBe('');
  },
  timeout(activityRuns),
);

describe('anonymous mode with ROLLOUT_ADMINS empty (everyone is an admin: the default npm start)', () => {
  let open: FuzzHarness;
  let openWorld: FuzzWorld;
  let openCtx: CaseContext;
  beforeAll(async () => {
    open = await startFuzzHarness({ store: config.store });
    openWorld = await seedWorld(open);
    openCtx = {
      h: open,
      watch,
      prototypes: snapshotPrototypes(),
      store: config.store,
      everyoneIsAdmin: true,
    };
  }, 120_000);
  afterAll(() => open?.close());

  const runs = runsOf(config, 250);
  it(
    `${runs} hostile activities from people who are all admins: the same properties`,
    async () => {
      const found = await explore(config, hostileActivity(openWorld), runs, async (activity) => {
        open.reset();
        const b = before(openCtx);
        const res = await open.post(activity);
        await open.server.settled();
        return checkActivity(openCtx, activity, res, b);
      });
      expect(report('hostile activities, everyone an admin', config, found)).toBe('');
    },
    timeout(runs),
  );
});
