import { createHash, randomUUID } from 'node:crypto';
import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import type { Coordination, Rollout } from '../domain/rollout';
import { isAdmin, type Person } from '../domain/roles';
import {
  bindHelpdesk,
  MAX_MEMBERS,
  nextStageId,
  readinessFingerprint,
  readinessPlanOf,
  recordRequest,
  tallyOf,
  type SignoffRequest,
} from '../domain/signoff';
import { isLocalDateTime, localToInstant } from '../domain/time';
import { toAuditEntry } from './audit';
import { DeliveryError, isConcurrencyError } from './errors';
import { auditDenied, forbiddenMessage, mutateRollout, type MutationRequest, type Outcome } from './mutate';
import type { Deps, RolloutDeps, SignoffRef, SignoffState } from './ports';
import { signoffView } from './signoff-view';

export type SignoffOutcome =
  | { kind: 'done'; message: string; ref: SignoffRef | null }
  | { kind: 'refused' | 'forbidden' | 'not-found'; message: string };

type SignoffDeps = Pick<
  Deps,
  | 'tallies'
  | 'rollouts'
  | 'signoffs'
  | 'feedback'
  | 'messenger'
  | 'clock'
  | 'access'
  | 'helpdesk'
  | 'settings'
>;

const refused = (message: string): SignoffOutcome => ({ kind: 'refused', message });

/** Loads the rollout and checks the person is one of its admins (refusals are audited). */
const adminRollout = async (
  deps: SignoffDeps,
  input: { tenantId: string; rolloutId: string; by: Person },
  command: string,
): Promise<Rollout | SignoffOutcome> => {
  const rollout = (await deps.rollouts.get(input.tenantId, input.rolloutId))?.value;
  if (!rollout) return { kind: 'not-found', message: 'That rollout no longer exists.' };
  if (!isAdmin(input.by, deps.access, rollout)) {
    await auditDenied(deps, input.tenantId, rollout.id, input.by, command);
    return { kind: 'forbidden', message: forbiddenMessage(command) };
  }
  return rollout;
};

const isOutcome = (value: Rollout | SignoffOutcome): value is SignoffOutcome =>
  'kind' in value && !('phases' in value);

/** Replaces a request, ETag-guarded, re-reading it after a conflict. */
const updateRequest = async (
  deps: SignoffDeps,
  ref: SignoffRef,
  change: (request: SignoffRequest) => SignoffRequest | null,
  audit: (request: SignoffRequest) => Parameters<Deps['signoffs']['update']>[2],
): Promise<SignoffState | null> => {
  for (let attempt = 0; attempt < 8; attempt++) {
    const state = await deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId);
    if (!state) return null;
    const next = change(state.request.value);
    if (!next) return state;
    try {
      const saved = await deps.signoffs.update(next, state.request.etag, audit(next));
      return { request: saved, answers: state.answers };
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
    }
  }
  throw new Error(`readiness request ${ref.requestId}: gave up after 8 conflicting writes`);
};

/** A claim to post a card older than this is taken to have died with its process. */
const POST_CLAIM_MS = 60_000;

/**
 * Posts (or re-posts) a request's card where the help desk answers, and records the message. The
 * post is claimed first (ETag-guarded), so two deliveries of one command post one card.
 */
const post = async (
  deps: SignoffDeps,
  rollout: Rollout,
  state: SignoffState,
  where: Coordination,
): Promise<string | null> => {
  const request = state.request.value;
  const to = request.postedTo ?? rollout.helpdesk ?? where;
  const now = deps.clock.now();
  const stamp = `${now.toISOString()} ${randomUUID()}`; // unique even within a millisecond
  const claimed = await updateRequest(
    deps,
    refOf(request),
    (r) =>
      r.messageId ||
      (r.postingAt && now.getTime() - Date.parse(r.postingAt.split(' ')[0] ?? '') < POST_CLAIM_MS)
        ? null
        : { ...r, postingAt: stamp },
    () => null,
  );
  if (claimed?.request.value.postingAt !== stamp) return null;
  let messageId: string;
  try {
    messageId = await deps.messenger.postSignoff(
      rollout.tenantId,
      to,
      await signoffView(deps, rollout, claimed),
    );
  } catch (err) {
    // Not posted: the claim is released so that `signoff request` can try again.
    await updateRequest(
      deps,
      refOf(request),
      (r) => ({ ...r, postingAt: null }),
      () => null,
    );
    if (err instanceof DeliveryError) {
      return `The request is saved, but posting it failed (${err.message}). Run \`signoff request\` again to post it.`;
    }
    throw err;
  }
  // Posted: if recording the message id fails, the claim stays, so a retry does not post again at once.
  await updateRequest(
    deps,
    refOf(request),
    (r) => ({ ...r, postedTo: { ...to }, messageId, postingAt: null }),
    () => null,
  );
  return null;
};

const refOf = (request: SignoffRequest): SignoffRef => ({
  tenantId: request.tenantId,
  rolloutId: request.rolloutId,
  requestId: request.id,
});

/**
 * Marks a request superseded (audited); its card then says so, for everyone, through the tally
 * updater (one writer per card, so an older tally never lands after it).
 */
const supersede = async (
  deps: SignoffDeps,
  rollout: Rollout,
  request: SignoffRequest,
  by: Person,
  why: string,
) => {
  const at = deps.clock.now().toISOString();
  await updateRequest(
    deps,
    refOf(request),
    (r) => (r.status === 'open' ? { ...r, status: 'superseded' } : null),
    () => toAuditEntry(rollout.id, { type: 'signoff-superseded', by, at, summary: `Superseded: ${why}` }),
  );
  deps.tallies.schedule(refOf(request));
};

/**
 * Creates a readiness request for the stage the rollout enters next, records it on the rollout
 * (the gate reads it), and posts its card in the help desk's conversation (else `where`).
 */
const openRequest = async (
  deps: SignoffDeps,
  rollout: Rollout,
  options: { by: Person; activityKey: string | null; where: Coordination; command: string },
): Promise<SignoffOutcome> => {
  const stageId = nextStageId(rollout);
  const found = stageId ? findStage(rollout, stageId) : null;
  if (!stageId || !found) return refused(`“${rollout.name}” has no next phase to get ready for.`);
  const label = stageLabel(rollout, found);
  const plan = readinessPlanOf(rollout, stageId);
  if (!plan)
    return refused(`Entering ${label} needs no help-desk sign-off in the plan of “${rollout.name}”.`);
  const members = [
    ...new Set((plan.members.length > 0 ? plan.members : deps.helpdesk).map((m) => m.toLowerCase())),
  ];
  if (members.length > MAX_MEMBERS) {
    return refused(
      `At most ${MAX_MEMBERS} help-desk members can sign off one request; ${members.length} are named.`,
    );
  }
  if (members.length === 0) {
    return refused(
      `Nobody is named to sign off: list help-desk members in the plan (sign-off for ${label}) or set ROLLOUT_HELPDESK.`,
    );
  }
  if (plan.policy.kind === 'quorum' && plan.policy.n > members.length) {
    return refused(
      `The quorum (${plan.policy.n}) is larger than the ${members.length} members named: it could never be met.`,
    );
  }
  const deadline =
    plan.deadline && isLocalDateTime(plan.deadline) ? localToInstant(plan.deadline, rollout.timeZone) : null;
  if (deadline && deadline.getTime() <= deps.clock.now().getTime()) {
    return refused(
      `The sign-off deadline in the plan (${plan.deadline?.replace('T', ' ')}) has passed: move it in the plan first.`,
    );
  }
  const fingerprint = readinessFingerprint(rollout, stageId);
  const currentId = rollout.signoffs?.[stageId];
  const current = currentId ? await deps.signoffs.get(rollout.tenantId, rollout.id, currentId) : null;
  if (current?.request.value.status === 'open') {
    if (current.request.value.fingerprint === fingerprint) {
      if (!current.request.value.messageId) {
        const failed = await post(deps, rollout, current, options.where);
        return failed
          ? refused(failed)
          : {
              kind: 'done',
              message: `Posted the readiness request for ${label}.`,
              ref: refOf(current.request.value),
            };
      }
      const t = tallyOf(current.request.value, current.answers);
      return refused(
        `A readiness request for ${label} is already open (${t.ready.length} ready, ${t.notReady.length} not ready, ${t.pending.length} not answered). It stays valid until the plan changes; \`signoff extend\` moves its deadline.`,
      );
    }
    await supersede(deps, rollout, current.request.value, options.by, 'the plan changed');
  }
  const now = deps.clock.now();
  const id = options.activityKey
    ? `sg-${createHash('sha256').update(options.activityKey).digest('hex').slice(0, 16)}`
    : `sg-${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const request: SignoffRequest = {
    id,
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId,
    stageLabel: label,
    policy: plan.policy,
    allowNotReady: plan.policy.kind === 'quorum' && plan.allowNotReady,
    members,
    deadline: deadline?.toISOString() ?? null,
    fingerprint,
    status: 'open',
    supersededBy: null,
    createdBy: options.by,
    createdAt: now.toISOString(),
    postedTo: null,
    messageId: null,
  };
  let state: SignoffState | null;
  try {
    state = { request: await deps.signoffs.create(request), answers: [] };
  } catch (err) {
    // A redelivered command: the request exists already.
    if (!isConcurrencyError(err)) throw err;
    state = await deps.signoffs.get(rollout.tenantId, rollout.id, id);
  }
  if (!state) throw new Error(`readiness request ${id} vanished`);
  const recorded = await mutateRollout(
    deps,
    {
      tenantId: rollout.tenantId,
      rolloutId: rollout.id,
      by: options.by,
      activityKey: options.activityKey,
      command: options.command,
    },
    (latest, _seen, at) => ({
      kind: 'decide',
      decision: recordRequest(latest, state.request.value, currentId ?? null, at),
      describe: () => `Asked the help desk about ${label}.`,
    }),
  );
  if (recorded.kind === 'not-found') return { kind: 'not-found', message: recorded.message };
  if (recorded.kind === 'refused' || recorded.kind === 'forbidden' || recorded.kind === 'invalid') {
    // Another request for the stage was recorded first: this one never goes out.
    await updateRequest(
      deps,
      refOf(request),
      (r) => ({ ...r, status: 'superseded' }),
      () => null,
    );
    const message = recorded.kind === 'refused' ? recorded.error.message : recorded.message;
    return refused(`${message} That one stands; this one was not posted.`);
  }
  const fresh = recorded.kind === 'done' || recorded.kind === 'unchanged' ? recorded.rollout : rollout;
  if (!state.request.value.messageId) {
    const failed = await post(deps, fresh, state, options.where);
    if (failed) return refused(failed);
  }
  const where = fresh.helpdesk ? "in the help desk's conversation" : 'here';
  return {
    kind: 'done',
    message: `Asked the help desk for readiness to enter ${label}, ${where}.`,
    ref: refOf(request),
  };
};

export interface RequestSignoffInput extends MutationRequest {
  /** Where the command was typed: the card goes there when no help-desk conversation is bound. */
  where: Coordination;
}

/** `signoff request` (admins): asks the help desk whether it is ready for the next phase or wave. */
export const requestSignoff = async (
  deps: SignoffDeps,
  input: RequestSignoffInput,
): Promise<SignoffOutcome> => {
  const rollout = await adminRollout(deps, input, input.command);
  if (isOutcome(rollout)) return rollout;
  if (rollout.status === 'completed') return refused(`“${rollout.name}” is completed.`);
  return openRequest(deps, rollout, {
    by: input.by,
    activityKey: input.activityKey,
    where: input.where,
    command: input.command,
  });
};

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
    if (!state || !request || request.status !== 'open') continue;
    const stillNeeded = readinessPlanOf(rollout, stageId) !== null;
    if (stillNeeded && request.fingerprint === readinessFingerprint(rollout, stageId)) continue;
    await supersede(
      deps,
      rollout,
      request,
      by,
      stillNeeded ? 'the time frame or target groups changed' : 'sign-off is no longer needed',
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
    (r) => (r.status === 'open' ? { ...r, status: 'decided' } : null),
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

/** `signoff extend --until "YYYY-MM-DD HH:mm"` (admins): moves the open request's deadline (audited). */
export const extendSignoff = async (
  deps: SignoffDeps,
  input: { tenantId: string; rolloutId: string; by: Person; until: string },
): Promise<SignoffOutcome> => {
  const rollout = await adminRollout(deps, input, 'signoff extend');
  if (isOutcome(rollout)) return rollout;
  const local = input.until.trim().replace(' ', 'T');
  if (!isLocalDateTime(local) || local.length !== 16) {
    return refused(
      'Give the new deadline as a date and time in the rollout’s time zone: `--until "2026-05-01 17:00"`.',
    );
  }
  const deadline = localToInstant(local, rollout.timeZone);
  if (deadline.getTime() <= deps.clock.now().getTime())
    return refused('The new deadline must be in the future.');
  const stageId = nextStageId(rollout);
  const requestId = stageId ? rollout.signoffs?.[stageId] : undefined;
  if (!requestId) return refused('There is no readiness request to extend: post one with `signoff request`.');
  const at = deps.clock.now().toISOString();
  const state = await updateRequest(
    deps,
    { tenantId: rollout.tenantId, rolloutId: rollout.id, requestId },
    (r) => (r.status === 'open' ? { ...r, deadline: deadline.toISOString() } : null),
    () =>
      toAuditEntry(rollout.id, {
        type: 'signoff-extended',
        by: input.by,
        at,
        summary: `Deadline moved to ${local.replace('T', ' ')} (${rollout.timeZone})`,
      }),
  );
  if (!state || state.request.value.status !== 'open')
    return refused('That readiness request is no longer open.');
  return {
    kind: 'done',
    message: `Answers for ${state.request.value.stageLabel} are taken until ${local.replace('T', ' ')} (${rollout.timeZone}).`,
    ref: refOf(state.request.value),
  };
};

/** `rollout bind helpdesk` / `rollout unbind helpdesk` (admins, typed in the help desk's channel). */
export const bindHelpdeskConversation = (
  deps: RolloutDeps,
  input: MutationRequest & { to: Coordination | null },
): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: bindHelpdesk(current, input.to, input.by, now),
    describe: (next) =>
      input.to
        ? `Readiness requests for “${next.name}” will be posted in this conversation.`
        : `Readiness requests for “${next.name}” will be posted where \`signoff request\` is typed.`,
    unchanged: input.to
      ? 'This conversation is already the help desk’s.'
      : 'No help-desk conversation was bound.',
  }));

export interface PendingSignoff {
  ref: SignoffRef;
  stageLabel: string;
  /** Member ids with no answer yet. */
  pending: string[];
  deadline: string | null;
  /** Milliseconds until the deadline; null without one. */
  timeLeftMs: number | null;
}

/** The open requests (deadline not passed) with who has not answered and the time left (for reminders). */
export const pendingSignoffs = async (
  deps: Pick<Deps, 'signoffs'>,
  now: Date,
  limit = 500,
): Promise<PendingSignoff[]> => {
  const refs = await deps.signoffs.openRequests(limit);
  const states = await Promise.all(
    refs.map((ref) => deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId)),
  );
  return states.flatMap((state, i) => {
    const ref = refs[i];
    const request = state?.request.value;
    if (!state || !ref || !request || request.status !== 'open') return [];
    const left = request.deadline ? Date.parse(request.deadline) - now.getTime() : null;
    if (left !== null && left <= 0) return [];
    return [
      {
        ref,
        stageLabel: request.stageLabel,
        pending: tallyOf(request, state.answers).pending,
        deadline: request.deadline,
        timeLeftMs: left,
      },
    ];
  });
};
