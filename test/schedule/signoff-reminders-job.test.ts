import { signoffRemindersJob } from '../../src/schedule/signoff-reminders-job';
import { announceDeps } from '../app/announce-support';
import { rolloutInPilot } from '../app/support';

describe('the help-desk reminders job', () => {
  it('runs every 5 minutes over every active and paused rollout, at the slot it is given', async () => {
    const { deps } = announceDeps();
    await rolloutInPilot(deps);
    const job = signoffRemindersJob(deps, [24, 2]);
    expect(job).toMatchObject({ name: 'signoff-reminders', cron: '*/5 * * * *' });
    expect(await job.run(new Date('2026-02-12T09:00:00.000Z'))).toEqual({ rollouts: 1, failed: [] });
  });
});
