/**
 * The Intune assignment that entering a stage owes, decided with the advance (step 1 of the order
 * of operations in `intune-assignment.ts`), and how the reply and `intune retry` describe a job.
 */
import { randomUUID } from 'node:crypto';
import { audienceParts, hasFilters } from '../domain/audience';
import { currentStageId, findStage } from '../domain/feedback-goals';
import type { Rollout } from '../domain/rollout';
import { groupCount } from './intune-status';
import type { PendingAssignment, Settings } from './ports';

export const FILTER_WARNING =
  'filters cannot be expressed by a group assignment: everyone in the group gets it';

const lower = (id: string): string => id.toLowerCase();

/**
 * The assignment that entering `next`'s current stage owes, or null: INTUNE_ASSIGN off, no app
 * id, or no group in the stage's audience. Pure but for the id.
 */
export const pendingAssignmentFor = (
  next: Rollout,
  settings: Pick<Settings, 'intuneAssign'>,
  now: Date,
  id: string = randomUUID(),
): PendingAssignment | null => {
  const appId = next.app.intuneAppId?.trim();
  if (!settings.intuneAssign || !appId) return null;
  const stageId = currentStageId(next);
  const parts = audienceParts(next, stageId);
  const groups = [...new Set(parts.flatMap((p) => p.groups.map(lower)))];
  if (groups.length === 0) return null;
  const members = new Set(parts.flatMap((p) => p.members.map(lower))).size;
  const warnings = [
    ...(parts.some((p) => hasFilters(p.filters)) ? [FILTER_WARNING] : []),
    ...(members > 0
      ? [
          `${members} listed member${members === 1 ? ' is' : 's are'} not assigned: an assignment names groups only`,
        ]
      : []),
  ];
  return {
    id,
    tenantId: next.tenantId,
    rolloutId: next.id,
    stageId,
    appId,
    groups,
    intent: findStage(next, stageId)?.stage.intent ?? 'required',
    warnings,
    attempt: 1,
    createdAt: now.toISOString(),
  };
};

/** What a job does, e.g. "app <id> to 2 groups (required)". */
export const assigning = (job: PendingAssignment): string =>
  `app ${job.appId} to ${groupCount(job.groups.length)} (${job.intent})`;

export const POSTED = "the result is posted in the rollout's conversation";

/** A sentence for the person who advanced: what follows after their reply. */
export const assignmentFollows = (job: PendingAssignment): string =>
  ` Intune: assigning ${assigning(job)} next; ${POSTED}.`;
