import type { SignoffView } from '../../app/ports';
import type { Person } from '../../domain/roles';
import { answersOpen, type SignoffRequest } from '../../domain/signoff';
import { defineCard } from '../render-card';
import { formatInstant, type Fact } from './format';
import { policyAndTally, type SignoffAnswerList, type SignoffPendingList } from './signoff-answers';
import { whatIsComing, whatToKnow, type SignoffGroupRow } from './signoff-coming';

export { LIST_LIMIT, policyWords } from './signoff-answers';

/** What the request's buttons (and its refresh) carry: the rollout and the request answered. */
export interface SignoffCardRef {
  rolloutId: string;
  requestId: string;
}

/**
 * Where the request stands: `open` takes answers, `closed` is past its deadline, `superseded` was
 * replaced by a newer request after the plan changed.
 */
export type SignoffCardState = 'open' | 'closed' | 'superseded';

/** The help-desk readiness request: what is coming, the policy, the live tally and the buttons. */
export interface SignoffCardData extends SignoffCardRef {
  /** "Help-desk readiness: Enterprise rollout — wave 2 of 3: Sales". */
  title: string;
  rolloutName: string;
  state: SignoffCardState;
  /** "Open — answers until 12 Feb 2026, 17:00 CET", "Closed — …", "Superseded — …". */
  stateLine: string;
  /** Adaptive Card color of the state line. */
  stateColor: string;
  /** Answers are taken: the buttons, the reason input and the refresh are on the card. */
  open: boolean;
  /** Superseded: only the state line and `supersededText` are shown. */
  superseded: boolean;
  /** Not superseded: what is coming, the policy and the tally are shown. */
  showDetails: boolean;
  supersededText: string;

  // ---- what is coming ----
  /** Time frame, target groups, enrollment: what the plan knows. */
  coming: Fact[];
  groups: SignoffGroupRow[];
  hasGroups: boolean;
  /** The communication plan in short (what is deployed, how and when, business purpose). */
  communication: Fact[];
  hasCommunication: boolean;
  helpDeskContact: string;
  hasHelpDeskContact: boolean;
  /** An https:// URL, or "" (then no self-help button). */
  selfHelpUrl: string;
  hasSelfHelp: boolean;
  /** "What the help desk should know": open blockers, open major issues, top feedback categories. */
  know: Fact[];
  /** Open blockers or major issues: the section is highlighted. */
  hasOpenIssues: boolean;

  // ---- the policy and the tally ----
  /** "Everyone must be ready", "At least 2 ready and none not ready", … */
  policy: string;
  policyMet: boolean;
  /** "✅ Met: Everyone is ready." or "⏳ Not met yet: Waiting for 2 of 5." */
  policyStatus: string;
  readyList: SignoffAnswerList;
  notReadyList: SignoffAnswerList;
  /** Members with no answer: names (or ids), at most `LIST_LIMIT`. */
  pendingList: SignoffPendingList;

  // ---- the viewer (a user-specific view) ----
  /** "Your answer: Ready (at …)", "You have not answered yet", …; "" for the shared card. */
  viewerLine: string;
  hasViewer: boolean;
  /** The viewer may answer (a member, or the shared card): the buttons are shown while open. */
  canAnswer: boolean;
  /** The reason input's value: the viewer's standing Not ready reason, else "". */
  reasonValue: string;
  notice: string;
  hasNotice: boolean;

  // ---- refresh (user-specific views) ----
  /**
   * `8:orgid:<Entra object id>` of each member (at most `REFRESH_LIMIT`), for whom Teams refreshes
   * the card automatically; null with more members (the key is then null: Teams offers a manual
   * refresh). Only used while open.
   */
  refreshUserIds: string[] | null;
}

export const signoffRequestCard = defineCard<SignoffCardData>()('signoff-request');

/**
 * Teams refreshes a card automatically for at most this many users (`refresh.userIds`); with more
 * members the ids are left out and Teams offers a manual refresh instead.
 */
export const REFRESH_LIMIT = 60;

/** The user MRI Teams expects in `refresh.userIds` for an Entra object id. */
export const memberMri = (entraId: string): string => `8:orgid:${entraId}`;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

const stateOf = (request: SignoffRequest, now: Date): SignoffCardState =>
  request.status === 'superseded'
    ? 'superseded'
    : request.status === 'open' && answersOpen(request, now)
      ? 'open'
      : 'closed';

const STATE_COLORS: Readonly<Record<SignoffCardState, string>> = {
  open: 'Accent',
  closed: 'Warning',
  superseded: 'Attention',
};

const stateLine = (state: SignoffCardState, request: SignoffRequest, timeZone: string): string => {
  switch (state) {
    case 'open':
      return request.deadline
        ? `Open — answers until ${formatInstant(request.deadline, timeZone)}`
        : 'Open — no deadline';
    case 'closed':
      return request.status === 'decided'
        ? `Closed — the rollout has entered ${request.stageLabel}`
        : `Closed — the deadline passed ${formatInstant(request.deadline, timeZone)}`;
    case 'superseded':
      return 'Superseded — the plan changed; answer the new request';
  }
};

/**
 * The readiness request card, for everyone (`viewer` null: the shared card with the live tally) or
 * for one member (a user-specific view through `refresh`: their own answer too). Pure: every date
 * is read from `view.now` and formatted in the rollout's time zone.
 */
export const signoffCardData = (
  view: SignoffView,
  options: { viewer: Person | null; notice?: string },
): SignoffCardData => {
  const { rollout, request, answers } = view;
  const tz = rollout.timeZone;
  const now = new Date(view.now);
  const state = stateOf(request, now);
  const notice = options.notice ?? '';

  const viewer = options.viewer;
  const isMember = viewer !== null && request.members.some((id) => same(id, viewer.id));
  const own = isMember ? answers.find((a) => same(a.person.id, viewer.id)) : undefined;
  const viewerLine =
    viewer === null
      ? ''
      : !isMember
        ? 'You are not one of the help-desk members asked for this sign-off.'
        : own
          ? own.ready
            ? `Your answer: Ready (at ${formatInstant(own.at, tz)})`
            : `Your answer: Not ready (at ${formatInstant(own.at, tz)}): ${own.reason ?? ''}`
          : state === 'open'
            ? 'You have not answered yet.'
            : 'You did not answer.';

  const members = [...new Set(request.members)];

  return {
    rolloutId: rollout.id,
    requestId: request.id,
    title: `Help-desk readiness: ${request.stageLabel}`,
    rolloutName: rollout.name,
    state,
    stateLine: stateLine(state, request, tz),
    stateColor: STATE_COLORS[state],
    open: state === 'open',
    superseded: state === 'superseded',
    showDetails: state !== 'superseded',
    supersededText:
      state === 'superseded'
        ? `The plan for ${request.stageLabel} changed after this request was posted (its time frame, target groups or audience), so these answers no longer count. A new request was posted: answer that one.`
        : '',
    ...whatIsComing(rollout, request, view.audiences ?? new Map()),
    ...whatToKnow(view.feedback),
    ...policyAndTally(view, state, options.viewer),
    viewerLine,
    hasViewer: viewerLine.length > 0,
    canAnswer: viewer === null || isMember,
    reasonValue: own && !own.ready ? (own.reason ?? '') : '',
    notice,
    hasNotice: notice.length > 0,
    refreshUserIds: members.length <= REFRESH_LIMIT ? members.map(memberMri) : null,
  };
};
