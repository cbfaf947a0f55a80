import { fuzzConfig, replayHint, runsOf } from './support/fuzz-config';
import { hostileActivity, type FuzzWorld } from './support/arbitraries';
import { ProcessWatch, snapshotPrototypes, startFuzzHarness, type FuzzHarness } from './support/fuzz-harness';
import { before, checkActivity, type CaseContext } from './support/properties';
import { explore, report } from './support/runner';
import { seedWorld } from './support/world';

/**
 * Random and malformed activities and card payloads through the real endpoint (restify +
 * CloudAdapter), anonymous mode, ROLLOUT_ADMINS set so non-admins exist: every registered
 * command, flag and verb (read from the router) with hostile data, every field of the envelope
 * with wrong types, huge, deep and poisoned values. Each case starts from the same seeded state
 * (on the in-memory table). See support/properties.ts for what is checked.
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
    env: { ROLLOUT_ADMINS: '00000000-0000-4000-8000-0000000000a1' },
  });
  world = await seedWorld(h);
  ctx = { h, watch, prototypes: snapshotPrototypes(), store: config.store };
}, 120_000);

afterAll(async () => {
  await h?.close();
  watch.stop();
});

const timeout = (runs: number): number => 60_000 + runs * (config.store === 'azurite' ? 400 : 100);

const activityRuns = runsOf(config, 1200);
it(
  `${activityRuns} hostile activities: no undocumented 5xx, no error, within budget, nothing stored on refusal, a clear answer`,
  async () => {
    const found = await explore(config, hostileActivity(world), activityRuns, async (activity) => {
      h.reset();
      const b = before(ctx);
      const res = await h.post(activity);
      await h.server.settled();
      const key = `${typeof activity.type === 'string' ? activity.type.slice(0, 12) : typeof activity.type} ${res.status} ${String((res.body as { statusCode?: unknown } | null)?.statusCode ?? '')}`;
      stats.set(key, (stats.get(key) ?? 0) + 1);
      return checkActivity(ctx, activity, res, b);
    });
    if (process.env.FUZZ_STATS) console.log([...stats].sort().join('\n'));
    const health = await h.request({ method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    expect(report('hostile activities', config, found)).toBe('');
  },
  timeout(activityRuns),
);
