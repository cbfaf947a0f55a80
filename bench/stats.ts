/** Small helpers for the benchmarks' figures: percentiles, formatting, goals. */

/** The value below which `p` (0..1) of the samples lie (nearest rank). */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] ?? NaN;
};

export const median = (values: readonly number[]): number => percentile(values, 0.5);

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

export const seconds = (valueMs: number): string => `${(valueMs / 1000).toFixed(1)} s`;

/** "goal met" / "goal missed" for a figure that must stay at most (or at least) `goal`. */
export const verdict = (value: number, goal: number, direction: 'at-most' | 'at-least'): string =>
  (direction === 'at-most' ? value <= goal : value >= goal) ? 'goal met' : 'goal missed';

/** Runs `task(0)` … `task(count - 1)`, at most `limit` at a time; resolves when all are done. */
export const forEachLimited = async (
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
};

/** A unique, table-name-safe suffix for this run (letters and digits). */
export const runId = (): string =>
  `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`.replace(/[^a-z0-9]/g, '');
