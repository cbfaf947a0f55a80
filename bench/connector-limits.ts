/**
 * Teams' documented Bot Connector limits as a pure decision on explicit instants (epoch ms), so
 * that a local connector (bench/rate-limited-connector.ts) or a test's fake can enforce them and
 * a test can check them on a fake clock.
 *
 * - Per app per tenant: about 50 requests in any one second (every request counts: creating a
 *   conversation, sending, updating). Beyond it: 429 with `Retry-After: 1` and `Throttled`.
 * - Per bot per conversation: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour. Beyond any: 429.
 *
 * The windows slide (a request is compared with the requests of the last `ms` before it), and
 * only accepted requests fill them: a client refused a hundred times in a second is not punished
 * for the next one. The tenant window also records every arrival, accepted or not, so that the
 * busiest second the clients asked for (their pacing, not the limit's) can be read back.
 */

/** At most `requests` in any `ms`. */
export interface WindowLimit {
  requests: number;
  ms: number;
}

/** Teams' per-conversation limits (rate-limit.md: per bot per thread). */
export const TEAMS_CONVERSATION_LIMITS: readonly WindowLimit[] = [
  { requests: 7, ms: 1000 },
  { requests: 8, ms: 2000 },
  { requests: 60, ms: 30_000 },
  { requests: 1800, ms: 3_600_000 },
];

/** Teams' per-tenant limit (rate-limit.md: about 50 requests per second per app per tenant). */
export const TEAMS_TENANT_RPS = 50;

/** Instants in a sliding window of `ms`: a queue whose head leaves as it ages. */
export class SlidingWindow {
  private readonly times: number[] = [];
  private head = 0;

  constructor(readonly ms: number) {}

  /** How many instants lie in the window ending at `now` (after older ones left). */
  count(now: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - this.ms) this.head++;
    // Compact now and then, so that a long run does not keep every instant it ever saw.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }

  /** The latest instant recorded, or null. */
  get last(): number | null {
    return this.times.length > this.head ? (this.times[this.times.length - 1] ?? null) : null;
  }
}

/** What the limits decided for one request. */
export type LimitDecision =
  | { ok: true }
  /** `retryAfterSeconds` null: the answer carries no Retry-After (Teams' per-conversation 429s). */
  | { ok: false; scope: 'tenant' | 'conversation'; retryAfterSeconds: number | null };

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

/** The tenant and per-conversation windows of one connector. */
export class ConnectorLimits {
  readonly tenantRps: number;
  readonly conversationLimits: readonly WindowLimit[];
  private readonly tenants = new Map<
    string,
    { accepted: SlidingWindow; arrivals: SlidingWindow; peak: TenantPeak }
  >();
  private readonly conversations = new Map<string, SlidingWindow[]>();

  constructor(options: ConnectorLimitsOptions = {}) {
    this.tenantRps = options.tenantRps ?? TEAMS_TENANT_RPS;
    this.conversationLimits = options.conversationLimits ?? TEAMS_CONVERSATION_LIMITS;
  }

  /**
   * Decides one request of `tenantId` (to `conversationId`, or null for one that names none, such
   * as creating a conversation) arriving at `now`, and records it.
   */
  admit(tenantId: string, conversationId: string | null, now: number): LimitDecision {
    const tenant = this.tenant(tenantId);
    tenant.arrivals.add(now);
    tenant.peak.arrivals = Math.max(tenant.peak.arrivals, tenant.arrivals.count(now));
    if (tenant.accepted.count(now) >= this.tenantRps) {
      return { ok: false, scope: 'tenant', retryAfterSeconds: 1 };
    }
    const windows = conversationId === null ? [] : this.conversation(conversationId);
    for (const [i, window] of windows.entries()) {
      const limit = this.conversationLimits[i];
      if (limit && window.count(now) >= limit.requests) {
        return { ok: false, scope: 'conversation', retryAfterSeconds: null };
      }
    }
    tenant.accepted.add(now);
    tenant.peak.accepted = Math.max(tenant.peak.accepted, tenant.accepted.count(now));
    for (const window of windows) window.add(now);
    return { ok: true };
  }

  /** The busiest second of each tenant so far. */
  peaks(): Map<string, TenantPeak> {
    return new Map([...this.tenants].map(([id, t]) => [id, { ...t.peak }]));
  }

  private tenant(tenantId: string) {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = {
        accepted: new SlidingWindow(1000),
        arrivals: new SlidingWindow(1000),
        peak: { arrivals: 0, accepted: 0 },
      };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  private conversation(conversationId: string): SlidingWindow[] {
    let windows = this.conversations.get(conversationId);
    if (!windows) {
      windows = this.conversationLimits.map((limit) => new SlidingWindow(limit.ms));
      this.conversations.set(conversationId, windows);
    }
    return windows;
  }
}
