import fc from 'fast-check';
import type { FuzzConfig } from './fuzz-config';

/** A failing case: what was sent and what broke. */
export interface Found {
  signature: string;
  failures: string[];
  input: string;
  run: number;
}

/** The kind of a failure, without the ids, numbers and quoted values that differ between cases. */
const signatureOf = (failures: readonly string[]): string =>
  failures
    .map((f) =>
      f
        .replace(/"(?:time|pid|hostname|activityId|reqId)":[^,}]*/g, '')
        .replace(/"[^"]{20,}"/g, '"…"')
        .replace(/[0-9a-z_-]*[0-9][0-9a-z_-]*/gi, 'N')
        .slice(0, 160),
    )
    .sort()
    .join(' | ');

/** How a case is shown in a report: JSON, long strings cut. */
export const describeInput = (value: unknown, max = 1500): string => {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : (JSON.stringify(value, (_k, v: unknown) =>
          typeof v === 'string' && v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)` : v,
        ) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
};

/**
 * Runs a property over `numRuns` generated cases from `config.seed` and keeps going after a
 * failure: every kind of failure is collected with its smallest input, so one run reports every
 * bug it met (fast-check would stop at the first). The same seed generates the same cases.
 */
export const explore = async <T>(
  config: FuzzConfig,
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  check: (value: T) => Promise<string[]>,
  show: (value: T) => string = describeInput,
): Promise<Found[]> => {
  const found = new Map<string, Found>();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      run += 1;
      const failures = await check(value);
      if (failures.length === 0) return true;
      const signature = signatureOf(failures);
      const input = show(value);
      const known = found.get(signature);
      if (!known || input.length < known.input.length)
        found.set(signature, { signature, failures, input, run });
      return true;
    }),
    { seed: config.seed, numRuns, endOnFailure: true },
  );
  return [...found.values()];
};

/** A readable report of what `explore` found (empty when nothing). */
export const report = (title: string, config: FuzzConfig, found: readonly Found[]): string =>
  found.length === 0
    ? ''
    : [
        `${title}: ${found.length} kind(s) of failure (seed ${config.seed}, FUZZ_RUNS=${config.runs}, store ${config.store})`,
        ...found.map((f, i) =>
          [
            `#${i + 1} (case ${f.run})`,
            ...f.failures.map((line) => `  ✗ ${line}`),
            `  input: ${f.input}`,
          ].join('\n'),
        ),
      ].join('\n\n');
