import { advancePhase } from '../../src/app/advance-phase';
import { createRollout } from '../../src/app/create-rollout';
import { IntuneAssigner } from '../../src/app/intune-assignment';
import type { Log, NoticeContent, RolloutRepository } from '../../src/app/ports';
import { emptyAudience, type AssignmentIntent, type AudienceSpec } from '../../src/domain/audience';
import type { Rollout } from '../../src/domain/rollout';
import { MemoryDirectory } from '../support/memory-directory';
import { ADMIN, COORDINATION, makeDeps, TENANT } from './support';

export const APP = 'app-0001';

export const recordingLog = () => {
  const errors: string[] = [];
  const log: Log = { info: () => {}, warn: () => {}, error: (_d, message) => void errors.push(message) };
  return { log, errors };
};

/**
 * A rollout (Europe/Berlin) in `scope` whose proof of concept, the stage entered next, is for
 * `audience` (group G-Pilot by default), with INTUNE_ASSIGN on and app APP; a memory directory
 * knowing the groups g-pilot, g-vip, g-done, g-new and g-other; `deps.assignments` is an assigner
 * over them (`assigner()` makes another, e.g. a fresh process's).
 */
export const intuneSetup = async (
  options: {
    audience?: Partial<AudienceSpec>;
    intent?: AssignmentIntent;
    appId?: string | null;
    intuneAssign?: boolean;
  } = {},
) => {
  const base = makeDeps();
  const created = await createRollout(base, {
    tenantId: TENANT,
    name: 'Teams Premium',
    by: ADMIN,
    activityKey: 'conv|create',
    coordination: COORDINATION,
    template: 'app',
    timeZone: 'Europe/Berlin',
  });
  if (created.kind !== 'done') throw new Error(created.kind);
  const stored = await base.rollouts.get(TENANT, created.rollout.id);
  if (!stored) throw new Error('no rollout');
  const audience: AudienceSpec = { ...emptyAudience(), groups: ['G-Pilot'], ...options.audience };
  const rollout: Rollout = {
    ...stored.value,
    app: { ...stored.value.app, intuneAppId: options.appId === undefined ? APP : options.appId },
    phases: stored.value.phases.map((p) =>
      p.key === 'poc' ? { ...p, audience, ...(options.intent ? { intent: options.intent } : {}) } : p,
    ),
  };
  await base.rollouts.commit(TENANT, { rollout, ifMatch: stored.etag, audit: [], processed: null });
  const directory = new MemoryDirectory();
  for (const id of ['g-pilot', 'g-vip', 'g-done', 'g-new', 'g-other']) directory.addGroup(TENANT, id);
  const waits: number[] = [];
  const reports: NoticeContent[] = [];
  const { log, errors } = recordingLog();
  const assigner = (rollouts: RolloutRepository = base.rollouts, maxAttempts = 3) =>
    new IntuneAssigner({
      rollouts,
      audiences: base.audiences,
      directory,
      messenger: {
        notify: async (_tenant, _to, content) => void reports.push(content),
        postSignoff: async () => 'unused',
        updateSignoff: async () => {},
      },
      clock: base.clock,
      log,
      wait: async (ms) => void waits.push(ms),
      maxAttempts,
      random: () => 0.5,
    });
  const running = assigner();
  const deps = {
    ...base,
    settings: { ...base.settings, intuneAssign: options.intuneAssign ?? true },
    assignments: running,
  };
  const enter = async (activityKey = 'conv|advance') => {
    const outcome = await advancePhase(deps, {
      tenantId: TENANT,
      rolloutId: rollout.id,
      by: ADMIN,
      activityKey,
      command: 'advance phase',
      force: { reason: 'test' },
    });
    if (outcome.kind !== 'done') throw new Error(outcome.kind);
    return outcome;
  };
  const state = () => deps.rollouts.assignmentState(TENANT, rollout.id);
  const made = async () => directory.appAssignments(TENANT, APP);
  return { deps, rollout, directory, waits, reports, errors, assigner, running, enter, state, made };
};

export type IntuneSetup = Awaited<ReturnType<typeof intuneSetup>>;
