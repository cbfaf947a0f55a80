import type { SendOutcome } from '../../domain/announcement';

/**
 * Pacing of personal sends per tenant. The Bot Connector limits a bot's messages per tenant (about
 * 50 per second, not published exactly, and shared with other traffic), so the sender cannot know
 * the real limit: it paces at a rate that starts at the configured ceiling (TEAMS_TENANT_RPS
 * shared among the live senders) and learns from 429s.
 *
 * - A 429 is remembered with the rate that was getting through when it came (the sends accepted
 *   in the last second, not the pacing rate, which may have been far above the limit), and the
 *   rate drops to 0.9× of that: a gentle cut, because halving (AIMD) would average 75 % of the
 *   limit; the goal is ≥ 90 % with ≤ 2 % of sends throttled. At most one cut per second: the 429s
 *   of sends already under way say nothing about the new rate.
 * - Retry-After pauses the tenant until then.
 * - Accepted sends climb back additively (1 % of the ceiling per second of sending), eight times
 *   slower near the rate of the last 429, which is forgotten once the rate is 5 % past it (the
 *   limit rose, or the traffic that shared it stopped) or LIMIT_MEMORY_MS after it; past it the climb speeds up with the time
 *   since the last cut (a sender cut low while another shared the limit is not left crawling
 *   once the other is done). Never above the ceiling.
 * - Pacing is a token bucket with a small burst (BURST_SECONDS of the rate), and never more than
 *   the rate (so never more than the ceiling) in any one second, burst or not: a burst after a
 *   Retry-After pause on top of a second at the rate would be throttled again.
 *
 * `TenantRate` is the pure decision on an explicit time; `RateController` holds one per tenant and
 * waits (both injected) so simulations run on a fake clock.
 */

/**
 * The share of TEAMS_TENANT_RPS paced for: requests are counted when they leave, the connector
 * counts them when they arrive, and a few milliseconds of jitter would put one more into some
 * second at exactly the ceiling.
 */
export const HEADROOM = 0.97;
/** Seconds of the rate a sender may send at once after a pause. */
export const BURST_SECONDS = 0.2;
/** The cut after a 429, of the rate that was getting through. */
export const CUT_FACTOR = 0.9;
/** Additive climb per second of sending, as a share of the ceiling. */
export const CLIMB_PER_SECOND = 0.01;
/** The climb near the last 429's rate (from NEAR_LIMIT of it to FORGET_LIMIT of it) is this much slower. */
export const NEAR_LIMIT_SLOWDOWN = 8;
export const NEAR_LIMIT = 0.95;
export const FORGET_LIMIT = 1.05;
/** The rate of the last 429 is forgotten this long after it (one slow approach takes about 22 s). */
export const LIMIT_MEMORY_MS = 30_000;
/** With no 429 remembered, the climb is one step faster per this many seconds since the last cut. */
export const ACCELERATE_SECONDS = 5;
/** The lowest rate, as a share of the ceiling (a tenant is never starved entirely). */
export const MIN_RATE_SHARE = 0.02;
const WINDOW_MS = 1000;

/** One tenant's pacing, decided on explicit instants (epoch ms). */
export class TenantRate {
  private ceilingRps: number;
  private rateRps: number;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private climbedAt: number;
  private lastCutAt = -Infinity;
  /** The accepted rate when the last 429 came (null: none remembered). */
  private limitRps: number | null = null;
  /** When each of the latest sends started (at most the ceiling's worth: the one-second cap). */
  private readonly starts: number[] = [];
  /** When sends the connector accepted were answered, for the last second. */
  private readonly accepted: number[] = [];

  constructor(ceilingRps: number, now: number) {
    this.ceilingRps = Math.max(1, ceilingRps);
    this.rateRps = this.ceilingRps;
    this.tokens = this.burst();
    this.refilledAt = now;
    this.climbedAt = now;
  }

  get ceiling(): number {
    return this.ceilingRps;
  }

  /** The pacing rate now, in sends per second. */
  get rate(): number {
    return this.rateRps;
  }

  /** The accepted rate of the last 429 still remembered, or null. */
  get lastLimit(): number | null {
    return this.limitRps;
  }

  /** A new ceiling (the tenant's rate shared among a new number of senders); the rate never exceeds it. */
  setCeiling(ceilingRps: number): void {
    this.ceilingRps = Math.max(1, ceilingRps);
    this.rateRps = Math.min(this.rateRps, this.ceilingRps);
    this.tokens = Math.min(this.tokens, this.burst());
  }

  /** The earliest instant a send may start (`now` when it may start at once). */
  nextStart(now: number): number {
    this.refill(now);
    let at = Math.max(now, this.pausedUntil);
    if (this.tokens < 1) at = Math.max(at, now + ((1 - this.tokens) / this.rateRps) * 1000);
    const cap = this.perSecond();
    if (this.starts.length >= cap) {
      const oldest = this.starts[this.starts.length - cap] ?? -Infinity;
      at = Math.max(at, oldest + WINDOW_MS);
    }
    return at;
  }

  /** Takes a send at `now`; false (nothing taken) when it may not start yet. */
  take(now: number): boolean {
    if (this.nextStart(now) > now) return false;
    this.tokens -= 1;
    this.starts.push(now);
    const keep = Math.max(1, Math.floor(this.ceilingRps));
    if (this.starts.length > keep) this.starts.splice(0, this.starts.length - keep);
    return true;
  }

  /** What the connector answered a send, at `now`. */
  report(outcome: SendOutcome, now: number): void {
    if (outcome.kind !== 'throttled') {
      this.accepted.push(now);
      this.prune(now);
      this.climb(now);
      return;
    }
    this.refill(now);
    if (outcome.retryAfterMs !== null && outcome.retryAfterMs > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, now + outcome.retryAfterMs);
    }
    if (now - this.lastCutAt < WINDOW_MS) return;
    this.prune(now);
    const through = this.accepted.length;
    const floor = this.ceilingRps * MIN_RATE_SHARE;
    this.limitRps = Math.max(floor, through);
    this.rateRps = Math.min(this.rateRps, Math.max(floor, CUT_FACTOR * this.limitRps));
    this.tokens = Math.min(this.tokens, this.burst());
    this.lastCutAt = now;
    this.climbedAt = now;
  }

  /**
   * Sends allowed in any one second: the rate's whole number. A burst after a pause or an idle
   * spell would otherwise come on top of a full second at the rate (burst + rate > the limit).
   */
  private perSecond(): number {
    return Math.max(1, Math.floor(this.rateRps));
  }

  private burst(): number {
    return Math.max(1, this.rateRps * BURST_SECONDS);
  }

  private refill(now: number): void {
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.burst(), this.tokens + ((now - this.refilledAt) / 1000) * this.rateRps);
    this.refilledAt = now;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.accepted.length && (this.accepted[drop] ?? 0) <= now - WINDOW_MS) drop++;
    if (drop) this.accepted.splice(0, drop);
  }

  /** Additive climb for the time sent since the last (idle gaps longer than a second count as one). */
  private climb(now: number): void {
    this.refill(now);
    const seconds = Math.min(1, Math.max(0, now - this.climbedAt) / 1000);
    this.climbedAt = now;
    if (seconds === 0 || this.rateRps >= this.ceilingRps) return;
    // A 429 long ago says little about the limit now (another sender sharing it may be done).
    if (this.limitRps !== null && now - this.lastCutAt >= LIMIT_MEMORY_MS) this.limitRps = null;
    const limit = this.limitRps;
    const near = limit !== null && this.rateRps >= NEAR_LIMIT * limit;
    // With no 429 to remember, the climb speeds up the longer none comes: a sender cut low while
    // others shared the limit gets its rate back within seconds once they are done.
    const speed = near
      ? 1 / NEAR_LIMIT_SLOWDOWN
      : limit === null
        ? 1 + Math.max(0, now - this.lastCutAt) / 1000 / ACCELERATE_SECONDS
        : 1;
    const step = CLIMB_PER_SECOND * this.ceilingRps * seconds * speed;
    this.rateRps = Math.min(this.ceilingRps, this.rateRps + step);
    if (limit !== null && this.rateRps >= FORGET_LIMIT * limit) this.limitRps = null;
  }
}

export interface RateControllerOptions {
  /** TEAMS_TENANT_RPS: the tenant-wide ceiling before it is shared among senders. */
  tenantRps: number;
  /** Epoch milliseconds (injected: simulations run on a fake clock). */
  now: () => number;
  /** Waits `ms` (injected as well). */
  wait: (ms: number) => Promise<void>;
}

/**
 * One `TenantRate` per tenant, the ceiling `tenantRps / share`. `acquire` resolves when a send to
 * the tenant may start, in the order asked (one waiter per tenant computes the next slot at a
 * time, so a pause or a cut reported meanwhile applies to everyone still waiting).
 */
export class RateController {
  private readonly tenants = new Map<string, TenantRate>();
  private readonly queues = new Map<string, Promise<void>>();
  private share = 1;

  constructor(private readonly options: RateControllerOptions) {}

  /** The number of live senders the tenant-wide rate is shared among (heartbeats count them). */
  setShare(senders: number): void {
    this.share = Math.max(1, Math.floor(senders));
    for (const rate of this.tenants.values()) rate.setCeiling(this.ceiling());
  }

  /** The tenant's pacing (created at the ceiling). */
  tenant(tenantId: string): TenantRate {
    let rate = this.tenants.get(tenantId);
    if (!rate) {
      rate = new TenantRate(this.ceiling(), this.options.now());
      this.tenants.set(tenantId, rate);
    }
    return rate;
  }

  /** Resolves when a send to the tenant may start (the send is counted as started then). */
  acquire(tenantId: string): Promise<void> {
    const turn = (this.queues.get(tenantId) ?? Promise.resolve()).then(() => this.take(tenantId));
    const tail = turn.catch(() => {});
    this.queues.set(tenantId, tail);
    void tail.then(() => {
      if (this.queues.get(tenantId) === tail) this.queues.delete(tenantId);
    });
    return turn;
  }

  report(tenantId: string, outcome: SendOutcome): void {
    this.tenant(tenantId).report(outcome, this.options.now());
  }

  private ceiling(): number {
    return (this.options.tenantRps * HEADROOM) / this.share;
  }

  private async take(tenantId: string): Promise<void> {
    const rate = this.tenant(tenantId);
    for (;;) {
      const now = this.options.now();
      if (rate.take(now)) return;
      await this.options.wait(rate.nextStart(now) - now);
    }
  }
}
