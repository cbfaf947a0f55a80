/** The rollout's phases, in order, as the source guidance names them. */
export const PHASE_KEYS = ['scope', 'poc', 'pilot', 'enterprise', 'operations'] as const;
export type PhaseKey = (typeof PHASE_KEYS)[number];

export const PHASE_TITLES: Readonly<Record<PhaseKey, string>> = {
  scope: 'Project scope',
  poc: 'Proof of concept',
  pilot: 'Pilot',
  enterprise: 'Enterprise rollout',
  operations: 'Operations and maintenance',
};

export const isPhaseKey = (value: string): value is PhaseKey =>
  (PHASE_KEYS as readonly string[]).includes(value);
