/**
 * How much the fuzz suite runs, and where. `npm test` runs a small, fixed-seed slice on the
 * in-memory table; `npm run fuzz` (npm sets `npm_lifecycle_event=fuzz`) runs 10,000+ cases per
 * property against Azurite with a random seed, printed so a failure can be replayed:
 *
 *   FUZZ_SEED=1234 npm run fuzz              # replay a run
 *   FUZZ_SEED=1234 FUZZ_RUNS=200 FUZZ_STORE=memory npx jest test/fuzz
 *
 * FUZZ_RUNS scales every property (the figures below are for FUZZ_RUNS = 1000; the npm test
 * default). FUZZ_COMPRESSED=0 leaves out compressed bodies (restify 11's gunzip had no error
 * handler and ended the process: keep it on unless a regression kills the test runner).
 */
export interface FuzzConfig {
  seed: number;
  runs: number;
  store: 'memory' | 'azurite';
  compressed: boolean;
  /** True when run by `npm run fuzz` (long run), false in `npm test`. */
  long: boolean;
}

const DEFAULT_SEED = 20260210;

const intFrom = (raw: string | undefined, name: string): number | null => {
  if (raw === undefined || raw.trim() === '') return null;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
};

export const fuzzConfig = (env: NodeJS.ProcessEnv = process.env): FuzzConfig => {
  const long = env.npm_lifecycle_event === 'fuzz';
  const seed = intFrom(env.FUZZ_SEED, 'FUZZ_SEED') ?? (long ? Date.now() % 2 ** 31 : DEFAULT_SEED);
  const runs = intFrom(env.FUZZ_RUNS, 'FUZZ_RUNS') ?? (long ? 10_000 : 1_000);
  const store = env.FUZZ_STORE ?? (long ? 'azurite' : 'memory');
  if (store !== 'memory' && store !== 'azurite') {
    throw new Error(`FUZZ_STORE must be memory or azurite, got "${store}"`);
  }
  return { seed, runs, store, compressed: env.FUZZ_COMPRESSED !== '0', long };
};

/** The number of runs of one property: its share of FUZZ_RUNS (per 1000), at least 1. */
export const runsOf = (config: FuzzConfig, per1000: number): number =>
  Math.max(1, Math.round((config.runs * per1000) / 1000));

/** A line that says how to replay this run, printed once per test file. */
export const replayHint = (config: FuzzConfig, file: string): string =>
  `fuzz ${file}: seed ${config.seed}, FUZZ_RUNS=${config.runs}, store ${config.store}` +
  ` — replay with FUZZ_SEED=${config.seed} FUZZ_RUNS=${config.runs} FUZZ_STORE=${config.store} npx jest --runInBand ${file}`;
