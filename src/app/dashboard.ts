/**
 * The dashboard tab's queries: what one rollout's dashboard shows and which rollouts a person's
 * list holds, composed from the queries the cards use (`getStatus`, `feedbackSummary`, the sign-off
 * state, the announcements' counts), so what the tab shows and what the cards say never disagree.
 * Names are left as stored here: the tab's adapter applies the anonymity rules.
 */
import type { Announcement, AnnouncementCounts } from '../domain/announcement';
import { isPhaseAnnouncement } from '../domain/announcement';
import type { CriterionResult } from '../domain/decision';
import type { FeedbackEntry } from '../domain/feedback';
import { audienceOf, currentStageId, stageIds } from '../domain/feedback-goals';
import type { Rollout } from '../domain/rollout';
import { isAdmin, type AccessPolicy, type Person } from '../domain/roles';
import { RECENT_ANNOUNCEMENTS } from './announce/announce-common';
import { audienceFact } from './directory-facts';
import { feedbackPersonKey } from './feedback-keys';
import { feedbackSummary, MAX_CANDIDATE_ROLLOUTS, type StageFeedback } from './feedback-queries';
import type {
  AuditEntry,
  Deps,
  FeedbackRepository,
  RecentComment,
  SignoffState,
  StageSnapshot,
} from './ports';
import { getStatus } from './queries';
import { feedbackGateFor } from './submit-feedback';

/** The latest comments the dashboard shows (the summary card shows 5). */
export const DASHBOARD_COMMENTS = 10;
/** Blocker and major answers listed at most. */
export const DASHBOARD_ISSUES = 100;
/** Pauses and resumes shown on the timeline at most (each kind). */
const TIMELINE_EVENTS = 50;

export type DashboardDeps = Pick<
  Deps,
  | 'rollouts'
  | 'feedback'
  | 'signoffs'
  | 'audiences'
  | 'schedules'
  | 'access'
  | 'facts'
  | 'announce'
  | 'helpdesk'
>;

/** A person as the tab knows them (from the validated token) and their roles resolved. */
export interface Viewer {
  tenantId: string;
  person: Person;
  access: AccessPolicy;
}

export interface AnnouncementWithCounts {
  announcement: Announcement;
  counts: AnnouncementCounts;
}

export interface Dashboard {
  rollout: Rollout;
  admin: boolean;
  criteria: CriterionResult[];
  stages: StageFeedback[];
  snapshots: StageSnapshot[];
  issues: FeedbackEntry[];
  comments: RecentComment[];
  /** The viewer's answer for the current stage, and whether they may answer it. */
  mine: { stageId: string; entry: FeedbackEntry | null; open: boolean; reason: string | null };
  signoffs: SignoffState[];
  announcements: AnnouncementWithCounts[];
  /** Pauses and resumes, newest first. */
  pauses: AuditEntry[];
}

/** The viewer's own roles: the configured ones with their Entra groups resolved, as a turn's. */
export const viewerAccess = (
  deps: Pick<Deps, 'access' | 'facts'>,
  tenantId: string,
  person: Person,
): Promise<AccessPolicy> => deps.facts.accessFor(deps.access, tenantId, person);

const announcementsOf = async (
  deps: Pick<Deps, 'announce'>,
  rollout: Rollout,
): Promise<AnnouncementWithCounts[]> => {
  const store = deps.announce?.store;
  if (!store) return [];
  const recent = (await store.ofRollout(rollout.tenantId, rollout.id, RECENT_ANNOUNCEMENTS)).filter(
    (a) => isPhaseAnnouncement(a) && a.state !== 'skipped',
  );
  return Promise.all(
    recent.map(async (announcement) => ({
      announcement,
      counts: (await store.counts(rollout.tenantId, announcement.id)).counts,
    })),
  );
};

/** Every readiness request the rollout has made (one per stage to be entered, the latest). */
const signoffsOf = async (deps: Pick<Deps, 'signoffs'>, rollout: Rollout): Promise<SignoffState[]> => {
  const ids = Object.values(rollout.signoffs ?? {});
  const states = await Promise.all(ids.map((id) => deps.signoffs.get(rollout.tenantId, rollout.id, id)));
  return states
    .filter((s): s is SignoffState => s !== null)
    .sort((a, b) => b.request.value.createdAt.localeCompare(a.request.value.createdAt));
};

const pausesOf = async (deps: Pick<Deps, 'rollouts'>, rollout: Rollout): Promise<AuditEntry[]> => {
  const pages = await Promise.all(
    (['rollout-paused', 'rollout-resumed'] as const).map((kind) =>
      deps.rollouts.auditPage(rollout.tenantId, rollout.id, { limit: TIMELINE_EVENTS, kind }),
    ),
  );
  return pages.flatMap((p) => p.entries).sort((a, b) => b.at.localeCompare(a.at));
};

/** The viewer's standing answer for the current stage, and whether the feedback gate lets them answer. */
const mineOf = async (deps: DashboardDeps, viewer: Viewer, rollout: Rollout): Promise<Dashboard['mine']> => {
  const stageId = currentStageId(rollout);
  const [stored, gate] = await Promise.all([
    deps.feedback.get(viewer.tenantId, rollout.id, stageId, feedbackPersonKey(rollout.id, viewer.person.id)),
    feedbackGateFor({ ...deps, access: viewer.access }, viewer.tenantId, rollout, stageId, viewer.person),
  ]);
  return {
    stageId,
    entry: stored?.value ?? null,
    open: gate.open,
    reason: gate.open ? null : gate.message,
  };
};

/** The repository with `tallies` read once per rollout (one request's worth of reads). */
const readCountsOnce = (feedback: FeedbackRepository): FeedbackRepository => {
  const read = new Map<string, ReturnType<FeedbackRepository['tallies']>>();
  return Object.assign(Object.create(feedback) as FeedbackRepository, {
    tallies: (tenantId: string, rolloutId: string) => {
      const key = `${tenantId}|${rolloutId}`;
      const found = read.get(key) ?? feedback.tallies(tenantId, rolloutId);
      read.set(key, found);
      return found;
    },
  });
};

/**
 * One rollout's dashboard, or null when the tenant has no such rollout (another tenant's id is
 * not found: rollouts are keyed by tenant).
 */
export const rolloutDashboard = async (
  all: DashboardDeps,
  viewer: Viewer,
  rolloutId: string,
): Promise<Dashboard | null> => {
  const { tenantId } = viewer;
  // The status and the feedback summary both read the counts: one read serves both.
  const deps = { ...all, feedback: readCountsOnce(all.feedback) };
  const [status, summary] = await Promise.all([
    getStatus(deps, tenantId, rolloutId),
    feedbackSummary(deps, tenantId, rolloutId, DASHBOARD_COMMENTS),
  ]);
  if (!status || !summary) return null;
  const rollout = status.rollout;
  const [snapshots, issues, mine, signoffs, announcements, pauses] = await Promise.all([
    deps.schedules.snapshots(tenantId, rollout.id),
    deps.feedback.issues(tenantId, rollout.id, DASHBOARD_ISSUES),
    mineOf(deps, viewer, rollout),
    signoffsOf(deps, rollout),
    announcementsOf(deps, rollout),
    pausesOf(deps, rollout),
  ]);
  return {
    rollout,
    admin: isAdmin(viewer.person, viewer.access, rollout),
    criteria: status.criteria,
    stages: summary.stages,
    snapshots,
    issues,
    comments: summary.comments,
    mine,
    signoffs,
    announcements,
    pauses,
  };
};

/**
 * Whether a rollout concerns a person who is not an admin: they are listed in one of its stages'
 * audiences (or the directory places them in the current one, or they answered for it), they are
 * on its help desk (ROLLOUT_HELPDESK, or a member of one of its readiness requests), or they created it.
 */
const concerns = async (
  deps: DashboardDeps,
  viewer: Viewer,
  rollout: Rollout,
  signoffs: () => Promise<SignoffState[]>,
): Promise<boolean> => {
  const id = viewer.person.id.toLowerCase();
  if (rollout.createdBy.id.toLowerCase() === id) return true;
  if (deps.helpdesk.includes(id)) return true;
  if (stageIds(rollout).some((stageId) => audienceOf(rollout, stageId).ids?.has(id))) return true;
  const stageId = currentStageId(rollout);
  // Where groups decide the current stage's audience: the directory (or its snapshot) says.
  if (rollout.status !== 'completed') {
    if ((await audienceFact(deps, viewer.tenantId, rollout, stageId, viewer.person)) === 'in') return true;
  }
  // Someone who answered for the current stage is in its audience (one point read).
  if (await deps.feedback.get(viewer.tenantId, rollout.id, stageId, feedbackPersonKey(rollout.id, id)))
    return true;
  return (await signoffs()).some((s) => s.request.value.members.some((m) => m.toLowerCase() === id));
};

export interface ListedRollout {
  rollout: Rollout;
  criteria: CriterionResult[];
  /** The current stage's snapshots, oldest first. */
  spark: StageSnapshot[];
}

/**
 * The personal tab's list: admins get every rollout of the tenant, anyone else the ones that
 * concern them (at most MAX_CANDIDATE_ROLLOUTS, the newest). Each with its gate measured and the
 * current stage's daily snapshots (one partition query per rollout, never a scan of the answers).
 */
export const dashboardList = async (
  deps: DashboardDeps,
  viewer: Viewer,
): Promise<{ scope: 'tenant' | 'mine'; rollouts: ListedRollout[] }> => {
  const admin = isAdmin(viewer.person, viewer.access, null);
  const summaries = (await deps.rollouts.list(viewer.tenantId)).slice(-MAX_CANDIDATE_ROLLOUTS);
  const listed = await Promise.all(
    summaries.map(async (summary): Promise<ListedRollout | null> => {
      const status = await getStatus(deps, viewer.tenantId, summary.id);
      if (!status) return null;
      const { rollout } = status;
      if (!admin && !(await concerns(deps, viewer, rollout, () => signoffsOf(deps, rollout)))) return null;
      const spark = await deps.schedules.snapshots(viewer.tenantId, rollout.id, currentStageId(rollout));
      return { rollout, criteria: status.criteria, spark };
    }),
  );
  return {
    scope: admin ? 'tenant' : 'mine',
    rollouts: listed.filter((r): r is ListedRollout => r !== null).reverse(),
  };
};
