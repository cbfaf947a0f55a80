import type { Coordination, EnrollmentApproach, Stage, TimeFrame } from './rollout';
import type { Person } from './roles';

/**
 * Phase announcements: a stage's communication plan delivered to every person of its audience
 * (one delivery row each) and posted to the coordination and help-desk conversations. Pure types
 * and decisions; storage, the queue and the Bot Connector are behind ports (`ports-announce.ts`).
 */

/** What entering a stage does: sends at once (`auto`), posts a preview to confirm (`prompt`), nothing (`off`). */
export const ANNOUNCE_MODES = ['auto', 'prompt', 'off'] as const;
export type AnnounceMode = (typeof ANNOUNCE_MODES)[number];
/** A stage without the setting (every rollout stored before announcements): nothing fans out by surprise. */
export const DEFAULT_ANNOUNCE_MODE: AnnounceMode = 'prompt';

/** What entering the stage does about its announcement: its own setting, else the default (prompt). */
export const announceModeOf = (stage: Pick<Stage, 'announce'>): AnnounceMode =>
  stage.announce !== undefined && (ANNOUNCE_MODES as readonly string[]).includes(stage.announce)
    ? stage.announce
    : DEFAULT_ANNOUNCE_MODE;

/**
 * What one announcement says, copied from the plan when it is made: editing the plan afterwards
 * changes no announcement made (a new `announce` makes a new one). A wave's is its phase's
 * communication plan with the wave's own name, time frame and enrollment approach.
 */
export interface AnnouncementText {
  rolloutName: string;
  /** The stage announced: a phase key, or `<phase>/<wave id>`. */
  stageId: string;
  /** As people read it: `Pilot`, or `Enterprise rollout · Sales`. */
  stageLabel: string;
  timeFrame: TimeFrame;
  /** The rollout's IANA zone: cards show the time frame in it. */
  timeZone: string;
  enrollment: EnrollmentApproach | null;
  whatIsDeployed: string;
  howAndWhen: string;
  businessPurpose: string;
  selfHelpUrl: string;
  helpDeskContact: string;
  /** The stage takes feedback: the personal card offers "Give feedback". */
  takesFeedback: boolean;
}

/** Where a recipient's delivery stands. `pending` is the only state a sender acts on. */
export const DELIVERY_STATUSES = [
  'pending',
  'sent',
  'failed',
  'blocked',
  'not-installed',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A sender working on a delivery: no one else sends it until `until` (a dead sender's claim lapses). */
export interface DeliveryClaim {
  by: string;
  until: string;
}

/** One recipient of one announcement: the truth of who was reached (queue messages are only work). */
export interface Delivery {
  /** The person's Entra object id, lower-case (the row key). */
  personId: string;
  /** Their name as the audience or the stored reference knew it ('' when unknown). */
  name: string;
  status: DeliveryStatus;
  /** Sends tried so far. */
  attempts: number;
  /** The last answer, as people read it: `sent`, `429`, `403 MessageWritesBlocked`, `timeout`… null before any. */
  lastStatus: string | null;
  /** When `status` last changed (ISO instant). */
  at: string | null;
  /** A pending delivery is not sent again before this instant (back-off); null: at once. */
  retryAt: string | null;
  claim: DeliveryClaim | null;
  /** A send whose outcome was unknown was retried: the person may have the card twice. */
  possibleDuplicate: boolean;
  /** When the person first clicked "Got it" (counted once however often they click). */
  gotItAt: string | null;
  /** A "Got it" reminder's: the person's partition in the announcement reminded of. */
  ref?: number;
}

/** What the Bot Connector (or the way to it) answered one send, as the delivery rules read it. */
export type SendOutcome =
  | { kind: 'sent' }
  /** 403 MessageWritesBlocked: the person blocked the bot. Not retried. */
  | { kind: 'blocked'; status: string }
  /** 403 otherwise, 404, conversation not found: the app is not installed for them. */
  | { kind: 'not-installed'; status: string }
  /** 429: after `retryAfterMs` when the service said, else back-off with jitter. */
  | { kind: 'throttled'; status: string; retryAfterMs: number | null }
  /**
   * 412, 502, 503, 504, time-outs and resets: worth retrying. `unknown`: the request had left
   * when it failed (a time-out waiting for the answer), so the person may have it already.
   */
  | { kind: 'transient'; status: string; unknown: boolean }
  /** Anything else (400, 401, …): not worth retrying. */
  | { kind: 'failed'; status: string };

/** Sends per delivery before it is `failed`. */
export const MAX_DELIVERY_ATTEMPTS = 6;

/** The counts of one announcement (or one partition of it). */
export interface AnnouncementCounts {
  recipients: number;
  pending: number;
  sent: number;
  failed: number;
  blocked: number;
  notInstalled: number;
  cancelled: number;
  gotIt: number;
  possibleDuplicates: number;
}

export type AnnouncementState =
  /** Waits for `scheduledAt` (`announce --at`). */
  | 'scheduled'
  /** Its recipients are being written (one delivery row each) and queued. */
  | 'expanding'
  | 'sending'
  /** No delivery is pending. */
  | 'done'
  | 'cancelled'
  /** A preview someone skipped: nothing was sent. */
  | 'skipped';

/** A post of the announcement in a channel or group chat, updated in place with the counts. */
export interface AnnouncementPost {
  conversation: Coordination;
  /** The posted message, once posted. */
  messageId: string | null;
}

/**
 * What a personal reminder is for. A reminder is an announcement with a purpose: it goes through
 * the same durable, rate-limited fan-out (delivery rows, claims, retries, recovery, counts) but
 * its recipients and its personal card depend on the purpose, and it is posted nowhere.
 *
 * - `feedback-nudge`: the stage's audience who have not answered its feedback (nudge `n`, from 1);
 * - `gotit-reminder`: the people sent `announcementId` who have not clicked "Got it" on it;
 * - `signoff-reminder`: the members of readiness request `requestId` with no standing answer
 *   (reminder `n`, from 1); the help desk's duty, so "Stop reminding me" does not apply.
 */
export type ReminderPurpose =
  | { kind: 'feedback-nudge'; n: number }
  | { kind: 'gotit-reminder'; announcementId: string }
  | { kind: 'signoff-reminder'; requestId: string; n: number };

/** What a reminder's card shows beyond its text, copied when the reminder is made. */
export interface ReminderDetails {
  /** A sign-off reminder: the request's deadline (ISO instant), null: none. */
  deadline?: string | null;
  /** A feedback nudge: the app the rollout deploys ("How is <app> working for you?"). */
  app?: string;
}

/** One announcement: what it says, to whom, and where it stands. Delivery rows hold the rest. */
export interface Announcement {
  /** Chosen when the preview is shown (or by the advance for `auto`): Send with it twice makes one. */
  id: string;
  tenantId: string;
  rolloutId: string;
  stageId: string;
  text: AnnouncementText;
  by: Person;
  createdAt: string;
  /** `announce --at`: when it is sent (ISO instant); null: at once. */
  scheduledAt: string | null;
  state: AnnouncementState;
  /** Where the recipients came from: the plan's listed members, the Graph snapshot, or nobody known. */
  audience: 'listed' | 'snapshot' | 'none';
  /** Recipients written (0 until expanded). */
  recipients: number;
  /** Delivery partitions written (0 until expanded). */
  parts: number;
  coordination: AnnouncementPost | null;
  helpdesk: AnnouncementPost | null;
  /** When the posts' counts were last updated (at most every COUNTS_UPDATE_MS). */
  countsUpdatedAt: string | null;
  /** The posts show the final state (done or cancelled); absent: not yet. Later updates are throttled. */
  countsFinal?: boolean;
  completedAt: string | null;
  cancelledBy: Person | null;
  /**
   * A personal reminder's purpose (`startReminder`); absent: the stage's phase announcement, as
   * every announcement stored before reminders is. Listings, `status` and `announce report` show
   * phase announcements only.
   */
  purpose?: ReminderPurpose;
  /** What a reminder's card shows besides the text (see ReminderDetails); absent on announcements. */
  reminder?: ReminderDetails;
}

/** A phase announcement (not a reminder): what listings, `status` and `announce report` show. */
export const isPhaseAnnouncement = (a: Pick<Announcement, 'purpose'>): boolean => a.purpose === undefined;

/** The posts' live counts are updated at most this often (Teams' per-conversation limits). */
export const COUNTS_UPDATE_MS = 5000;

export const emptyCounts = (): AnnouncementCounts => ({
  recipients: 0,
  pending: 0,
  sent: 0,
  failed: 0,
  blocked: 0,
  notInstalled: 0,
  cancelled: 0,
  gotIt: 0,
  possibleDuplicates: 0,
});

/** Recipients per delivery partition (and per queue message): a partition's changes fit one transaction. */
export const PART_SIZE = 50;

/** FNV-1a of the id: a stable, well-spread order that no plan or name can skew. */
const hash = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/**
 * The recipients de-duplicated by id (trimmed, lower-case; empty ids left out), ordered by hash
 * and cut into partitions of PART_SIZE: partition `i` of the result is delivery partition `i`.
 */
export const partitionRecipients = <R extends { personId: string }>(recipients: readonly R[]): R[][] => {
  const byId = new Map<string, R>();
  for (const r of recipients) {
    const id = r.personId.trim().toLowerCase();
    if (id && !byId.has(id)) byId.set(id, { ...r, personId: id });
  }
  // Each id hashed once (not in every comparison: an announcement may have many thousands).
  const ordered = [...byId.values()]
    .map((r) => ({ r, h: hash(r.personId) }))
    .sort((a, b) => a.h - b.h || (a.r.personId < b.r.personId ? -1 : 1))
    .map(({ r }) => r);
  const parts: R[][] = [];
  for (let i = 0; i < ordered.length; i += PART_SIZE) parts.push(ordered.slice(i, i + PART_SIZE));
  return parts;
};

/** A new, pending delivery (`ref`: a "Got it" reminder's partition of the person in the original). */
export const newDelivery = (personId: string, name: string, ref?: number): Delivery => ({
  personId: personId.toLowerCase(),
  name,
  status: 'pending',
  attempts: 0,
  lastStatus: null,
  at: null,
  retryAt: null,
  claim: null,
  possibleDuplicate: false,
  gotItAt: null,
  ...(ref !== undefined ? { ref } : {}),
});

/** A failure on the way to the connector, as the sender saw it. */
export interface SendFailure {
  /** The HTTP status, or null when there was no answer. */
  statusCode: number | null;
  /** The error code of the answer's body (`MessageWritesBlocked`, `ConversationNotFound`…) or message text. */
  code: string;
  /** The service's Retry-After, in ms. */
  retryAfterMs: number | null;
  /** No answer: `timeout` once the request had left (outcome unknown), `reset`/`refused` otherwise. */
  network?: 'timeout' | 'reset' | 'refused';
}

const RETRIED_STATUSES = new Set([408, 412, 500, 502, 503, 504]);

/** The connector's answer to one send, as the delivery rules read it (see `SendOutcome`). */
export const classifySend = (failure: SendFailure | null): SendOutcome => {
  if (!failure) return { kind: 'sent' };
  const { statusCode, code } = failure;
  if (statusCode === null) {
    const network = failure.network ?? 'reset';
    return { kind: 'transient', status: network, unknown: network === 'timeout' };
  }
  const status = code ? `${statusCode} ${code}`.slice(0, 120) : String(statusCode);
  if (statusCode === 403 && /MessageWritesBlocked/i.test(code)) return { kind: 'blocked', status };
  if (statusCode === 403 || statusCode === 404) return { kind: 'not-installed', status };
  if (statusCode === 429) return { kind: 'throttled', status, retryAfterMs: failure.retryAfterMs };
  if (RETRIED_STATUSES.has(statusCode)) return { kind: 'transient', status, unknown: false };
  return { kind: 'failed', status };
};

const BASE_BACKOFF_MS = 2000;

/**
 * The jitter's draw when the caller injects none: the middle of the range (the domain stays pure;
 * the sender injects `Math.random`).
 */
const MIDDLE = (): number => 0.5;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Back-off before a delivery's next try: the service's Retry-After, else exponential with full
 * jitter. A Retry-After that is no wait (negative, not a number) counts as none given.
 */
export const deliveryBackoffMs = (
  attempts: number,
  retryAfterMs: number | null,
  random: () => number = MIDDLE,
): number =>
  retryAfterMs !== null && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
    ? retryAfterMs
    : Math.max(
        250,
        Math.round(random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1))),
      );

/**
 * The delivery after one send (its `attempts` already counts it: see `claimDelivery`). Retryable
 * outcomes stay pending with a `retryAt` until MAX_DELIVERY_ATTEMPTS, then fail; an unknown outcome
 * marks a possible duplicate on the retry. The claim is released.
 */
export const nextDelivery = (
  delivery: Delivery,
  outcome: SendOutcome,
  now: Date,
  random: () => number = MIDDLE,
  maxAttempts: number = MAX_DELIVERY_ATTEMPTS,
): Delivery => {
  const at = now.toISOString();
  const base = { ...delivery, claim: null, at };
  switch (outcome.kind) {
    case 'sent':
      return { ...base, status: 'sent', lastStatus: 'sent', retryAt: null };
    case 'blocked':
      return { ...base, status: 'blocked', lastStatus: outcome.status, retryAt: null };
    case 'not-installed':
      return { ...base, status: 'not-installed', lastStatus: outcome.status, retryAt: null };
    case 'failed':
      return { ...base, status: 'failed', lastStatus: outcome.status, retryAt: null };
    case 'throttled':
    case 'transient': {
      const possibleDuplicate =
        delivery.possibleDuplicate || (outcome.kind === 'transient' && outcome.unknown);
      if (delivery.attempts >= maxAttempts) {
        return { ...base, status: 'failed', lastStatus: outcome.status, retryAt: null, possibleDuplicate };
      }
      const wait = deliveryBackoffMs(
        delivery.attempts,
        outcome.kind === 'throttled' ? outcome.retryAfterMs : null,
        random,
      );
      return {
        ...base,
        // Still pending: `at` keeps when it last changed state.
        at: delivery.at,
        status: 'pending',
        lastStatus: outcome.status,
        retryAt: new Date(now.getTime() + wait).toISOString(),
        possibleDuplicate,
      };
    }
  }
};

/** A pending delivery a sender may take now: not waiting for its back-off, and not held by a live claim. */
export const isDue = (delivery: Delivery, now: Date): boolean =>
  delivery.status === 'pending' &&
  (delivery.retryAt === null || Date.parse(delivery.retryAt) <= now.getTime()) &&
  (delivery.claim === null || Date.parse(delivery.claim.until) <= now.getTime());

/**
 * The delivery taken by `by` until `until`, its attempt counted. A lapsed claim (its sender died
 * after the send may have left) makes this a possible duplicate.
 */
export const claimDelivery = (delivery: Delivery, by: string, until: Date): Delivery => ({
  ...delivery,
  attempts: delivery.attempts + 1,
  possibleDuplicate: delivery.possibleDuplicate || delivery.claim !== null,
  claim: { by, until: until.toISOString() },
});

/** The pending deliveries cancelled (what was sent stays sent). */
export const cancelDelivery = (delivery: Delivery, now: Date): Delivery =>
  delivery.status === 'pending'
    ? { ...delivery, status: 'cancelled', claim: null, retryAt: null, at: now.toISOString() }
    : delivery;

/**
 * A failed delivery back to pending for `announce retry` (its attempts start again; `at`, when
 * given, records the change).
 */
export const retryDelivery = (delivery: Delivery, now?: Date): Delivery =>
  delivery.status === 'failed'
    ? {
        ...delivery,
        status: 'pending',
        attempts: 0,
        retryAt: null,
        claim: null,
        ...(now ? { at: now.toISOString() } : {}),
      }
    : delivery;

/** "Got it": the first click counts; later ones change nothing (null). */
export const gotIt = (delivery: Delivery, now: Date): Delivery | null =>
  delivery.gotItAt ? null : { ...delivery, gotItAt: now.toISOString() };

/** The counts of a set of deliveries. */
export const countDeliveries = (deliveries: readonly Delivery[]): AnnouncementCounts => {
  const counts = emptyCounts();
  for (const d of deliveries) {
    counts.recipients++;
    if (d.status === 'not-installed') counts.notInstalled++;
    else counts[d.status]++;
    if (d.gotItAt) counts.gotIt++;
    if (d.possibleDuplicate) counts.possibleDuplicates++;
  }
  return counts;
};

/** Counts summed (the partitions' into the announcement's). */
export const addCounts = (a: AnnouncementCounts, b: AnnouncementCounts): AnnouncementCounts => {
  const sum = emptyCounts();
  for (const key of Object.keys(sum) as (keyof AnnouncementCounts)[]) sum[key] = a[key] + b[key];
  return sum;
};
