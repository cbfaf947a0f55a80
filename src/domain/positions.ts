import { PHASE_KEYS } from './phases';
import { phaseOf, type Position, type Rollout } from './rollout';

/** The position after the current one, or null from the last phase. */
export const nextPosition = (rollout: Rollout): Position | null => {
  const { phase: key, wave } = rollout.position;
  const phase = phaseOf(rollout, key);
  if (wave !== null && wave < phase.waves.length - 1) return { phase: key, wave: wave + 1 };
  const next = PHASE_KEYS[PHASE_KEYS.indexOf(key) + 1];
  if (!next) return null;
  return { phase: next, wave: phaseOf(rollout, next).waves.length > 0 ? 0 : null };
};
