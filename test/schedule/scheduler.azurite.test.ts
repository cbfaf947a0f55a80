import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';
import { waitUntil } from '../support/poll';
import { instances, recordingJob } from './scheduler-support';

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
});
afterAll(() => azurite.stop());

/** Three instances, each with its own client, against one Azurite table. */
const threeInstances = async (cron: string, runs: { instance: number; slot: string }[]) => {
  const name = uniqueTableName('schedule');
  const tables = await Promise.all([0, 1, 2].map(() => azureTableFor(azurite.endpoint, name)));
  await tables[0]?.ensure();
  return instances(
    3,
    (n) => tables[n] ?? tables[0]!,
    (n) => [recordingJob('tick', cron, runs, n)],
  ).schedulers;
};

describe('Scheduler against Azurite', () => {
  it('three instances racing for the same slots run each slot exactly once', async () => {
    const runs: { instance: number; slot: string }[] = [];
    const schedulers = await threeInstances('*/5 * * * *', runs);
    const slots = Array.from({ length: 6 }, (_, n) => new Date(Date.UTC(2026, 11, 3, 9, 5 * n)));
    for (const slot of slots) {
      const ran = await Promise.all(schedulers.map((s) => s.runSlot('tick', slot)));
      expect(ran.filter(Boolean)).toHaveLength(1);
    }
    expect(runs.map((r) => r.slot)).toEqual(slots.map((s) => s.toISOString()));
  });

  it('with node-cron’s own ticks, three started instances run every slot once between them', async () => {
    const runs: { instance: number; slot: string }[] = [];
    // Every second (node-cron's six-field form), so that real ticks come within the test.
    const schedulers = await threeInstances('* * * * * *', runs);
    try {
      await Promise.all(schedulers.map((s) => s.start()));
      await waitUntil('three slots run', () => runs.length >= 3, 15_000);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
    const slots = runs.map((r) => r.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.every((slot) => slot.endsWith('.000Z'))).toBe(true);
  });
});
