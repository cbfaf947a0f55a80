/**
 * The dashboard tab's JSON API (`/api/tab/...`): what the server answers and the page reads.
 * Types only (the web bundle imports them type-only): no runtime code here.
 *
 * Every request carries `Authorization: Bearer <Entra ID token>` from teams-js
 * `authentication.getAuthToken()`, except in local mode (no MicrosoftAppId, bot on loopback),
 * where none is needed. Errors answer `{ error: { code, message } }` with 400 (bad input), 401
 * (no or bad token), 403 (not allowed: another tenant, or an admin-only action), 404 (no such
 * rollout for this tenant), 409 (changed meanwhile: reload and try again), 413, 429, 503 (storage
 * slow or down: try again) — `message` is what to show the person.
 *
 * Instants are ISO 8601 (UTC); local dates `YYYY-MM-DD` in the rollout's time zone.
 */

export interface ApiError {
  /** `fields`: what is wrong with each field of a form (400). */
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** GET /api/tab/me */
export interface MeResponse {
  tenantId: string;
  user: { id: string; name: string };
  /** An admin of the deployment (ROLLOUT_ADMINS, ADMIN_GROUP_IDS; everyone in local mode without admins). */
  admin: boolean;
  /** `sso`: a validated Teams SSO token; `local`: the local loopback mode, no sign-in (the page says so). */
  mode: 'sso' | 'local';
}

/** One day of one stage's feedback, from the scheduler's daily snapshots (cumulative counts). */
export interface DayPoint {
  date: string;
  /** Answers up to that day. */
  responses: number;
  /** Answers added since the snapshot before (the first snapshot: all up to it). */
  added: number;
  /** Average rating of all answers up to that day; null before the first answer. */
  averageRating: number | null;
}

/** GET /api/tab/rollouts — a row of the personal tab's list. */
export interface RolloutRow {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'completed';
  /** Where the rollout is, as people read it: `Pilot`, `Enterprise rollout · Sales`. */
  stageLabel: string;
  phase: string;
  gate: { passes: boolean; met: number; total: number };
  /** The current stage's daily responses (oldest first; empty before the first snapshot). */
  spark: DayPoint[];
}

export interface RolloutsResponse {
  rollouts: RolloutRow[];
  /** Admins see every rollout of the tenant; others those whose audience or help desk includes them. */
  scope: 'tenant' | 'mine';
}

/** GET /api/tab/rollouts/lookup?name=… — opens a rollout by id or name, as `status {name}` does. */
export interface LookupResponse {
  id: string;
}

/** One phase or wave on the timeline. */
export interface TimelineStage {
  stageId: string;
  label: string;
  /** `phase` or a wave inside its phase. */
  kind: 'phase' | 'wave';
  /** Planned time frame (local date or date-time in the rollout's zone), null where the plan has none. */
  planned: { start: string | null; end: string | null };
  /** When the rollout entered and left the stage (ISO instants); null: not (yet). */
  actual: { entered: string | null; exited: string | null };
  current: boolean;
  /** The stage was entered or left by a forced advance (with its reason). */
  forced: { at: string; reason: string | null; by: string }[];
}

export interface TimelineEvent {
  kind: 'paused' | 'resumed' | 'forced';
  at: string;
  summary: string;
}

export interface Criterion {
  id: string;
  label: string;
  met: boolean;
  measured: string;
  target: string;
  reason: string;
}

export type Counts = Record<string, number>;

export interface StageFeedbackView {
  stageId: string;
  label: string;
  responses: number;
  averageRating: number | null;
  /** Audience size where known (null: not known). */
  audience: number | null;
  ratings: Counts;
  installed: Counts;
  platforms: Counts;
  categories: Counts;
  severities: Counts;
  openBlockers: number;
  openMajors: number;
  /** Daily snapshots, oldest first. */
  history: DayPoint[];
  /** The first snapshot's date (the chart says history begins there); null: none yet. */
  historySince: string | null;
}

/** A blocker or major answer (open or resolved). `name` only for admins, and only when shared. */
export interface IssueView {
  /** Sealed reference of the answer (for resolve / reopen); never the person's id. */
  ref: string;
  stageId: string;
  stageLabel: string;
  severity: 'blocker' | 'major';
  category: string;
  platform: string;
  comment: string;
  name: string | null;
  at: string;
  resolution: { by: string; at: string; note: string } | null;
}

export interface CommentView {
  stageId: string;
  stageLabel: string;
  rating: number;
  comment: string;
  /** Admins only, and only when the person shared it. */
  name: string | null;
  at: string;
}

/** The viewer's own answer for the current stage (editable while the stage takes feedback). */
export interface MyAnswer {
  stageId: string;
  stageLabel: string;
  answer: {
    rating: number;
    installed: string;
    category: string;
    severity: string;
    platform: string;
    comment: string;
    shareName: boolean;
  } | null;
  /** Whether the viewer may answer or edit now (the stage takes feedback and asks them). */
  canAnswer: boolean;
  /** Why not, when not. */
  reason: string | null;
}

export interface SignoffRequestView {
  id: string;
  stageLabel: string;
  status: 'open' | 'closed' | 'superseded' | 'decided';
  deadline: string | null;
  policy: string;
  met: boolean;
  ready: string[];
  notReady: { name: string; reason: string }[];
  /** Members who have not answered, by name where known (else their id, as the card shows). */
  notAnswered: string[];
}

export interface AnnouncementReach {
  id: string;
  stageLabel: string;
  state: string;
  createdAt: string;
  recipients: number;
  sent: number;
  gotIt: number;
  failed: number;
  blocked: number;
  notInstalled: number;
  pending: number;
}

/** GET /api/tab/rollouts/:id */
export interface DashboardResponse {
  rollout: {
    id: string;
    name: string;
    status: 'active' | 'paused' | 'completed';
    phase: string;
    stageLabel: string;
    timeZone: string;
    createdAt: string;
  };
  viewer: { admin: boolean };
  /** Today in the rollout's zone (the timeline marks it). */
  today: string;
  timeline: { stages: TimelineStage[]; events: TimelineEvent[] };
  gate: { passes: boolean; criteria: Criterion[] };
  feedback: {
    stages: StageFeedbackView[];
    /** Open first, newest first; at most 100. */
    issues: IssueView[];
    comments: CommentView[];
    mine: MyAnswer | null;
  };
  signoff: SignoffRequestView[];
  announcements: AnnouncementReach[];
  generatedAt: string;
}

/** GET /api/tab/rollouts/:id/audit?kind=&person=&cursor= */
export interface AuditEntryView {
  at: string;
  kind: string;
  by: string;
  summary: string;
  from: string | null;
  to: string | null;
  reason: string | null;
}

export interface AuditResponse {
  entries: AuditEntryView[];
  /** Pass as `cursor` for the next (older) page; null: no more. */
  next: string | null;
  /** The kinds the filter offers. */
  kinds: string[];
}

/** POST /api/tab/rollouts/:id/issues — admins resolve (note required) or reopen an issue. */
export interface ResolveRequest {
  ref: string;
  resolved: boolean;
  note: string;
}

export interface ResolveResponse {
  outcome: 'done' | 'unchanged';
  message: string;
  issue: IssueView;
}

/** PUT /api/tab/rollouts/:id/feedback — the viewer's own answer for the current stage. */
export interface FeedbackRequest {
  stageId: string;
  answer: NonNullable<MyAnswer['answer']>;
}

export interface FeedbackResponse {
  message: string;
  mine: MyAnswer;
}

/** POST /api/tab/rollouts/:id/export — admins: a signed, single-use CSV link (the export page). */
export interface ExportResponse {
  url: string;
  expiresAt: string;
}
