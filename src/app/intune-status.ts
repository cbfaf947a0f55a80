/**
 * What `status` and the reports show of Intune assignment (see the order of operations in
 * `intune-assignment.ts`): the stored state, a Graph refusal in words, a group count.
 */
import type { DirectoryError } from './errors';
import type { AssignmentState, Deps, PendingAssignment } from './ports';

export const INTUNE_PERMISSION = 'DeviceManagementApps.ReadWrite.All';

export const groupCount = (n: number): string => `${n} group${n === 1 ? '' : 's'}`;

/** A Graph refusal as the coordination conversation and `status` say it. */
export const refusalMessage = (appId: string, err: DirectoryError): string => {
  switch (err.kind) {
    case 'forbidden':
      return `Microsoft Graph refused to assign app ${appId}: the bot needs the application permission ${INTUNE_PERMISSION} (with admin consent).`;
    case 'not-found':
      return `Intune has no app ${appId}: check the Intune app id in the rollout's plan.`;
    case 'invalid':
      return `Microsoft Graph refused to assign app ${appId}: ${err.message}.`;
    case 'throttled':
    case 'unavailable':
      return `Microsoft Graph did not assign app ${appId} (${err.message}).`;
  }
};

/** What `status` shows of Intune: the stored state, and an assignment not run yet (if any). */
export interface IntuneView {
  state: AssignmentState | null;
  pending: PendingAssignment | null;
}

export const intuneView = async (
  deps: Pick<Deps, 'rollouts'>,
  tenantId: string,
  rolloutId: string,
): Promise<IntuneView> => {
  const [state, [pending]] = await Promise.all([
    deps.rollouts.assignmentState(tenantId, rolloutId),
    deps.rollouts.pendingAssignments(1, { tenantId, rolloutId }),
  ]);
  return { state, pending: pending ?? null };
};
