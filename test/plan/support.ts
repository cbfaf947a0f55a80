/** Builders shared by the plan file tests (`test/plan`) and the plan command line tests (`test/cli`). */
import { waveSpecOf, type WaveSpec } from '../../src/domain/plan';
import { createRollout, type Rollout, type TemplateName } from '../../src/domain/rollout';
import type { Person } from '../../src/domain/roles';
import { newWave } from '../../src/domain/templates';

export const NOW = new Date('2026-02-10T17:30:00.000Z');
export const ADMIN: Person = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' };

export interface RolloutFields {
  id?: string;
  tenantId?: string;
  name?: string;
  by?: Person;
}

/**
 * A rollout as created from `template` at NOW, in Europe/Berlin; by default `ro-<template>`,
 * named `<template> rollout`, in tenant `tenant`, created by ADMIN.
 */
export const createdRollout = (template: TemplateName, fields: RolloutFields = {}): Rollout => {
  const decision = createRollout(
    {
      id: fields.id ?? `ro-${template}`,
      tenantId: fields.tenantId ?? 'tenant',
      name: fields.name ?? `${template} rollout`,
      by: fields.by ?? ADMIN,
      coordination: { conversationId: 'conv', conversationType: 'channel', serviceUrl: 'http://x/' },
      template,
      timeZone: 'Europe/Berlin',
    },
    NOW,
  );
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

/** Ticks the first checklist item of the scope phase, by ADMIN at NOW (progress, not plan). */
export const tickFirstScopeItem = (rollout: Rollout): void => {
  rollout.phases[0]!.checklist[0] = {
    ...rollout.phases[0]!.checklist[0]!,
    done: true,
    by: ADMIN,
    at: NOW.toISOString(),
  };
};

/**
 * A custom wave as a plan has it when nothing but its id and name is given: every field defaulted;
 * no sign-off to enter it (its default depends on its place: a test that needs it sets it).
 */
export const defaultWaveSpec = (id: string, name: string): WaveSpec =>
  waveSpecOf(newWave({ id, name, kind: 'custom' }));
