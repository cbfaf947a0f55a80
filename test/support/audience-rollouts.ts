import {
  emptyAudience,
  emptyFilters,
  type AudienceFilters,
  type AudienceSpec,
} from '../../src/domain/audience';
import { createRollout, type Rollout } from '../../src/domain/rollout';
import { newWave } from '../../src/domain/templates';

export const AUDIENCE_TENANT = 'tenant-1';
export const AUDIENCE_NOW = new Date('2026-02-10T17:30:00.000Z');

/** An audience definition: nobody, but for what is given. */
export const spec = (
  part: Partial<Omit<AudienceSpec, 'filters'>> & { filters?: Partial<AudienceFilters> } = {},
): AudienceSpec => ({ ...emptyAudience(), ...part, filters: { ...emptyFilters(), ...part.filters } });

const aRollout = (): Rollout => {
  const decision = createRollout(
    {
      id: 'ro-test',
      tenantId: AUDIENCE_TENANT,
      name: 'Teams Premium',
      by: { id: 'admin', name: 'Adele Vance' },
      coordination: { conversationId: 'conv', conversationType: 'channel', serviceUrl: 'http://x/' },
      template: 'app',
      timeZone: 'UTC',
    },
    AUDIENCE_NOW,
  );
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

/** A rollout whose pilot (stage `pilot`, no waves) has the audience `part`. */
export const pilotFor = (part: AudienceSpec): Rollout => {
  const rollout = aRollout();
  return {
    ...rollout,
    phases: rollout.phases.map((p) => (p.key === 'pilot' ? { ...p, waves: [], audience: part } : p)),
  };
};

/** A rollout whose enterprise phase has a wave per part (stage `enterprise` is their union). */
export const wavesFor = (parts: AudienceSpec[]): Rollout => {
  const rollout = aRollout();
  const waves = parts.map((audience, i) => ({
    ...newWave({ id: `w${i + 1}`, name: `Wave ${i + 1}`, kind: 'department' }),
    audience,
  }));
  return { ...rollout, phases: rollout.phases.map((p) => (p.key === 'enterprise' ? { ...p, waves } : p)) };
};
