import { ConnectorLimits } from '../../bench/connector-limits';
import { RateController } from '../../src/app/announce/rate-control';
import { ScriptedAnnouncer } from '../support/scripted-announcer';
import { fanoutWorld, people, TENANT } from './fanout-support';

/**
 * Workers delivering `n` people through a connector with Teams' tenant limit (the bench's
 * ConnectorLimits: 50 in any sliding second, 429 Retry-After: 1 beyond), 80 ms per answer, on
 * simulated time: how fast, how many 429s, and whether anyone was sent twice.
 */
const deliver = async (n: number, workers: number, tenantRps: number) => {
  const world = fanoutWorld(people(n));
  const limits = new ConnectorLimits({ tenantRps: 50, conversationLimits: [] });
  let throttled = 0;
  const announcers = Array.from(
    { length: workers },
    () =>
      new ScriptedAnnouncer(
        () => {
          const d = limits.admit(TENANT, null, world.time.ms());
          if (d.ok) return { kind: 'sent' };
          throttled++;
          return {
            kind: 'throttled',
            status: '429 Throttled',
            retryAfterMs: (d.retryAfterSeconds ?? 0) * 1000,
          };
        },
        () => world.time.ms(),
        () => world.time.wait(80),
      ),
  );
  const running = announcers.map((announcer, i) =>
    world.worker(`i-${i}`, announcer, {
      rate: new RateController({ tenantRps, now: () => world.time.ms(), wait: world.time.wait }),
    }),
  );
  await world.announce();
  const began = world.time.ms();
  for (const w of running) w.start();
  await world.time.settle(
    (async () => {
      while ((await world.state())?.state !== 'done') await world.time.wait(100);
    })(),
  );
  const seconds = (world.time.ms() - began) / 1000;
  await world.time.settle(Promise.all(running.map((w) => w.stop())));
  const sends = announcers.flatMap((a) => a.sends);
  const perPerson = new Map<string, number>();
  for (const s of sends) perPerson.set(s.personId, (perPerson.get(s.personId) ?? 0) + 1);
  return {
    perSecond: n / seconds,
    throttledShare: throttled / sends.length,
    accepted: sends.length - throttled,
    people: perPerson.size,
    counts: (await world.repo.counts(TENANT, 'ann-1')).counts,
  };
};

describe('the fan-out against a rate-limited connector (simulated time)', () => {
  it('one worker under a ceiling of 100 delivers 3000 people at ≥ 90 % of the hidden 50/s, ≤ 2 % 429s, each once', async () => {
    const result = await deliver(3000, 1, 100);
    expect(result.accepted).toBe(3000);
    expect(result.people).toBe(3000);
    expect(result.perSecond).toBeGreaterThanOrEqual(45);
    expect(result.throttledShare).toBeLessThanOrEqual(0.02);
    expect(result.counts).toMatchObject({ sent: 3000, possibleDuplicates: 0 });
  });

  it('two workers sharing the default ceiling of 50 deliver 3000 people at ≥ 90 % of it without a 429', async () => {
    const result = await deliver(3000, 2, 50);
    expect(result.accepted).toBe(3000);
    expect(result.people).toBe(3000);
    expect(result.perSecond).toBeGreaterThanOrEqual(45);
    expect(result.throttledShare).toBe(0);
    expect(result.counts).toMatchObject({ sent: 3000, possibleDuplicates: 0 });
  });
});
