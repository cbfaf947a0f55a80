import { benchStartup } from './startup';

/** `npm run bench`: prints figures and ratios; never a pass/fail test. */
const main = async (): Promise<void> => {
  await benchStartup(Number(process.env.BENCH_RUNS ?? 5));
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
