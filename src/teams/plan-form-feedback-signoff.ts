/**
 * The feedback and help-desk sign-off fields of the phase and wave forms: the values they open
 * with, and the feedback plan and readiness sign-off a submitted form asks for.
 */
import { DEFAULT_FEEDBACK_GOALS, type FeedbackGoals, type FeedbackPlan } from '../domain/feedback-goals';
import { defaultReadinessPlan, type ReadinessPlan, type SignoffPolicy } from '../domain/signoff';
import { boundsText, FEEDBACK_GOAL_BOUNDS, QUORUM_BOUNDS, SIGNOFF_POLICIES } from '../plan/plan-file-rules';
import { ids, splitDateTime, type FieldErrors, type Values } from './plan-form';

// ---- feedback (phase and wave forms alike) ----

/** The form fields of a stage's feedback: whether it takes feedback, and each goal. */
export type FeedbackField = 'feedbackEnabled' | keyof FeedbackGoals;

/** The Input.Toggle's value when on (its valueOn); anything else is off. */
export const TOGGLE_ON = 'true';
const TOGGLE_OFF = 'false';

/** A toggle's value for `on`. */
export const toggle = (on: boolean): string => (on ? TOGGLE_ON : TOGGLE_OFF);
export const isToggleOn = (value: string): boolean => value.trim().toLowerCase() === TOGGLE_ON;

/**
 * A stage's feedback as its form shows it. A stage that takes none shows the default goals, so
 * switching feedback on starts from them; an empty goal means no such goal.
 */
export const feedbackValues = (plan: FeedbackPlan | null): Values<FeedbackField> => {
  const goals = plan?.goals ?? DEFAULT_FEEDBACK_GOALS;
  const text = (n: number | null): string => (n === null ? '' : String(n));
  return {
    feedbackEnabled: toggle(plan !== null),
    minResponses: text(goals.minResponses),
    minResponsePercent: text(goals.minResponsePercent),
    minAverageRating: text(goals.minAverageRating),
    minInstallSuccess: text(goals.minInstallSuccess),
    maxOpenBlockers: text(goals.maxOpenBlockers),
  };
};

/** One goal typed in a form: empty is no such goal; otherwise a number in the goal's range. */
const goalFrom = (
  text: string,
  key: keyof FeedbackGoals,
  errors: FieldErrors<FeedbackField>,
): number | null => {
  const t = text.trim();
  if (!t) return null;
  const bounds = FEEDBACK_GOAL_BOUNDS[key];
  const n = Number(t);
  if (!Number.isFinite(n) || (bounds.whole && !Number.isInteger(n)) || n < bounds.min || n > bounds.max) {
    errors[key] = `Must be ${boundsText(bounds)}, or empty for no such goal.`;
    return null;
  }
  return n;
};

/** The feedback a form asks for: none when switched off (its goals then ignored), else its goals. */
export const feedbackFrom = (
  v: Values<FeedbackField>,
  errors: FieldErrors<FeedbackField>,
): FeedbackPlan | null => {
  if (!isToggleOn(v.feedbackEnabled)) return null;
  return {
    goals: {
      minResponses: goalFrom(v.minResponses, 'minResponses', errors),
      minResponsePercent: goalFrom(v.minResponsePercent, 'minResponsePercent', errors),
      minAverageRating: goalFrom(v.minAverageRating, 'minAverageRating', errors),
      minInstallSuccess: goalFrom(v.minInstallSuccess, 'minInstallSuccess', errors),
      maxOpenBlockers: goalFrom(v.maxOpenBlockers, 'maxOpenBlockers', errors),
    },
  };
};

// ---- help-desk sign-off to enter (phase and wave forms alike) ----

/** The form fields of a stage's readiness sign-off. */
export type SignoffField =
  | 'signoffEnabled'
  | 'signoffPolicy'
  | 'signoffQuorum'
  | 'signoffAllowNotReady'
  | 'signoffMembers'
  | 'signoffGroups'
  | 'signoffDeadlineDate'
  | 'signoffDeadlineTime';

/**
 * A stage's readiness sign-off as its form shows it. A stage that needs none shows the default
 * settings, so switching it on starts from them; members and groups one per line; the quorum
 * only with policy quorum.
 */
export const signoffValues = (plan: ReadinessPlan | null): Values<SignoffField> => {
  const shown = plan ?? defaultReadinessPlan();
  const [date, time] = splitDateTime(shown.deadline);
  return {
    signoffEnabled: toggle(plan !== null),
    signoffPolicy: shown.policy.kind,
    signoffQuorum: shown.policy.kind === 'quorum' ? String(shown.policy.n) : '',
    signoffAllowNotReady: toggle(shown.allowNotReady),
    signoffMembers: shown.members.join('\n'),
    signoffGroups: (shown.groups ?? []).join('\n'),
    signoffDeadlineDate: date,
    signoffDeadlineTime: time,
  };
};

/**
 * The readiness sign-off a form asks for: none when switched off (its settings then ignored), else
 * its policy (the quorum and "not ready allowed" read with policy quorum only), members and groups
 * (one per line, or separated by commas; kept in lower case; no groups key without groups) and
 * deadline (a date and a time, or neither). Ids and the deadline's date are checked afterwards by
 * the plan's rules.
 */
export const signoffFrom = (
  v: Values<SignoffField>,
  errors: FieldErrors<SignoffField>,
): ReadinessPlan | null => {
  if (!isToggleOn(v.signoffEnabled)) return null;
  const kind = SIGNOFF_POLICIES.find((p) => p === v.signoffPolicy.trim());
  if (!kind) errors.signoffPolicy = `Choose ${SIGNOFF_POLICIES.join(', ')}.`;
  let policy: SignoffPolicy = { kind: kind === 'first' ? 'first' : 'everyone' };
  if (kind === 'quorum') {
    const t = v.signoffQuorum.trim();
    const n = Number(t);
    const { min, max } = QUORUM_BOUNDS;
    if (!t || !Number.isInteger(n) || n < min || n > max) {
      errors.signoffQuorum = `With policy quorum, say how many Ready answers are needed: ${boundsText(QUORUM_BOUNDS)}.`;
    }
    policy = { kind: 'quorum', n: Number.isInteger(n) && n >= min && n <= max ? n : min };
  }
  const date = v.signoffDeadlineDate.trim();
  const time = v.signoffDeadlineTime.trim();
  if (date && !time) errors.signoffDeadlineTime = 'A deadline needs a time of day.';
  if (time && !date) errors.signoffDeadlineDate = 'A deadline time needs a date.';
  const groups = ids(v.signoffGroups);
  return {
    policy,
    allowNotReady: kind === 'quorum' && isToggleOn(v.signoffAllowNotReady),
    members: ids(v.signoffMembers),
    ...(groups.length > 0 ? { groups } : {}),
    deadline: date && time ? `${date}T${time}` : null,
  };
};
