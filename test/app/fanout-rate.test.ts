import type { SendOutcome } from '../../src/domain/announcement';
import { HEADROOM, RateController, TenantRate } from '../../src/app/announce/rate-control';
import { VirtualTime } from '../support/virtual-time';
import { ConnectorLimits } from '../../bench/connector-limits';

const TENANT = 'tenant-1';

/**
 * A connector with a hidden sliding-window limit: a send is throttled when `limit` sends were
 * accepted in the second before it arrived; its Retry-After is when the oldest of them leaves the
 * window (or none, when `retryAfter` is false).
 */
const slidingWindowConnector = (limit: number, retryAfter = true) => {
  const accepted: number[] = [];
  return (at: number): SendOutcome => {
    while (accepted.length && (accepted[0] ?? 0) <= at - 1000) accepted.shift();
    if (accepted.length >= limit) {
      const wait = Math.ceil((accepted[0] ?? at) + 1000 - at);
      return { kind: 'throttled', status: '429', retryAfterMs: retryAfter ? wait : null };
    }
    accepted.push(at);
    return { kind: 'sent' };
  };
};

/** `senders` loops sending as fast as the controller lets them for `seconds` of simulated time. */
const simulate = async (options: {
  ceiling: number;
  limit: number;
  seconds: number;
  senders?: number;
  latencyMs?: (i: number) => number;
  retryAfter?: boolean;
  connector?: (at: number) => SendOutcome;
}) => {
  const time = new VirtualTime();
  const start = time.ms();
  const end = start + options.seconds * 1000;
  const rate = new RateController({ tenantRps: options.ceiling, now: () => time.ms(), wait: time.wait });
  const connector = options.connector ?? slidingWindowConnector(options.limit, options.retryAfter ?? true);
  const starts: number[] = [];
  let sent = 0;
  let throttled = 0;
  let n = 0;
  const sender = async () => {
    for (;;) {
      await rate.acquire(TENANT);
      const at = time.ms();
      if (at >= end) return;
      starts.push(at);
      const outcome = connector(at);
      await time.wait(options.latencyMs?.(n++) ?? 40);
      if (outcome.kind === 'sent') sent++;
      else throttled++;
      rate.report(TENANT, outcome);
    }
  };
  await time.settle(Promise.all(Array.from({ length: options.senders ?? 16 }, sender)));
  /** The most sends that started in any one-second window [t, t + 1 s). */
  let busiest = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while ((starts[i] ?? 0) - (starts[j] ?? 0) >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  return { perSecond: sent / options.seconds, throttledShare: throttled / (sent + throttled), busiest, rate };
};

describe('the tenant rate', () => {
  it('reaches at least 90 % of a hidden limit of 50/s under a ceiling of 100, with at most 2 % throttled', async () => {
    const result = await simulate({ ceiling: 100, limit: 50, seconds: 60 });
    expect(result.perSecond).toBeGreaterThanOrEqual(45);
    expect(result.perSecond).toBeLessThanOrEqual(50);
    expect(result.throttledShare).toBeLessThanOrEqual(0.02);
  });

  it('reaches 90 % of 50/s against the bench connector’s limits (every 429 asks for Retry-After: 1)', async () => {
    const limits = new ConnectorLimits({ tenantRps: 50, conversationLimits: [] });
    const result = await simulate({
      ceiling: 100,
      limit: 50,
      seconds: 60,
      connector: (at) => {
        const d = limits.admit(TENANT, null, at);
        return d.ok
          ? { kind: 'sent' }
          : { kind: 'throttled', status: '429 Throttled', retryAfterMs: (d.retryAfterSeconds ?? 0) * 1000 };
      },
    });
    expect(result.perSecond).toBeGreaterThanOrEqual(45);
    expect(result.throttledShare).toBeLessThanOrEqual(0.02);
  });

  it('does as well when the connector gives no Retry-After and answers take varying time', async () => {
    const result = await simulate({
      ceiling: 100,
      limit: 50,
      seconds: 60,
      retryAfter: false,
      latencyMs: (i) => 20 + ((i * 37) % 180),
    });
    expect(result.perSecond).toBeGreaterThanOrEqual(45);
    expect(result.throttledShare).toBeLessThanOrEqual(0.02);
  });

  it('at a real limit equal to the ceiling reaches 95 % of it and never exceeds it in any second', async () => {
    const result = await simulate({ ceiling: 100, limit: 100, seconds: 60 });
    expect(result.perSecond).toBeGreaterThanOrEqual(95);
    expect(result.busiest).toBeLessThanOrEqual(100);
    expect(result.throttledShare).toBe(0);
  });

  it('is shared among senders: two live senders each stay within half the ceiling', async () => {
    const time = new VirtualTime();
    const rate = new RateController({ tenantRps: 50, now: () => time.ms(), wait: time.wait });
    rate.setShare(2);
    expect(rate.tenant(TENANT).ceiling).toBe(25 * HEADROOM);
    const end = time.ms() + 10_000;
    const starts: number[] = [];
    const sender = async () => {
      for (;;) {
        await rate.acquire(TENANT);
        if (time.ms() >= end) return;
        starts.push(time.ms());
        rate.report(TENANT, { kind: 'sent' });
      }
    };
    await time.settle(Promise.all([sender(), sender(), sender()]));
    // At most 25 in any second: 250 in ten.
    expect(starts.length).toBeLessThanOrEqual(250);
    expect(starts.length).toBeGreaterThanOrEqual(24 * 10);
  });

  it('pauses the tenant until Retry-After, cuts to 0.9 of what was getting through, and climbs back slowly', () => {
    const t0 = 1_000_000;
    const rate = new TenantRate(100, t0);
    // 40 sends accepted over the last second, then a 429 asking for 3 s.
    for (let i = 0; i < 40; i++) {
      expect(rate.take(t0 + i * 25)).toBe(true);
      rate.report({ kind: 'sent' }, t0 + i * 25);
    }
    const at = t0 + 1000;
    rate.report({ kind: 'throttled', status: '429', retryAfterMs: 3000 }, at);
    expect(rate.lastLimit).toBe(39);
    expect(rate.rate).toBeCloseTo(0.9 * 39);
    expect(rate.nextStart(at)).toBe(at + 3000);
    expect(rate.take(at + 2999)).toBe(false);
    // A second 429 within the second (a send already under way) cuts nothing more.
    rate.report({ kind: 'throttled', status: '429', retryAfterMs: null }, at + 10);
    expect(rate.rate).toBeCloseTo(0.9 * 39);
    // Accepted sends climb additively, never above the ceiling.
    let now = at + 3000;
    for (let i = 0; i < 10; i++) {
      now += 1000;
      rate.report({ kind: 'sent' }, now);
    }
    expect(rate.rate).toBeGreaterThan(0.9 * 39);
    expect(rate.rate).toBeLessThan(0.9 * 39 + 10);
    for (let i = 0; i < 1000; i++) {
      now += 1000;
      rate.report({ kind: 'sent' }, now);
    }
    expect(rate.rate).toBe(100);
    expect(rate.lastLimit).toBeNull();
  });

  it('a lower ceiling (more senders) lowers the rate at once', () => {
    const rate = new TenantRate(100, 0);
    rate.setCeiling(20);
    expect(rate.rate).toBe(20);
    let taken = 0;
    for (let t = 0; t < 1000; t += 1) if (rate.take(t)) taken++;
    expect(taken).toBeLessThanOrEqual(20);
  });
});
