import type { AudienceSnapshot, SignoffView } from '../../app/ports';
import { findStage } from '../../domain/feedback-goals';
import { CATEGORY_LABELS, PLATFORM_LABELS } from '../../domain/feedback-labels';
import type { EnrollmentApproach, Platform, Rollout, Wave } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import {
  answersOpen,
  tallyOf,
  type SignoffAnswer,
  type SignoffRequest,
  type Tally,
} from '../../domain/signoff';
import { defineCard } from '../render-card';
import { formatInstant, type Fact } from './format';
import { timeFrameText } from './plan-view';

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

export const signoffRequestCard = defineCard<SignoffCardData>()('signoff-request');

/**
 * Teams refreshes a card automatically for at most this many users (`refresh.userIds`); with more
 * members the ids are left out and Teams offers a manual refresh instead.
 */
export const REFRESH_LIMIT = 60;
/** Each list of the tally names at most this many people, then "and N more" (the card's size). */
export const LIST_LIMIT = 50;
/** Each text of the communication plan is cut to this many characters on the card. */
export const COMMUNICATION_CHARS = 300;

/** The user MRI Teams expects in `refresh.userIds` for an Entra object id. */
export const memberMri = (entraId: string): string => `8:orgid:${entraId}`;

const ENROLLMENT_LABELS: Readonly<Record<EnrollmentApproach, string>> = {
  'self-service': 'Self-service: users enroll on their own',
  assisted: 'Assisted: IT helps each user enroll',
  'tech-fair': 'Tech fair: users enroll at an event with IT on hand',
};

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

const cut = (text: string, max: number): string => {
  const chars = [...text.trim()];
  return chars.length > max ? `${chars.slice(0, max).join('').trimEnd()}…` : chars.join('');
};

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The policy in words. */
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

/** Why the policy is (not) met, in a short sentence (the reasons themselves are listed below it). */
const whyText = (request: SignoffRequest, tally: Tally, nameOf: (a: SignoffAnswer) => string): string => {
  const blocked = request.policy.kind === 'quorum' && tally.notReady.length > 0 && !request.allowNotReady;
  if (blocked) return `${plural(tally.notReady.length, 'member is', 'members are')} not ready: see below.`;
  if (request.policy.kind === 'first') {
    const first = [...tally.ready, ...tally.notReady].sort((a, b) => a.at.localeCompare(b.at))[0];
    if (first) return `${nameOf(first)} answered first: ${first.ready ? 'Ready' : 'Not ready'}.`;
  }
  return tally.reason;
};

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

/** The platforms people have managed devices of, largest first (from a snapshot). */
const resolvedPlatforms = (byPlatform: Record<string, number>): string =>
  Object.entries(byPlatform)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([p]) => PLATFORM_LABELS[p as Platform] ?? p)
    .join(', ');

/**
 * A group's users, devices and platforms: from its resolved audience where there is one (the
 * people and managed devices Entra ID and Intune count), else as the plan says.
 */
const groupDetail = (wave: Wave, snapshot: AudienceSnapshot | undefined, timeZone: string): string => {
  const counts = snapshot?.counts;
  const devices = counts ? Object.values(counts.devicesByOs).reduce((a, n) => a + n, 0) : null;
  const platforms = counts ? resolvedPlatforms(counts.byPlatform) : '';
  return [
    counts
      ? plural(counts.people, 'user', 'users')
      : wave.users !== null
        ? plural(wave.users, 'user', 'users')
        : null,
    counts && counts.withoutDevice !== null && devices !== null
      ? plural(devices, 'managed device', 'managed devices')
      : !counts && wave.devices !== null
        ? plural(wave.devices, 'device', 'devices')
        : null,
    platforms ||
      (wave.platforms.length > 0 ? wave.platforms.map((p) => PLATFORM_LABELS[p]).join(', ') : null),
    wave.enrollment ? ENROLLMENT_LABELS[wave.enrollment] : null,
    snapshot ? `resolved from Entra ID ${formatInstant(snapshot.resolvedAt, timeZone)}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
};

/** What is coming: the stage's time frame, groups and profile, and its phase's communication plan. */
const whatIsComing = (
  rollout: Rollout,
  request: SignoffRequest,
  audiences: ReadonlyMap<string, AudienceSnapshot>,
): Pick<
  SignoffCardData,
  | 'coming'
  | 'groups'
  | 'hasGroups'
  | 'communication'
  | 'hasCommunication'
  | 'helpDeskContact'
  | 'hasHelpDeskContact'
  | 'selfHelpUrl'
  | 'hasSelfHelp'
> => {
  const found = findStage(rollout, request.stageId);
  const coming: Fact[] = [];
  const groups: SignoffGroupRow[] = [];
  if (found) {
    const { stage, wave, phase } = found;
    const frame = timeFrameText(stage.timeFrame);
    coming.push({
      title: 'When',
      value: stage.timeFrame.start || stage.timeFrame.end ? `${frame} (${rollout.timeZone})` : frame,
    });
    if (stage.targetGroups.length > 0) {
      coming.push({ title: 'Target groups', value: stage.targetGroups.join(', ') });
    }
    if (!wave && rollout.app.platforms.length > 0) {
      const platforms = rollout.app.platforms.map((p) => PLATFORM_LABELS[p]).join(', ');
      coming.push({ title: 'App platforms', value: platforms });
    }
    for (const w of wave ? [wave] : phase.waves) {
      groups.push({
        name: w.name,
        detail:
          groupDetail(w, audiences.get(`${phase.key}/${w.id}`), rollout.timeZone) ||
          'No users, devices or platforms in the plan yet',
      });
    }
  } else {
    coming.push({ title: 'When', value: 'not in the plan any more' });
  }
  const comms = found?.phase.communication;
  const communication: Fact[] = [
    { title: 'What is deployed', value: comms?.whatIsDeployed ?? '' },
    { title: 'How and when', value: comms?.howAndWhen ?? '' },
    { title: 'Why', value: comms?.businessPurpose || rollout.businessPurpose },
  ]
    .filter((f) => f.value.trim())
    .map((f) => ({ ...f, value: cut(f.value, COMMUNICATION_CHARS) }));
  const helpDeskContact = cut(comms?.helpDeskContact ?? '', COMMUNICATION_CHARS);
  const selfHelpUrl = comms?.selfHelpUrl.trim() ?? '';
  const hasSelfHelp = /^https:\/\/\S+$/i.test(selfHelpUrl);
  return {
    coming,
    groups,
    hasGroups: groups.length > 0,
    communication,
    hasCommunication: communication.length > 0,
    helpDeskContact,
    hasHelpDeskContact: helpDeskContact.length > 0,
    selfHelpUrl: hasSelfHelp ? selfHelpUrl : '',
    hasSelfHelp,
  };
};

const categoryLabel = (category: string): string =>
  (CATEGORY_LABELS as Readonly<Record<string, string>>)[category] ?? category;

const answerList = (
  label: string,
  answers: readonly SignoffAnswer[],
  row: (a: SignoffAnswer) => SignoffAnswerRow,
  empty: string,
): SignoffAnswerList => {
  const more = answers.length - LIST_LIMIT;
  return {
    title: `${label} (${count(answers.length)})`,
    count: answers.length,
    rows: answers.slice(0, LIST_LIMIT).map(row),
    more: more > 0 ? `and ${count(more)} more` : '',
    hasMore: more > 0,
    empty,
    isEmpty: answers.length === 0,
  };
};

const pendingList = (pending: readonly string[], who: (id: string) => string, known: boolean) => {
  const more = pending.length - LIST_LIMIT;
  const names = pending.slice(0, LIST_LIMIT).map(who).join(', ');
  const list: SignoffPendingList = {
    title: `Not answered (${count(pending.length)})`,
    count: pending.length,
    text:
      pending.length === 0
        ? known
          ? 'Everyone has answered.'
          : 'No help-desk members are known.'
        : more > 0
          ? `${names} and ${count(more)} more`
          : names,
  };
  return list;
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
  const tally = tallyOf(request, answers);
  const notice = options.notice ?? '';

  // Names as the answers gave them; a member who has not answered is shown by name only when known.
  const names = new Map<string, string>();
  const remember = (p: Person | null) => {
    if (p?.id && p.name.trim()) names.set(p.id.toLowerCase(), p.name.trim());
  };
  remember(request.createdBy);
  answers.forEach((a) => remember(a.person));
  remember(options.viewer);
  const who = (id: string): string => names.get(id.toLowerCase()) ?? id;
  const nameOf = (a: SignoffAnswer): string => a.person.name.trim() || a.person.id;
  const row = (a: SignoffAnswer): SignoffAnswerRow => ({
    who: nameOf(a),
    when: formatInstant(a.at, tz),
    reason: a.ready ? '' : (a.reason ?? ''),
  });

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

  const why = whyText(request, tally, nameOf);
  const closedNote =
    state === 'closed' && !tally.met ? ' Answers are closed: an admin can extend the deadline.' : '';
  const { openBlockers, openMajors, topCategories } = view.feedback;
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
    know: [
      { title: 'Open blockers', value: count(openBlockers) },
      { title: 'Open major issues', value: count(openMajors) },
      {
        title: 'Top feedback categories',
        value:
          topCategories.length > 0
            ? topCategories.map((c) => `${categoryLabel(c.category)} (${count(c.count)})`).join(', ')
            : 'No feedback yet',
      },
    ],
    hasOpenIssues: openBlockers > 0 || openMajors > 0,
    policy: policyWords(request),
    policyMet: tally.met,
    policyStatus: tally.met
      ? `✅ ${state === 'open' ? 'Met now' : 'Met'}: ${why}`
      : `⏳ ${state === 'open' ? 'Not met yet' : 'Not met'}: ${why}${closedNote}`,
    readyList: answerList('Ready', tally.ready, row, 'Nobody yet.'),
    notReadyList: answerList('Not ready', tally.notReady, row, 'Nobody.'),
    pendingList: pendingList(tally.pending, who, request.members.length > 0),
    viewerLine,
    hasViewer: viewerLine.length > 0,
    canAnswer: viewer === null || isMember,
    reasonValue: own && !own.ready ? (own.reason ?? '') : '',
    notice,
    hasNotice: notice.length > 0,
    refreshUserIds: members.length <= REFRESH_LIMIT ? members.map(memberMri) : null,
  };
};
