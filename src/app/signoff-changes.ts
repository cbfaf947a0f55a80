/** What happens to readiness requests afterwards: plan changes, entering the stage, a moved deadline. */
import type { Rollout } from '../domain/rollout';
import type { Person } from '../domain/roles';
import { extendRequest, fingerprintHolds, nextStageId, readinessPlanOf } from '../domain/signoff';
import { isLocalDateTime, localToInstant } from '../domain/time';
import { toAuditEntry } from './audit';
import { loadAsAdmin } from './mutate';
import { openRequest, supersede } from './signoff-requests';
import { refOf, refused, updateRequest, type SignoffDeps, type SignoffOutcome } from './signoff-store';

/**
 * After a plan change (an edit, an import, the command line): a request whose stage's time frame or
 * target groups changed is superseded (its card says so, for everyone) and a new one is posted in
 * the same place; a stage that no longer needs sign-off just has its request superseded.
 */
export const renewChangedSignoffs = async (
  deps: SignoffDeps,
  changed: Rollout,
  by: Person,
): Promise<string[]> => {
  // Work from the latest plan: another change may have landed since this one.
  const rollout = (await deps.rollouts.get(changed.tenantId, changed.id))?.value ?? changed;
  const said: string[] = [];
  for (const [stageId, requestId] of Object.entries(rollout.signoffs ?? {})) {
    const state = await deps.signoffs.get(rollout.tenantId, rollout.id, requestId);
    const request = state?.request.value;
    if (!state || !request || (request.status !== 'open' && request.status !== 'closed')) continue;
    const stillNeeded = readinessPlanOf(rollout, stageId) !== null;
    if (stillNeeded && fingerprintHolds(request.fingerprint, rollout, stageId)) continue;
    await supersede(
      deps,
      rollout,
      request,
      by,
      stillNeeded ? 'the time frame, target groups or audience changed' : 'sign-off is no longer needed',
    );
    if (stillNeeded && nextStageId(rollout) === stageId && request.postedTo) {
      const outcome = await openRequest(deps, rollout, {
        by,
        activityKey: null,
        where: request.postedTo,
        command: 'plan change',
      });
      if (outcome.kind === 'done' && outcome.ref) {
        const newId = outcome.ref.requestId;
        await updateRequest(
          deps,
          refOf(request),
          (r) => ({ ...r, supersededBy: newId }),
          () => null,
        );
      }
      said.push(outcome.message);
    } else {
      said.push(`The readiness request for ${request.stageLabel} was superseded.`);
    }
  }
  return said;
};

/**
 * After an advance: the request for the stage just entered is decided — its card closes (for
 * everyone) and it takes no more answers nor reminders.
 */
export const closeEnteredSignoff = async (deps: SignoffDeps, rollout: Rollout, by: Person): Promise<void> => {
  const { phase, wave } = rollout.position;
  const waveId = wave === null ? null : rollout.phases.find((p) => p.key === phase)?.waves[wave]?.id;
  const stageId = waveId ? `${phase}/${waveId}` : phase;
  const requestId = rollout.signoffs?.[stageId];
  if (!requestId) return;
  const at = deps.clock.now().toISOString();
  const ref = { tenantId: rollout.tenantId, rolloutId: rollout.id, requestId };
  const state = await updateRequest(
    deps,
    ref,
    (r) => (r.status === 'open' || r.status === 'closed' ? { ...r, status: 'decided' } : null),
    (r) =>
      toAuditEntry(rollout.id, {
        type: 'signoff-superseded',
        by,
        at,
        summary: `Closed: the rollout entered ${r.stageLabel}`,
      }),
  );
  if (state) deps.tallies.schedule(ref);
};

/**
 * `signoff extend --until "YYYY-MM-DD HH:mm"` (admins): moves the deadline of the request the
 * gate reads (audited). A request closed at its deadline reopens: answers are taken again and the
 * gate reads the live tally until the new deadline.
 */
export const extendSignoff = async (
  deps: SignoffDeps,
  input: { tenantId: string; rolloutId: string; by: Person; until: string },
): Promise<SignoffOutcome> => {
  const access = await loadAsAdmin(deps, input, 'signoff extend');
  if (access.kind !== 'admin') return access;
  const { rollout } = access;
  const local = input.until.trim().replace(' ', 'T');
  if (!isLocalDateTime(local) || local.length !== 16) {
    return refused(
      'Give the new deadline as a date and time in the rollout’s time zone: `--until "2026-05-01 17:00"`.',
    );
  }
  const deadline = localToInstant(local, rollout.timeZone);
  const now = deps.clock.now();
  if (deadline.getTime() <= now.getTime()) return refused('The new deadline must be in the future.');
  const stageId = nextStageId(rollout);
  const requestId = stageId ? rollout.signoffs?.[stageId] : undefined;
  if (!requestId) return refused('There is no readiness request to extend: post one with `signoff request`.');
  const at = now.toISOString();
  let reopened = false;
  const state = await updateRequest(
    deps,
    { tenantId: rollout.tenantId, rolloutId: rollout.id, requestId },
    (r) => {
      reopened = r.status === 'closed';
      return extendRequest(r, deadline, now);
    },
    () =>
      toAuditEntry(rollout.id, {
        type: 'signoff-extended',
        by: input.by,
        at,
        summary: `Deadline moved to ${local.replace('T', ' ')} (${rollout.timeZone})${reopened ? '; reopened after it had closed' : ''}`,
      }),
  );
  if (!state || state.request.value.status !== 'open')
    return refused('That readiness request is no longer open.');
  return {
    kind: 'done',
    message: `${reopened ? 'Reopened: a' : 'A'}nswers for ${state.request.value.stageLabel} are taken until ${local.replace('T', ' ')} (${rollout.timeZone}).`,
    ref: refOf(state.request.value),
  };
};
