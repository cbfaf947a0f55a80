import type { Level, Wave } from './rollout';

const RISK: Readonly<Record<Level, number>> = { low: 0, medium: 1, high: 2 };
const WILLINGNESS: Readonly<Record<Level, number>> = { high: 0, medium: 1, low: 2 };

export interface WaveOrderSuggestion {
  /** Wave ids in the suggested order (fixed waves first, in place). */
  order: string[];
  changed: boolean;
  why: string;
}

const describe = (wave: Wave): string =>
  `${wave.name} (risk ${wave.businessRisk ?? 'unknown'}, willingness ${wave.willingness ?? 'unknown'})`;

/**
 * Suggests an order for the waves not reached yet, as the source guide advises: lower business
 * risk first, then higher willingness for change; unknown values last; ties keep the plan's order.
 */
export const suggestWaveOrder = (waves: readonly Wave[], fixed: number): WaveOrderSuggestion => {
  const head = waves.slice(0, fixed);
  const rest = waves
    .slice(fixed)
    .map((wave, index) => ({ wave, index }))
    .sort(
      (a, b) =>
        (a.wave.businessRisk ? RISK[a.wave.businessRisk] : 3) -
          (b.wave.businessRisk ? RISK[b.wave.businessRisk] : 3) ||
        (a.wave.willingness ? WILLINGNESS[a.wave.willingness] : 3) -
          (b.wave.willingness ? WILLINGNESS[b.wave.willingness] : 3) ||
        a.index - b.index,
    )
    .map(({ wave }) => wave);
  const order = [...head, ...rest].map((w) => w.id);
  const changed = order.some((id, i) => waves[i]?.id !== id);
  const why =
    rest.length < 2
      ? 'Nothing to order.'
      : `Lower business risk and higher willingness for change first: ${rest.map(describe).join(' → ')}.`;
  return { order, changed, why };
};
