import { benchAudience } from './audience';
import { benchAzuriteSave } from './azurite-save';
import { benchEdge } from './edge';
import { benchFeedback } from './feedback';
import { benchStartup } from './startup';

const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number above 0`);
  return value;
};

/** `npm run bench`: prints figures and ratios; never a pass/fail test. */
const main = async (): Promise<void> => {
  benchEdge();
  await benchStartup(positiveInt('BENCH_RUNS', 5));
  await benchFeedback({
    total: positiveInt('BENCH_FEEDBACK_N', 3000),
    warmUp: 200,
    concurrency: 50,
    fillMode: process.env.BENCH_FILL === 'use-case' ? 'use-case' : 'direct',
  });
  await benchAzuriteSave(positiveInt('AZURITE_SAVE_INTERVAL_MS', 200));
  await benchAudience();
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
