import { accept, refuse, type CriterionResult, type Decision } from './decision';
import { audienceFingerprint, audienceParts } from './audience';
import { findStage, isWaveStageId } from './feedback-goals';
import type { Coordination, Rollout } from './rollout';
import type { Person } from './roles';
import { nextPosition } from './positions';
import { localInstantText } from './time';

/**
 * Help-desk readiness sign-off. Readiness to enter a phase or wave is an exit criterion of the
 * stage before it: the plan says, per stage, whether entering it needs the help desk's sign-off,
 * under which policy, from whom, and until when answers are taken.
 */
export type SignoffPolicy = { kind: 'everyone' } | { kind: 'quorum'; n: number } | { kind: 'first' };

export interface ReadinessPlan {
  policy: SignoffPolicy;
  /** Quorum only: Not ready answers are shown but do not block. */
  allowNotReady: boolean;
  /** Entra object ids of the help-desk members who answer; empty: ROLLOUT_HELPDESK. */
  members: string[];
  /**
   * Entra groups whose transitive members also answer, expanded when the request is made (absent
   * in plans before groups: none).
   */
  groups?: string[];
  /** Local date and time (YYYY-MM-DDTHH:mm) in the rollout's time zone; null: no deadline. */
  deadline: string | null;
}

export const MAX_REASON_LENGTH = 500;
export const MAX_MEMBERS = 200;

export const defaultReadinessPlan = (): ReadinessPlan => ({
  policy: { kind: 'everyone' },
  allowNotReady: false,
  members: [],
  deadline: null,
});

/**
 * Whether entering the stage needs the help desk's sign-off: as the plan says, else the default —
 * entering the pilot (its first stage when it has stages) and entering the enterprise rollout and
 * each of its waves.
 */
export const readinessPlanOf = (rollout: Rollout, stageId: string): ReadinessPlan | null => {
  const found = findStage(rollout, stageId);
  if (!found) return null;
  const { stage } = found;
  if (stage.readiness !== undefined) return stage.readiness;
  const phase = found.phase.key;
  if (!isWaveStageId(stageId)) {
    return (phase === 'pilot' || phase === 'enterprise') && found.phase.waves.length === 0
      ? defaultReadinessPlan()
      : null;
  }
  if (phase === 'enterprise') return defaultReadinessPlan();
  if (phase === 'pilot' && found.phase.waves[0] === found.wave) return defaultReadinessPlan();
  return null;
};

/** The stage the rollout enters next (a wave or a phase), or null from the last phase. */
export const nextStageId = (rollout: Rollout): string | null => {
  const next = nextPosition(rollout);
  if (!next) return null;
  if (next.wave === null) return next.phase;
  const wave = rollout.phases.find((p) => p.key === next.phase)?.waves[next.wave];
  return wave ? `${next.phase}/${wave.id}` : next.phase;
};

/**
 * What a request was made on: a change to it (the time frame, target groups or the audience's
 * definition: groups, members, filters) invalidates the sign-off.
 */
export const readinessFingerprint = (rollout: Rollout, stageId: string): string =>
  JSON.stringify({
    ...readinessBasis(rollout, stageId),
    audience: audienceFingerprint(audienceParts(rollout, stageId)),
  });

const readinessBasis = (
  rollout: Rollout,
  stageId: string,
): { timeFrame: unknown; targetGroups: string[] } => {
  const stage = findStage(rollout, stageId)?.stage;
  return { timeFrame: stage?.timeFrame ?? null, targetGroups: stage?.targetGroups ?? [] };
};

/**
 * Whether a request's fingerprint still matches the plan. Requests made before audiences were
 * fingerprinted (no `audience` key) are compared on what they were made on, so an upgrade
 * supersedes no open request.
 */
export const fingerprintHolds = (fingerprint: string, rollout: Rollout, stageId: string): boolean => {
  // A fingerprint made before audiences is the basis alone (every newer one has `audience`).
  return (
    fingerprint === readinessFingerprint(rollout, stageId) ||
    fingerprint === JSON.stringify(readinessBasis(rollout, stageId))
  );
};

/**
 * open: taking answers; closed: its deadline passed (the outcome at that moment is recorded; an
 * admin's extension reopens it); superseded: the plan changed, a new request replaces it; decided:
 * the stage was entered.
 */
export type RequestStatus = 'open' | 'closed' | 'superseded' | 'decided';

/** A readiness request as posted: the policy and members are fixed when it is made. */
export interface SignoffRequest {
  id: string;
  tenantId: string;
  rolloutId: string;
  /** The stage to be entered. */
  stageId: string;
  stageLabel: string;
  policy: SignoffPolicy;
  allowNotReady: boolean;
  members: string[];
  /** ISO instant; null: no deadline. */
  deadline: string | null;
  fingerprint: string;
  status: RequestStatus;
  supersededBy: string | null;
  createdBy: Person;
  createdAt: string;
  /** Where the card was posted and its message id (for updates in place). */
  postedTo: { conversationId: string; conversationType: string; serviceUrl: string } | null;
  messageId: string | null;
  /** When (and by which attempt) a post of the card was claimed, so a redelivered command posts once. */
  postingAt?: string | null;
  /** Closed at its deadline: when it was closed (ISO), and whether its policy held then (absent: never closed). */
  closedAt?: string | null;
  metAtClose?: boolean | null;
  /** Why the policy was (not) met when it closed, and the tally then ("2 ready · 0 not ready · 1 not answered"). */
  closeReason?: string | null;
  closeTally?: string | null;
  /** How many times an admin moved the deadline, and when last (absent: never). */
  extensions?: number;
  extendedAt?: string | null;
}

/** A member's standing answer, changed in place until the deadline. */
export interface SignoffAnswer {
  person: Person;
  ready: boolean;
  reason: string | null;
  /** When the standing answer was given. */
  at: string;
  /** Recent activity keys (a redelivered invoke is stored once). */
  activities: string[];
}

export interface Tally {
  ready: SignoffAnswer[];
  notReady: SignoffAnswer[];
  /** Member ids with no answer. */
  pending: string[];
  met: boolean;
  /** Why it is (not) met, in a sentence. */
  reason: string;
}

const policyText = (request: Pick<SignoffRequest, 'policy' | 'allowNotReady'>): string => {
  switch (request.policy.kind) {
    case 'everyone':
      return 'everyone ready';
    case 'first':
      return 'the first answer is Ready';
    case 'quorum':
      return `at least ${request.policy.n} ready${request.allowNotReady ? '' : ', none not ready'}`;
  }
};

/**
 * The policy decision table:
 * - everyone: met when every member's standing answer is Ready;
 * - quorum N: met when at least N standing answers are Ready and none is Not ready (unless
 *   allowNotReady, when Not ready answers are shown but do not block);
 * - first: met when the earliest standing answer is Ready.
 */
export const tallyOf = (request: SignoffRequest, answers: readonly SignoffAnswer[]): Tally => {
  const members = new Set(request.members);
  const standing = answers.filter((a) => members.has(a.person.id));
  const byTime = [...standing].sort((a, b) => a.at.localeCompare(b.at));
  const ready = byTime.filter((a) => a.ready);
  const notReady = byTime.filter((a) => !a.ready);
  const answered = new Set(standing.map((a) => a.person.id));
  const pending = request.members.filter((id) => !answered.has(id));
  const tally = { ready, notReady, pending };
  switch (request.policy.kind) {
    case 'everyone': {
      if (request.members.length === 0) {
        return {
          ...tally,
          met: false,
          reason: 'No help-desk members are known: set them in the plan or ROLLOUT_HELPDESK.',
        };
      }
      const met = ready.length === request.members.length;
      return {
        ...tally,
        met,
        reason: met
          ? 'Everyone is ready.'
          : `Waiting for ${request.members.length - ready.length} of ${request.members.length}.`,
      };
    }
    case 'quorum': {
      const enough = ready.length >= request.policy.n;
      const blocked = notReady.length > 0 && !request.allowNotReady;
      const met = enough && !blocked;
      const reason = blocked
        ? `${notReady.length} not ready: ${notReady.map((a) => `${a.person.name || 'someone'} (${a.reason ?? ''})`).join('; ')}.`
        : enough
          ? `${ready.length} ready, at least ${request.policy.n} needed.`
          : `${ready.length} ready, ${request.policy.n} needed.`;
      return { ...tally, met, reason };
    }
    case 'first': {
      const [first] = byTime;
      if (!first) return { ...tally, met: false, reason: 'Nobody has answered yet.' };
      return {
        ...tally,
        met: first.ready,
        reason: first.ready
          ? `${first.person.name || 'The first to answer'} answered Ready first.`
          : `The first answer was Not ready: ${first.reason ?? ''}.`,
      };
    }
  }
};

/** The policy as a sentence, as cards and the dashboard show it. */
export const policyWords = (request: Pick<SignoffRequest, 'policy' | 'allowNotReady'>): string => {
  switch (request.policy.kind) {
    case 'everyone':
      return 'Everyone must be ready';
    case 'first':
      return 'The first answer decides';
    case 'quorum':
      return request.allowNotReady
        ? `At least ${request.policy.n} ready. Not ready answers are shown but do not block`
        : `At least ${request.policy.n} ready and none not ready`;
  }
};

/** The tally in a few words, as the gate shows it. */
export const tallyWords = (tally: Tally): string =>
  `${tally.ready.length} ready · ${tally.notReady.length} not ready · ${tally.pending.length} not answered`;

/** Whether answers are still taken. */
export const answersOpen = (request: SignoffRequest, now: Date): boolean =>
  request.status === 'open' && (request.deadline === null || now.getTime() < Date.parse(request.deadline));

export type AnswerDecision =
  | { kind: 'store'; answer: SignoffAnswer; notReadyReported: boolean }
  | { kind: 'unchanged' | 'duplicate'; answer: SignoffAnswer }
  | { kind: 'refused'; message: string };

/** Why an answer after the deadline is refused, with the deadline in the rollout's zone. */
export const deadlinePassedMessage = (request: Pick<SignoffRequest, 'deadline'>, timeZone: string): string =>
  `The deadline for this sign-off passed at ${request.deadline ? localInstantText(request.deadline, timeZone) : 'its deadline'}; ask an admin to extend it (\`signoff extend\`).`;

/**
 * A member answers (or changes their answer) until the deadline; Not ready needs a reason. After
 * the deadline (closed or not yet) the answer is refused, naming the deadline in `timeZone`.
 */
export const decideAnswer = (
  request: SignoffRequest,
  existing: SignoffAnswer | null,
  input: { by: Person; ready: boolean; reason: string; activityKey: string },
  now: Date,
  timeZone = 'UTC',
): AnswerDecision => {
  if (existing?.activities.includes(input.activityKey)) return { kind: 'duplicate', answer: existing };
  if (request.status === 'decided') {
    return {
      kind: 'refused',
      message: `The rollout has entered ${request.stageLabel}: this request is closed.`,
    };
  }
  if (request.status === 'superseded') {
    return {
      kind: 'refused',
      message: 'This request was replaced by a newer one after the plan changed: answer the new card.',
    };
  }
  if (!answersOpen(request, now)) {
    return { kind: 'refused', message: deadlinePassedMessage(request, timeZone) };
  }
  if (!request.members.includes(input.by.id)) {
    return { kind: 'refused', message: 'Only the help-desk members named for this sign-off can answer it.' };
  }
  const reason = input.ready ? null : input.reason.trim();
  if (reason === '') return { kind: 'refused', message: 'Not ready needs a reason: what is missing?' };
  if (reason && reason.length > MAX_REASON_LENGTH) {
    return { kind: 'refused', message: `A reason has at most ${MAX_REASON_LENGTH} characters.` };
  }
  if (existing && existing.ready === input.ready && existing.reason === reason)
    return { kind: 'unchanged', answer: existing };
  const answer: SignoffAnswer = {
    person: input.by,
    ready: input.ready,
    reason,
    at: now.toISOString(),
    activities: [...(existing?.activities ?? []), input.activityKey].slice(-10),
  };
  return { kind: 'store', answer, notReadyReported: !input.ready };
};

/**
 * At (or after) its deadline an open request closes: the outcome its policy gives its standing
 * answers then is recorded (`metAtClose`, the reason and the tally), and the gate reads that from
 * now on. Unchanged (no event) when there is nothing to close: not open, no deadline, or the
 * deadline not reached at `now`; so closing twice records once.
 */
export const closeRequest = (
  request: SignoffRequest,
  answers: readonly SignoffAnswer[],
  now: Date,
  by: Person,
): Decision<SignoffRequest> => {
  if (request.status !== 'open' || request.deadline === null) return accept(request, []);
  if (now.getTime() < Date.parse(request.deadline)) return accept(request, []);
  const tally = tallyOf(request, answers);
  const closed: SignoffRequest = {
    ...request,
    status: 'closed',
    closedAt: now.toISOString(),
    metAtClose: tally.met,
    closeReason: tally.reason,
    closeTally: tallyWords(tally),
  };
  return accept(closed, [
    {
      type: 'signoff-closed',
      by,
      at: now.toISOString(),
      summary: `Closed at the deadline: ${tally.met ? 'met' : 'not met'} (${tallyWords(tally)}). ${tally.reason}`,
    },
  ]);
};

/**
 * An admin moves the deadline of an open or closed request to `deadline` (in the future): a closed
 * request reopens (its recorded outcome is dropped; the gate reads the live tally again). Null for
 * a request that is superseded or decided.
 */
export const extendRequest = (request: SignoffRequest, deadline: Date, now: Date): SignoffRequest | null => {
  if (request.status !== 'open' && request.status !== 'closed') return null;
  return {
    ...request,
    status: 'open',
    deadline: deadline.toISOString(),
    closedAt: null,
    metAtClose: null,
    closeReason: null,
    closeTally: null,
    extensions: (request.extensions ?? 0) + 1,
    extendedAt: now.toISOString(),
  };
};

/** The request the gate reads, with its standing answers. */
export interface ReadinessState {
  request: SignoffRequest;
  answers: readonly SignoffAnswer[];
}

/** The readiness criterion of leaving the current position, against the request made for it. */
export const evaluateReadiness = (rollout: Rollout, current: ReadinessState | null): CriterionResult[] => {
  const stageId = nextStageId(rollout);
  if (!stageId) return [];
  const plan = readinessPlanOf(rollout, stageId);
  if (!plan) return [];
  const found = findStage(rollout, stageId);
  const label = `Help desk ready for ${found?.stage.title ?? stageId}`;
  const id = `${stageId}:readiness`;
  const target = policyText({ policy: plan.policy, allowNotReady: plan.allowNotReady });
  const request = current?.request;
  if (!request || request.stageId !== stageId) {
    return [
      {
        id,
        label,
        met: false,
        measured: 'not requested',
        target,
        reason: 'No readiness request yet: an admin posts one with `signoff request`.',
      },
    ];
  }
  const closed = request.status === 'closed';
  if ((request.status !== 'open' && !closed) || !fingerprintHolds(request.fingerprint, rollout, stageId)) {
    return [
      {
        id,
        label,
        met: false,
        measured: 'superseded',
        target,
        reason: 'The plan changed since the request: a new request is needed (`signoff request`).',
      },
    ];
  }
  if (closed) {
    // Closed at its deadline: read by its recorded outcome, whatever the answers say since.
    return [
      {
        id,
        label,
        met: request.metAtClose === true,
        measured: `closed at the deadline: ${request.closeTally ?? 'no tally recorded'}`,
        target: policyText(request),
        reason:
          `${request.closeReason ?? ''}${request.metAtClose === true ? '' : ' Answers are closed: an admin can extend the deadline (`signoff extend`).'}`.trim(),
      },
    ];
  }
  const tally = tallyOf(request, current.answers);
  return [
    {
      id,
      label,
      met: tally.met,
      measured: tallyWords(tally),
      target: policyText(request),
      reason: tally.reason,
    },
  ];
};

/** Binds (or unbinds, with null) the conversation where the help desk answers readiness requests. */
export const bindHelpdesk = (
  rollout: Rollout,
  to: Coordination | null,
  by: Person,
  now: Date,
): Decision<Rollout> => {
  const current = rollout.helpdesk ?? null;
  if (current?.conversationId === to?.conversationId) return accept(rollout, []);
  const at = now.toISOString();
  return accept({ ...rollout, helpdesk: to }, [
    to
      ? {
          type: 'helpdesk-bound',
          by,
          at,
          summary: `Bound the help desk's conversation (${to.conversationType})`,
        }
      : { type: 'helpdesk-unbound', by, at, summary: "Unbound the help desk's conversation" },
  ]);
};

/**
 * Records the readiness request now current for a stage (the gate reads it), provided the stage's
 * current request is still the one `replaces` (compare-and-set: of two requests made at once for
 * the same stage, one is recorded and the other refused).
 */
export const recordRequest = (
  rollout: Rollout,
  request: SignoffRequest,
  replaces: string | null,
  now: Date,
): Decision<Rollout> => {
  const current = rollout.signoffs?.[request.stageId] ?? null;
  if (current === request.id) return accept(rollout, []);
  if (current !== replaces) {
    return refuse(
      'stale-revision',
      `Another readiness request for ${request.stageLabel} was made at the same moment.`,
    );
  }
  return accept({ ...rollout, signoffs: { ...rollout.signoffs, [request.stageId]: request.id } }, [
    {
      type: 'signoff-requested',
      by: request.createdBy,
      at: now.toISOString(),
      stageId: request.stageId,
      requestId: request.id,
      summary: `Asked the help desk for readiness to enter ${request.stageLabel}`,
    },
  ]);
};
