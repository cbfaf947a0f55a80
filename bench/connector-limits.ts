/**
 * Teams' documented Bot Connector limits as a pure decision on explicit instants (epoch ms), so
 * that a local connector (bench/rate-limited-connector.ts) or a test's fake can enforce them and
 * a test can check them on a fake clock.
 *
 * - Per app per tenant: about 50 requests in any one second (every request counts: creating a
 *   conversation, sending, updating). Beyond it: 429 with `Retry-After: 1` and `Throttled`.
 * - Per bot per conversation: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour. Beyond any: 429.
 *
 * The windows slide (a request is compared with the requests of the last `windowMs` before it), and
 * only accepted requests fill them: a client refused a hundred times in a second is not punished
 * for the next one. The tenant window also records every arrival, accepted or not, so that the
 * busiest second the clients asked for (their pacing, not the limit's) can be read back.
 */

/** At most `max` calls in any `windowMs` (sliding). */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

/** Teams' per-conversation limits (rate-limit.md: per bot per thread). */
export const TEAMS_CONVERSATION_LIMITS: readonly WindowLimit[] = [
  { max: 7, windowMs: 1000 },
  { max: 8, windowMs: 2000 },
  { max: 60, windowMs: 30_000 },
  { max: 1800, windowMs: 3_600_000 },
];

/** Teams' per-tenant limit (rate-limit.md: about 50 requests per second per app per tenant). */
export const TEAMS_TENANT_RPS = 50;

/** The first index of the sorted `times` above `after` (binary search). */
const firstAfter = (times: readonly number[], after: number): number => {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? 0) > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
};

/**
 * Calls per key in sliding windows: when each was counted, oldest first, kept for the longest
 * window asked about. `take` is the check and the count in one (a call refused is not counted).
 */
export class SlidingWindows {
  private readonly times = new Map<string, number[]>();

  /** Ms until `key` may call under every limit at `now` (0: it may), counting nothing. */
  waitFor(key: string, limits: readonly WindowLimit[], now: number): number {
    if (limits.length === 0) return 0;
    const times = this.prune(key, Math.max(...limits.map((l) => l.windowMs)), now);
    let wait = 0;
    for (const { max, windowMs } of limits) {
      const inWindow = times.length - firstAfter(times, now - windowMs);
      const oldest = times[times.length - max];
      if (inWindow >= max && oldest !== undefined) wait = Math.max(wait, oldest + windowMs - now);
    }
    return wait;
  }

  /** Forgets the calls of `key` older than `keepMs` before `now`; the calls kept. */
  prune(key: string, keepMs: number, now: number): number[] {
    const times = this.times.get(key) ?? [];
    const gone = firstAfter(times, now - keepMs);
    if (gone > 0) times.splice(0, gone);
    return times;
  }

  /** Counts a call of `key` at `now`. */
  add(key: string, now: number): void {
    const times = this.times.get(key);
    if (times) times.push(now);
    else this.times.set(key, [now]);
  }

  /** Ms until `key` may call under every limit, or 0: then the call is counted. */
  take(key: string, limits: readonly WindowLimit[], now: number): number {
    const wait = this.waitFor(key, limits, now);
    if (wait === 0) this.add(key, now);
    return wait;
  }

  /** Calls of `key` in the last `windowMs` before `now`. */
  count(key: string, windowMs: number, now: number): number {
    const times = this.times.get(key) ?? [];
    return times.length - firstAfter(times, now - windowMs);
  }
}

/** What the limits decided for one request. */
export type LimitDecision =
  | { ok: true }
  /**
   * `retryAfterSeconds` null: the answer carries no Retry-After (Teams' per-conversation 429s);
   * `waitMs`: when the window would let the request in.
   */
  | { ok: false; scope: 'tenant' | 'conversation'; retryAfterSeconds: number | null; waitMs: number };

export interface ConnectorLimitsOptions {
  /** Requests per tenant in any second (default TEAMS_TENANT_RPS). */
  tenantRps?: number;
  /** Default TEAMS_CONVERSATION_LIMITS; [] for none. */
  conversationLimits?: readonly WindowLimit[];
}

/** The busiest second a tenant's clients asked for, and when it ended. */
export interface TenantPeak {
  /** Most arrivals (accepted or refused) in any one second. */
  arrivals: number;
  /** Most accepted requests in any one second (at most the limit, by construction). */
  accepted: number;
}

const SECOND = 1000;

/** The tenant and per-conversation windows of one connector. */
export class ConnectorLimits {
  readonly tenantRps: number;
  readonly conversationLimits: readonly WindowLimit[];
  private readonly tenantLimit: readonly WindowLimit[];
  private readonly accepted = new SlidingWindows();
  private readonly arrivals = new SlidingWindows();
  private readonly conversations = new SlidingWindows();
  private readonly tenantPeaks = new Map<string, TenantPeak>();

  constructor(options: ConnectorLimitsOptions = {}) {
    this.tenantRps = options.tenantRps ?? TEAMS_TENANT_RPS;
    this.conversationLimits = options.conversationLimits ?? TEAMS_CONVERSATION_LIMITS;
    this.tenantLimit = [{ max: this.tenantRps, windowMs: SECOND }];
  }

  /**
   * Decides one request of `tenantId` (to `conversationId`, or null for one that names none, such
   * as creating a conversation) arriving at `now`, and records it.
   */
  admit(tenantId: string, conversationId: string | null, now: number): LimitDecision {
    const peak = this.peakOf(tenantId);
    this.arrivals.prune(tenantId, SECOND, now);
    this.arrivals.add(tenantId, now);
    peak.arrivals = Math.max(peak.arrivals, this.arrivals.count(tenantId, SECOND, now));
    const tenantWait = this.accepted.waitFor(tenantId, this.tenantLimit, now);
    if (tenantWait > 0) return { ok: false, scope: 'tenant', retryAfterSeconds: 1, waitMs: tenantWait };
    if (conversationId !== null) {
      const wait = this.conversations.waitFor(conversationId, this.conversationLimits, now);
      if (wait > 0) return { ok: false, scope: 'conversation', retryAfterSeconds: null, waitMs: wait };
      this.conversations.add(conversationId, now);
    }
    this.accepted.add(tenantId, now);
    peak.accepted = Math.max(peak.accepted, this.accepted.count(tenantId, SECOND, now));
    return { ok: true };
  }

  /** The busiest second of each tenant so far. */
  peaks(): Map<string, TenantPeak> {
    return new Map([...this.tenantPeaks].map(([id, p]) => [id, { ...p }]));
  }

  private peakOf(tenantId: string): TenantPeak {
    let peak = this.tenantPeaks.get(tenantId);
    if (!peak) {
      peak = { arrivals: 0, accepted: 0 };
      this.tenantPeaks.set(tenantId, peak);
    }
    return peak;
  }
}
