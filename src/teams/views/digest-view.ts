import type { AnnouncementStatus } from '../../app/announce/announce-report';
import type { DigestAnnouncement, DigestFacts, DigestFeedback } from '../../app/schedule/daily-digest';
import { defineCard } from '../render-card';
import { announcementStatusLine } from './announce-status';
import { formatInstant, type Fact } from './format';

/** The daily digest's card, from the facts it was decided with; every time in the rollout's zone. */
export interface DigestCardData {
  title: string;
  /** "Thursday 3 December 2026 · as of 3 Dec 2026, 09:00 CET". */
  subtitle: string;
  paused: boolean;
  pausedText: string;
  facts: Fact[];
  feedback: { label: string; text: string }[];
  hasFeedback: boolean;
  blockers: string;
  signoff: string;
  announcement: string;
  due: { text: string }[];
  hasDue: boolean;
  overdue: string;
  hasOverdue: boolean;
  /** "The gate would pass today: `advance phase` moves on." or how many criteria are unmet. */
  gate: string;
  gateColor: 'Good' | 'Attention' | 'Default';
  criteria: { icon: string; label: string; measured: string; target: string; reason: string }[];
  hasCriteria: boolean;
  rolloutId: string;
}

export const digestCard = defineCard<DigestCardData>()('digest');

export const PAUSED_TEXT =
  'This rollout is paused: no reminders, nudges, "ready to advance" or "overdue" notices and no auto-advance until it is resumed (`resume`).';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const longDate = (date: string): string =>
  new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${date}T12:00:00Z`));

/** "12 responses · +3 since 2 Dec 2026, 09:00 CET", or that the trend starts tomorrow. */
export const feedbackText = (f: DigestFeedback, timeZone: string): string => {
  const total = plural(f.responses, 'response');
  if (f.since === null) return `${total} · trend starts tomorrow (the first daily snapshot is today's)`;
  const sign = f.since > 0 ? '+' : '';
  return `${total} · ${sign}${f.since} since ${formatInstant(f.sinceAt, timeZone)}`;
};

/** The announcement line exactly as `status` says it (the same function, from the same counts). */
export const digestAnnouncementLine = (a: DigestAnnouncement | null): string => {
  if (!a) return 'No announcement yet.';
  if (a.kind === 'unavailable') return announcementStatusLine(a);
  const status = {
    kind: 'counts',
    announcement: {
      state: a.state,
      scheduledAt: a.scheduledAt,
      text: { stageLabel: a.stageLabel, timeZone: a.timeZone },
    },
    counts: a.counts,
    pausedSince: a.pausedSince,
  } as unknown as AnnouncementStatus;
  return announcementStatusLine(status);
};

const signoffText = (s: DigestFacts['signoff'], timeZone: string): string => {
  if (!s) return 'No readiness request is open.';
  const deadline = s.deadline ? ` · deadline ${formatInstant(s.deadline, timeZone)}` : '';
  const state = s.met ? 'met' : 'not met yet';
  return `Help-desk readiness for ${s.stageLabel}: ${s.ready} ready, ${s.notReady} not ready, ${s.pending} waiting (${state}: ${s.reason})${deadline}`;
};

const dueText = (d: DigestFacts['due'][number], facts: DigestFacts): string => {
  const when = formatInstant(d.at, facts.timeZone);
  const past = Date.parse(d.at) <= Date.parse(facts.at);
  if (d.what === 'stage-end') return `${d.label} ${past ? 'ended' : 'ends'} ${when}`;
  return `${d.label} ${past ? 'was planned to start' : 'starts'} ${when}`;
};

const gateOf = (facts: DigestFacts): Pick<DigestCardData, 'gate' | 'gateColor'> => {
  const unmet = facts.criteria.filter((c) => !c.met).length;
  if (unmet > 0) {
    return {
      gate: `The gate would not pass today: ${plural(unmet, 'exit criterion is', 'exit criteria are')} unmet.`,
      gateColor: 'Attention',
    };
  }
  if (!facts.canAdvance)
    return { gate: 'This is the last phase: there is nothing to advance to.', gateColor: 'Default' };
  return {
    gate: facts.paused
      ? 'The gate would pass today (resume the rollout to advance).'
      : 'The gate would pass today: `advance phase` moves on.',
    gateColor: 'Good',
  };
};

/** The card's data from the digest's facts (decided at its time; only formatted here). */
export const digestCardData = (facts: DigestFacts): DigestCardData => {
  const tz = facts.timeZone;
  const feedback = facts.feedback.map((f) => ({ label: f.label, text: feedbackText(f, tz) }));
  const due = facts.due.map((d) => ({ text: dueText(d, facts) }));
  const overdue = facts.overdue
    ? `${facts.overdue.label} is overdue since ${formatInstant(facts.overdue.since, tz)}: ${facts.overdue.missing.join('; ')}.`
    : '';
  return {
    title: `Daily digest: ${facts.name}`,
    subtitle: `${longDate(facts.date)} · as of ${formatInstant(facts.at, tz)}`,
    paused: facts.paused,
    pausedText: facts.paused ? PAUSED_TEXT : '',
    facts: [
      { title: 'Current stage', value: facts.position },
      { title: 'Status', value: facts.paused ? 'Paused' : 'Active' },
    ],
    feedback,
    hasFeedback: feedback.length > 0,
    blockers: `Open blockers: ${facts.openBlockers} · open major issues: ${facts.openMajors}`,
    signoff: signoffText(facts.signoff, tz),
    announcement: digestAnnouncementLine(facts.announcement),
    due,
    hasDue: due.length > 0,
    overdue,
    hasOverdue: overdue !== '',
    ...gateOf(facts),
    criteria: facts.criteria.map((c) => ({
      icon: c.met ? '✅' : '❌',
      label: c.label,
      measured: c.measured,
      target: c.target,
      reason: c.reason,
    })),
    hasCriteria: facts.criteria.length > 0,
    rolloutId: facts.rolloutId,
  };
};
