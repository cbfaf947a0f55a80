import { reportFailing } from '../../src/app/schedule/job-failing';
import { runHousekeeping } from '../../src/app/schedule/housekeeping';
import { makeDeps, rolloutAfter, TENANT } from '../app/support';
import { rejection } from '../support/rejection';
import { QUIET_LOG } from './scheduler-support';

const SLOT = new Date('2026-12-03T09:10:00.000Z');

describe('housekeeping', () => {
  it('sweeps the outboxes, then runs every purge step with the slot as now', async () => {
    const calls: string[] = [];
    const run = await runHousekeeping(
      {
        recoverOutboxes: async () => void calls.push('outboxes'),
        purges: [
          { name: 'markers', run: async (now) => (calls.push(`markers ${now.toISOString()}`), 3) },
          { name: 'tokens', run: async () => (calls.push('tokens'), 0) },
        ],
        log: QUIET_LOG,
      },
      SLOT,
    );
    expect(calls).toEqual(['outboxes', `markers ${SLOT.toISOString()}`, 'tokens']);
    expect(run.failed).toEqual([]);
  });

  it('goes on past a failing step and fails the run naming every step that failed', async () => {
    const ran: string[] = [];
    const error = await rejection(
      runHousekeeping(
        {
          recoverOutboxes: () => Promise.reject(new Error('queue unreachable')),
          purges: [
            { name: 'markers', run: () => Promise.reject(new Error('503')) },
            { name: 'tokens', run: async () => (ran.push('tokens'), 1) },
          ],
          log: QUIET_LOG,
        },
        SLOT,
      ),
    );
    expect(String(error)).toContain('outbox sweep: queue unreachable; markers: 503');
    expect(ran).toEqual(['tokens']);
  });
});

describe('a job that keeps failing', () => {
  it('tells each rollout it fails for once, through the scheduled outbox', async () => {
    const deps = makeDeps();
    const rolloutId = await rolloutAfter(deps, 0);
    const failed = [{ tenantId: TENANT, rolloutId, error: 'Table Storage answered 503' }];
    const job = { name: 'daily-digest', description: 'the daily digest' };
    await reportFailing(deps, job, failed, SLOT);
    await reportFailing(deps, job, failed, SLOT);
    expect(deps.enqueued).toHaveLength(1);
    expect(deps.enqueued[0]).toMatchObject({ kind: 'scheduled', topic: 'job-failing', rolloutId });
    expect(JSON.parse((deps.enqueued[0] as { data: string }).data).text).toContain(
      'Table Storage answered 503',
    );
    expect(await deps.schedules.pendingNotices(10)).toHaveLength(1);
  });
});
