import { createHash, randomUUID } from 'node:crypto';
import {
  createRollout as create,
  normaliseName,
  type Coordination,
  type TemplateName,
} from '../domain/rollout';
import { isAdmin, type Person } from '../domain/roles';
import { toAuditEntry } from './audit';
import { isConcurrencyError } from './errors';
import { MAX_ATTEMPTS, refuseNonAdmin, type Outcome } from './mutate';
import type { RolloutDeps } from './ports';
import { nameTaken } from './queries';

export interface CreateRolloutInput {
  tenantId: string;
  by: Person;
  name: string;
  activityKey: string | null;
  coordination: Coordination;
  template: TemplateName;
  timeZone: string;
}

/**
 * The rollout id is derived from the activity that asked for it, so a redelivered `rollout new`
 * finds the same id (and its processed marker) instead of creating a second rollout.
 */
export const rolloutIdFor = (activityKey: string | null, attempt: number): string => {
  const seed = activityKey ? `${activityKey}#${attempt}` : randomUUID();
  return `ro-${createHash('sha256').update(seed).digest('hex').slice(0, 10)}`;
};

export const createRollout = async (deps: RolloutDeps, input: CreateRolloutInput): Promise<Outcome> => {
  const command = 'rollout new';
  if (!isAdmin(input.by, deps.access, null)) {
    return refuseNonAdmin(deps, input.tenantId, null, input.by, command, input.activityKey);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const id = rolloutIdFor(input.activityKey, attempt);
    if (input.activityKey) {
      const marker = await deps.rollouts.findProcessed(input.tenantId, input.activityKey);
      if (marker) return { kind: 'duplicate', message: marker.outcome, rolloutId: marker.rolloutId };
    }
    const taken = await nameTaken(deps, input.tenantId, normaliseName(input.name), id);
    if (taken) return { kind: 'invalid', message: taken };
    const now = deps.clock.now();
    const decision = create(
      {
        id,
        tenantId: input.tenantId,
        name: input.name,
        by: input.by,
        coordination: input.coordination,
        template: input.template,
        timeZone: input.timeZone,
      },
      now,
    );
    if (!decision.ok) return { kind: 'invalid', message: decision.error.message };
    const rollout = decision.value;
    const message = `Created “${rollout.name}” (${rollout.id}). This conversation coordinates it.`;
    try {
      const saved = await deps.rollouts.commit(input.tenantId, {
        rollout,
        ifMatch: null,
        audit: decision.events.map((event) => toAuditEntry(id, event)),
        processed: input.activityKey
          ? { key: input.activityKey, rolloutId: id, outcome: message, at: now.toISOString() }
          : null,
      });
      return { kind: 'done', rollout: saved.value, message, events: decision.events };
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
      // Either a redelivery won the race (the marker check above will say so) or the id is
      // taken by another rollout: the next attempt derives a new id.
    }
  }
  throw new Error('rollout new: gave up after repeated conflicts');
};
