/**
 * The policy and the live tally of the readiness request: whether the policy is met and why, who
 * is ready, who is not and who has not answered.
 */
import type { SignoffView } from '../../app/ports';
import type { Person } from '../../domain/roles';
import {
  policyWords,
  tallyOf,
  type SignoffAnswer,
  type SignoffRequest,
  type Tally,
} from '../../domain/signoff';
export { policyWords };
import { formatInstant } from './format';
import type { SignoffCardData, SignoffCardState } from './signoff-view';

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

/** Each list of the tally names at most this many people, then "and N more" (the card's size). */
export const LIST_LIMIT = 50;

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

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

/** The policy, whether it is met (and why), and the tally's lists: ready, not ready, not answered. */
export const policyAndTally = (
  view: SignoffView,
  state: SignoffCardState,
  viewer: Person | null,
): Pick<
  SignoffCardData,
  'policy' | 'policyMet' | 'policyStatus' | 'readyList' | 'notReadyList' | 'pendingList'
> => {
  const { rollout, request, answers } = view;
  const tz = rollout.timeZone;
  const tally = tallyOf(request, answers);

  // Names as the answers gave them; a member who has not answered is shown by name only when known.
  const names = new Map<string, string>();
  const remember = (p: Person | null) => {
    if (p?.id && p.name.trim()) names.set(p.id.toLowerCase(), p.name.trim());
  };
  remember(request.createdBy);
  answers.forEach((a) => remember(a.person));
  remember(viewer);
  const who = (id: string): string => names.get(id.toLowerCase()) ?? id;
  const nameOf = (a: SignoffAnswer): string => a.person.name.trim() || a.person.id;
  const row = (a: SignoffAnswer): SignoffAnswerRow => ({
    who: nameOf(a),
    when: formatInstant(a.at, tz),
    reason: a.ready ? '' : (a.reason ?? ''),
  });
  // Closed at its deadline: the outcome recorded then, as the gate reads it.
  const recorded = request.status === 'closed' && typeof request.metAtClose === 'boolean';
  const met = recorded ? request.metAtClose === true : tally.met;
  const why = recorded && request.closeReason ? request.closeReason : whyText(request, tally, nameOf);
  const closedNote =
    state === 'closed' && !met ? ' Answers are closed: an admin can extend the deadline.' : '';

  return {
    policy: policyWords(request),
    policyMet: met,
    policyStatus: met
      ? `✅ ${state === 'open' ? 'Met now' : 'Met'}: ${why}`
      : `⏳ ${state === 'open' ? 'Not met yet' : 'Not met'}: ${why}${closedNote}`,
    readyList: answerList('Ready', tally.ready, row, 'Nobody yet.'),
    notReadyList: answerList('Not ready', tally.notReady, row, 'Nobody.'),
    pendingList: pendingList(tally.pending, who, request.members.length > 0),
  };
};
