/**
 * The dashboard's queries as the tab's JSON (`api-types.ts`), with the anonymity rules of the cards
 * and the export applied: the tab is a personal context, so a name a person chose to share is shown
 * to admins only; a person's id never.
 */
import type { Dashboard, ListedRollout } from '../app/dashboard';
import { sealIssueRef } from '../app/issue-ref';
import { feedbackPersonKey } from '../app/feedback-keys';
import type { AuditEntry, RecentComment, RefSealer, StageSnapshot } from '../app/ports';
import type { FeedbackEntry, FeedbackTally } from '../domain/feedback';
import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import { localParts } from '../domain/quiet-hours';
import type { Rollout } from '../domain/rollout';
import { positionLabel } from '../domain/rollout';
import { policyWords, tallyOf } from '../domain/signoff';
import type {
  AnnouncementReach,
  AuditEntryView,
  CommentView,
  Criterion,
  DashboardResponse,
  DayPoint,
  IssueView,
  MyAnswer,
  RolloutRow,
  SignoffRequestView,
  StageFeedbackView,
  TimelineEvent,
  TimelineStage,
} from './api-types';

const average = (tally: Pick<FeedbackTally, 'ratingSum' | 'responses'>): number | null =>
  tally.responses > 0 ? Math.round((tally.ratingSum / tally.responses) * 100) / 100 : null;

/** One stage's daily snapshots as chart points, oldest first. */
export const dayPoints = (snapshots: readonly StageSnapshot[]): DayPoint[] => {
  let before = 0;
  return [...snapshots]
    .sort((a, b) => a.date.localeCompare(b.date))
    .map((s) => {
      const point = {
        date: s.date,
        responses: s.tally.responses,
        added: Math.max(0, s.tally.responses - before),
        averageRating: average(s.tally),
      };
      before = s.tally.responses;
      return point;
    });
};

const labelOf = (rollout: Rollout, stageId: string): string => {
  const found = findStage(rollout, stageId);
  return found ? stageLabel(rollout, found) : stageId;
};

const gateOf = (criteria: readonly { met: boolean }[]) => ({
  passes: criteria.every((c) => c.met),
  met: criteria.filter((c) => c.met).length,
  total: criteria.length,
});

export const rolloutRow = ({ rollout, criteria, spark }: ListedRollout): RolloutRow => ({
  id: rollout.id,
  name: rollout.name,
  status: rollout.status,
  stageLabel: positionLabel(rollout, rollout.position),
  phase: rollout.position.phase,
  gate: gateOf(criteria),
  spark: dayPoints(spark),
});

/** The stage a position names (`phase` or `phase/wave id`). */
const stageKey = (rollout: Rollout, at: { phase: string; wave: number | null }): string => {
  const wave = at.wave === null ? undefined : rollout.phases.find((p) => p.key === at.phase)?.waves[at.wave];
  return wave ? `${at.phase}/${wave.id}` : at.phase;
};

/** Phases and waves, planned against actual: entered and left from the rollout's transitions. */
const timelineOf = (rollout: Rollout): TimelineStage[] => {
  const entered = new Map<string, string>();
  const exited = new Map<string, string>();
  const forced = new Map<string, TimelineStage['forced']>();
  const first = rollout.phases[0];
  if (first) entered.set(first.key, rollout.createdAt);
  if (first?.waves[0] && rollout.history.length === 0 && rollout.position.wave !== null) {
    entered.set(stageKey(rollout, rollout.position), rollout.createdAt);
  }
  for (const t of [...rollout.history].sort((a, b) => a.at.localeCompare(b.at))) {
    const from = stageKey(rollout, t.from);
    const to = stageKey(rollout, t.to);
    exited.set(from, t.at);
    if (t.from.phase !== t.to.phase) exited.set(t.from.phase, t.at);
    if (!entered.has(to)) entered.set(to, t.at);
    if (!entered.has(t.to.phase)) entered.set(t.to.phase, t.at);
    if (t.forced) {
      forced.set(to, [...(forced.get(to) ?? []), { at: t.at, reason: t.reason, by: t.by.name }]);
    }
  }
  const current = stageKey(rollout, rollout.position);
  const item = (stageId: string, kind: TimelineStage['kind'], frame: TimelineStage['planned']) => ({
    stageId,
    label: labelOf(rollout, stageId),
    kind,
    planned: { start: frame.start, end: frame.end },
    actual: { entered: entered.get(stageId) ?? null, exited: exited.get(stageId) ?? null },
    current: stageId === current || (kind === 'phase' && stageId === rollout.position.phase),
    forced: forced.get(stageId) ?? [],
  });
  return rollout.phases.flatMap((phase) => [
    { ...item(phase.key, 'phase', phase.timeFrame), label: phase.title },
    ...phase.waves.map((wave) => item(`${phase.key}/${wave.id}`, 'wave', wave.timeFrame)),
  ]);
};

const timelineEvents = (rollout: Rollout, pauses: readonly AuditEntry[]): TimelineEvent[] =>
  [
    ...pauses.map((p) => ({
      kind: p.type === 'rollout-paused' ? ('paused' as const) : ('resumed' as const),
      at: p.at,
      summary: p.summary,
    })),
    ...rollout.history
      .filter((t) => t.forced)
      .map((t) => ({
        kind: 'forced' as const,
        at: t.at,
        summary: `${t.from.label} → ${t.to.label} (forced by ${t.by.name}${t.reason ? `: ${t.reason}` : ''})`,
      })),
  ].sort((a, b) => a.at.localeCompare(b.at));

const stageView = (
  rollout: Rollout,
  stage: Dashboard['stages'][number],
  snapshots: readonly StageSnapshot[],
): StageFeedbackView => {
  const { tally } = stage;
  const history = dayPoints(snapshots.filter((s) => s.stageId === stage.stageId));
  return {
    stageId: stage.stageId,
    label: stage.label,
    responses: tally.responses,
    averageRating: average(tally),
    audience: stage.audience,
    ratings: { ...tally.ratings },
    installed: { ...tally.installed },
    platforms: { ...tally.platforms },
    categories: { ...tally.categories },
    severities: { ...tally.severities },
    openBlockers: tally.openBlockers,
    openMajors: tally.openMajors,
    history,
    historySince: history[0]?.date ?? null,
  };
};

/** A shared name, to an admin only. */
const nameFor = (admin: boolean, entry: FeedbackEntry): string | null =>
  admin && entry.answer.shareName && entry.person.name.trim() ? entry.person.name.trim() : null;

export const issueView = (
  rollout: Rollout,
  entry: FeedbackEntry,
  admin: boolean,
  sealer: RefSealer,
): IssueView => ({
  ref: sealIssueRef(sealer, rollout.tenantId, rollout.id, {
    stageId: entry.stageId,
    personKey: feedbackPersonKey(rollout.id, entry.person.id),
  }),
  stageId: entry.stageId,
  stageLabel: labelOf(rollout, entry.stageId),
  severity: entry.answer.severity === 'blocker' ? 'blocker' : 'major',
  category: entry.answer.category,
  platform: entry.answer.platform,
  comment: entry.answer.comment,
  name: nameFor(admin, entry),
  at: entry.updatedAt,
  resolution: entry.resolution
    ? { by: entry.resolution.by.name, at: entry.resolution.at, note: entry.resolution.note }
    : null,
});

const commentView = (rollout: Rollout, c: RecentComment, admin: boolean): CommentView => ({
  stageId: c.stageId,
  stageLabel: labelOf(rollout, c.stageId),
  rating: c.rating,
  comment: c.comment,
  name: admin ? c.name : null,
  at: c.at,
});

export const myAnswer = (rollout: Rollout, mine: Dashboard['mine']): MyAnswer => ({
  stageId: mine.stageId,
  stageLabel: labelOf(rollout, mine.stageId),
  answer: mine.entry ? { ...mine.entry.answer } : null,
  canAnswer: mine.open,
  reason: mine.reason,
});

const signoffView = (state: Dashboard['signoffs'][number]): SignoffRequestView => {
  const request = state.request.value;
  const tally = tallyOf(request, state.answers);
  // Names as the answers gave them; a member who has not answered by name only where known (as the card).
  const names = new Map<string, string>();
  for (const p of [request.createdBy, ...state.answers.map((a) => a.person)]) {
    if (p.id && p.name.trim()) names.set(p.id.toLowerCase(), p.name.trim());
  }
  const nameOf = (p: { id: string; name: string }) => p.name.trim() || p.id;
  const recorded = request.status === 'closed' && typeof request.metAtClose === 'boolean';
  return {
    id: request.id,
    stageLabel: request.stageLabel,
    status: request.status,
    deadline: request.deadline,
    policy: policyWords(request),
    met: recorded ? request.metAtClose === true : tally.met,
    ready: tally.ready.map((a) => nameOf(a.person)),
    notReady: tally.notReady.map((a) => ({ name: nameOf(a.person), reason: a.reason ?? '' })),
    notAnswered: tally.pending.map((id) => names.get(id.toLowerCase()) ?? id),
  };
};

const reachOf = ({ announcement, counts }: Dashboard['announcements'][number]): AnnouncementReach => ({
  id: announcement.id,
  stageLabel: announcement.text.stageLabel,
  state: announcement.state,
  createdAt: announcement.createdAt,
  recipients: counts.recipients,
  sent: counts.sent,
  gotIt: counts.gotIt,
  failed: counts.failed,
  blocked: counts.blocked,
  notInstalled: counts.notInstalled,
  pending: counts.pending,
});

/** Open issues first, then resolved; newest first within each. */
const byOpenThenNewest = (a: FeedbackEntry, b: FeedbackEntry): number =>
  Number(a.resolution !== null) - Number(b.resolution !== null) || b.updatedAt.localeCompare(a.updatedAt);

export const dashboardJson = (d: Dashboard, sealer: RefSealer, now: Date): DashboardResponse => {
  const { rollout, admin } = d;
  const criteria: Criterion[] = d.criteria.map((c) => ({ ...c }));
  return {
    rollout: {
      id: rollout.id,
      name: rollout.name,
      status: rollout.status,
      phase: rollout.position.phase,
      stageLabel: positionLabel(rollout, rollout.position),
      timeZone: rollout.timeZone,
      createdAt: rollout.createdAt,
    },
    viewer: { admin },
    today: localParts(now, rollout.timeZone).date,
    timeline: { stages: timelineOf(rollout), events: timelineEvents(rollout, d.pauses) },
    gate: { passes: criteria.every((c) => c.met), criteria },
    feedback: {
      stages: d.stages.map((s) => stageView(rollout, s, d.snapshots)),
      issues: [...d.issues].sort(byOpenThenNewest).map((e) => issueView(rollout, e, admin, sealer)),
      comments: d.comments.map((c) => commentView(rollout, c, admin)),
      mine: myAnswer(rollout, d.mine),
    },
    signoff: d.signoffs.map(signoffView),
    announcements: d.announcements.map(reachOf),
    generatedAt: now.toISOString(),
  };
};

export const auditEntryView = (e: AuditEntry): AuditEntryView => ({
  at: e.at,
  kind: e.type,
  by: e.by.name || e.by.id,
  summary: e.summary,
  from: e.from,
  to: e.to,
  reason: e.reason,
});
