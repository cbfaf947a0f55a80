/** The data the readiness sign-off template in `cards/` is expanded with. Template and type change together. */
import type { Fact } from './card-data-feedback';

/** What the request's buttons (and its refresh) carry: the rollout and the request answered. */
export interface SignoffCardRef {
  rolloutId: string;
  requestId: string;
}

/** A group the stage is for, with what the plan knows of it (users, devices, platforms, enrollment). */
export interface SignoffGroupRow {
  name: string;
  /** "1,200 users · 1,500 devices · Windows, iOS/iPadOS · Self-service enrollment", or "". */
  detail: string;
}

/** A member's standing answer as the tally lists it. */
export interface SignoffAnswerRow {
  /** The name the answer gave, else the member's id. */
  who: string;
  /** When the standing answer was given, in the rollout's time zone. */
  when: string;
  /** Not ready: what is missing; "" for Ready. */
  reason: string;
}

/** One list of the tally, at most `LIST_LIMIT` entries, then "and N more". */
export interface SignoffAnswerList {
  /** "Ready (3)". */
  title: string;
  count: number;
  rows: SignoffAnswerRow[];
  /** "and 12 more", or "" when every entry is shown. */
  more: string;
  hasMore: boolean;
  /** "Nobody yet.", shown when the list is empty. */
  empty: string;
  isEmpty: boolean;
}

/** The members with no answer, on one line. */
export interface SignoffPendingList {
  /** "Not answered (140)". */
  title: string;
  count: number;
  /** "Adele Vance, 0b1c…, … and 90 more", or "Everyone has answered." */
  text: string;
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
