import { answerSignoff } from '../../src/app/answer-signoff';
import type { Messenger, SignoffView } from '../../src/app/ports';
import { requestSignoff } from '../../src/app/signoff-requests';
import { TallyUpdater } from '../../src/app/signoff-tally';
import { ADMIN, COORDINATION, makeDeps, rolloutInPilot, TENANT } from './support';

const MEMBERS = Array.from(
  { length: 10 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);
const silent = { info: () => {}, warn: () => {}, error: () => {} };

describe('the live tally of a posted readiness card', () => {
  it('a burst of answers becomes few updates, one at a time, the last showing every answer', async () => {
    const deps = { ...makeDeps(), helpdesk: MEMBERS };
    const rolloutId = await rolloutInPilot(deps); // next: the enterprise rollout, which needs sign-off
    const requested = await requestSignoff(deps, {
      tenantId: TENANT,
      rolloutId,
      by: ADMIN,
      activityKey: 'c|req',
      command: 'signoff request',
      where: COORDINATION,
    });
    if (requested.kind !== 'done' || !requested.ref) throw new Error(requested.message);
    const ref = requested.ref;

    // Updates wait until released: the burst arrives while the first one is on its way.
    const rendered: SignoffView[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let release: () => void = () => {};
    let gate = new Promise<void>((resolve) => (release = resolve));
    const messenger: Messenger = {
      ...deps.messenger,
      updateSignoff: async (_t, _to, _id, view) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await gate;
        rendered.push(view);
        inFlight--;
      },
    };
    const tallies = new TallyUpdater({ ...deps, messenger }, silent);

    for (const [i, id] of MEMBERS.entries()) {
      await answerSignoff(deps, {
        tenantId: TENANT,
        rolloutId,
        requestId: ref.requestId,
        by: { id, name: `M${i}` },
        ready: true,
        reason: '',
        activityKey: `c|${i}`,
      });
      tallies.schedule(ref);
    }
    release();
    gate = Promise.resolve();
    await tallies.idle();

    expect(maxInFlight).toBe(1);
    expect(rendered.length).toBeGreaterThanOrEqual(1);
    expect(rendered.length).toBeLessThanOrEqual(3);
    expect(rendered.at(-1)?.answers).toHaveLength(10);
    // Each update shows at least as many answers as the one before: never an older tally last.
    const counts = rendered.map((v) => v.answers.length);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });
});
