import { benchAudience } from './audience';
import { benchAzuriteSave } from './azurite-save';
import { benchDashboard } from './dashboard';
import { benchEdge } from './edge';
import { benchFeedback } from './feedback';
import { benchStartup } from './startup';

const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number above 0`);
  return value;
};

/** The benchmarks by name, in the order a run without names takes them. */
const BENCHES: Record<string, () => Promise<unknown> | void> = {
  edge: () => benchEdge(),
  startup: () => benchStartup(positiveInt('BENCH_RUNS', 5)),
  feedback: () =>
    benchFeedback({
      total: positiveInt('BENCH_FEEDBACK_N', 3000),
      warmUp: 200,
      concurrency: 50,
      fillMode: process.env.BENCH_FILL === 'use-case' ? 'use-case' : 'direct',
    }),
  'azurite-save': () => benchAzuriteSave(positiveInt('AZURITE_SAVE_INTERVAL_MS', 200)),
  audience: () => benchAudience(),
  dashboard: () => benchDashboard(positiveInt('BENCH_DASHBOARD_N', 100)),
};

/**
 * `npm run bench`: prints figures and ratios; never a pass/fail test. With names
 * (`npm run bench -- dashboard feedback`) runs only those, in the order given.
 */
const main = async (): Promise<void> => {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !Object.hasOwn(BENCHES, name));
  if (unknown.length > 0) {
    throw new Error(
      `no benchmark named ${unknown.join(', ')}; the names: ${Object.keys(BENCHES).join(', ')}`,
    );
  }
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) await BENCHES[name]?.();
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
