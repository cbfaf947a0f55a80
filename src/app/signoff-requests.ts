/** Asking the help desk: a readiness request made, recorded on the rollout and posted (once). */
import { createHash, randomUUID } from 'node:crypto';
import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import type { Coordination, Rollout } from '../domain/rollout';
import type { Person } from '../domain/roles';
import {
  MAX_MEMBERS,
  nextStageId,
  fingerprintHolds,
  readinessFingerprint,
  readinessPlanOf,
  recordRequest,
  tallyOf,
  type SignoffRequest,
} from '../domain/signoff';
import { isLocalDateTime, localToInstant } from '../domain/time';
import { toAuditEntry } from './audit';
import { DeliveryError, DirectoryError, isConcurrencyError } from './errors';
import { loadAsAdmin, mutateRollout, type MutationRequest } from './mutate';
import type { SignoffState } from './ports';
import { signoffView } from './signoff-view';
import { refOf, refused, updateRequest, type SignoffDeps, type SignoffOutcome } from './signoff-store';

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

/**
 * Marks a request superseded (audited); its card then says so, for everyone, through the tally
 * updater (one writer per card, so an older tally never lands after it).
 */
export const supersede = async (
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
    (r) => (r.status === 'open' || r.status === 'closed' ? { ...r, status: 'superseded' } : null),
    () => toAuditEntry(rollout.id, { type: 'signoff-superseded', by, at, summary: `Superseded: ${why}` }),
  );
  deps.tallies.schedule(refOf(request));
};

const tooMany = (count: string): string =>
  `At most ${MAX_MEMBERS} help-desk members can sign off one request; ${count} are named. Name fewer people or a smaller group.`;

/**
 * The help-desk members of a request: the listed ids plus the transitive members (users) of the
 * groups, read when the request is made; more than MAX_MEMBERS is refused (the request stays fixed).
 */
const expandMembers = async (
  deps: Pick<SignoffDeps, 'facts'>,
  tenantId: string,
  listed: readonly string[],
  groups: readonly string[],
): Promise<{ ok: true; members: string[] } | { ok: false; message: string }> => {
  const members = new Set(listed.map((m) => m.toLowerCase()));
  if (members.size > MAX_MEMBERS) return { ok: false, message: tooMany(String(members.size)) };
  if (groups.length === 0) return { ok: true, members: [...members] };
  const directory = deps.facts.directory;
  if (!directory) {
    return {
      ok: false,
      message:
        'The sign-off names help-desk groups, but Microsoft Graph is not configured (GRAPH_AUTH), so I cannot read them: list the members instead, or ask the bot’s operator to set up Graph.',
    };
  }
  for (const group of groups) {
    try {
      for await (const page of directory.groupMembers(tenantId, group)) {
        for (const user of page.users) if (user.accountEnabled) members.add(user.id.toLowerCase());
        if (members.size > MAX_MEMBERS) return { ok: false, message: tooMany(`more than ${MAX_MEMBERS}`) };
      }
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
      return { ok: false, message: `I could not read the help-desk group ${group}: ${err.message}` };
    }
  }
  return { ok: true, members: [...members] };
};

/**
 * Creates a readiness request for the stage the rollout enters next, records it on the rollout
 * (the gate reads it), and posts its card in the help desk's conversation (else `where`).
 */
export const openRequest = async (
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
  const named = plan.members.length > 0 || (plan.groups ?? []).length > 0;
  const expanded = await expandMembers(
    deps,
    rollout.tenantId,
    named ? plan.members : deps.helpdesk,
    named ? (plan.groups ?? []) : deps.helpdeskGroups,
  );
  if (!expanded.ok) return refused(expanded.message);
  const { members } = expanded;
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
    if (fingerprintHolds(current.request.value.fingerprint, rollout, stageId)) {
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
  } else if (current?.request.value.status === 'closed') {
    // Closed at its deadline: a new request replaces it (its card says so).
    await supersede(
      deps,
      rollout,
      current.request.value,
      options.by,
      'a new request was made after its deadline',
    );
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
  const access = await loadAsAdmin(deps, input, input.command);
  if (access.kind !== 'admin') return access;
  const { rollout } = access;
  if (rollout.status === 'completed') return refused(`“${rollout.name}” is completed.`);
  return openRequest(deps, rollout, {
    by: input.by,
    activityKey: input.activityKey,
    where: input.where,
    command: input.command,
  });
};
