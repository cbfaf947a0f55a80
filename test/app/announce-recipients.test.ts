import {
  announcementAudience,
  announcementRecipients,
  AUDIENCE_WAIT_MS,
  AudienceNotReadyError,
  recipientsWhenResolved,
} from '../../src/app/announce/announce-recipients';
import { refreshAudience } from '../../src/app/audience-refresh';
import { DirectoryFacts } from '../../src/app/directory-facts';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableAudienceRepository } from '../../src/storage/audience-repository';
import { TableReferenceRepository } from '../../src/storage/reference-repository';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { AUDIENCE_TENANT as TENANT, pilotFor, spec, wavesFor } from '../support/audience-rollouts';
import { MemoryDirectory } from '../support/memory-directory';
import { TestClock } from '../support/harness';
import type { Deps } from '../../src/app/ports';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const GROUP = '00000000-0000-4000-8000-00000000a001';

const setUp = () => {
  const clock = new TestClock();
  const table = new MemoryTable();
  const audiences = new TableAudienceRepository(table, clock);
  const references = new TableReferenceRepository(table, clock);
  return { clock, audiences, references };
};

describe('an announcement’s recipients', () => {
  it('without a snapshot: the listed members (once each, lower case), named from their stored chats', async () => {
    const { audiences, references } = setUp();
    await references.rememberPersonal({
      tenantId: TENANT,
      personId: 'aa-1',
      name: 'Adele Vance',
      conversationId: 'a:1',
      conversationType: 'personal',
      serviceUrl: 'http://x/',
      botId: '28:bot',
    });
    const rollout = wavesFor([spec({ members: ['AA-1', 'bb-2'] }), spec({ members: ['aa-1'] })]);
    expect(await announcementAudience({ audiences, references }, rollout, 'enterprise')).toMatchObject({
      kind: 'listed',
      count: 2,
    });
    expect(await announcementRecipients({ audiences, references }, rollout, 'enterprise')).toEqual([
      { personId: 'aa-1', name: 'Adele Vance' },
      { personId: 'bb-2', name: '' },
    ]);
  });

  it('nobody known: a stage naming only a group, without a snapshot', async () => {
    const { audiences } = setUp();
    const rollout = pilotFor(spec({ groups: [GROUP] }));
    expect(await announcementAudience({ audiences }, rollout, 'pilot')).toMatchObject({
      kind: 'none',
      count: 0,
    });
    expect(await announcementRecipients({ audiences }, rollout, 'pilot')).toEqual([]);
  });

  it('with a snapshot: its members, with their names from Graph', async () => {
    const { clock, audiences } = setUp();
    const directory = new MemoryDirectory({ pageSize: 10 });
    directory.generateGroup(TENANT, GROUP, 25);
    const rollout = pilotFor(spec({ groups: [GROUP], members: ['listed-1'] }));
    const rollouts = new TableRolloutRepository(new MemoryTable());
    await rollouts.commit(TENANT, { rollout, ifMatch: null, audit: [], processed: null });
    const deps = {
      rollouts,
      audiences,
      clock,
      log: quiet,
      facts: new DirectoryFacts({ directory, adminGroups: [], clock, log: quiet }),
      messenger: {} as Deps['messenger'],
    };
    expect(
      await refreshAudience(deps, { tenantId: TENANT, rolloutId: rollout.id, stageId: 'pilot' }),
    ).toMatchObject({
      ok: true,
    });
    expect(await announcementAudience({ audiences }, rollout, 'pilot')).toMatchObject({
      kind: 'snapshot',
      count: 26,
    });
    const recipients = await announcementRecipients({ audiences }, rollout, 'pilot');
    expect(recipients).toHaveLength(26);
    expect(new Set(recipients.map((r) => r.personId)).size).toBe(26);
    expect(recipients.find((r) => r.personId === 'listed-1')).toBeDefined();
    expect(recipients.filter((r) => r.name !== '').length).toBeGreaterThanOrEqual(25);
  });

  it('with Graph, a stage naming groups waits for its snapshot (at most AUDIENCE_WAIT_MS), then goes to whom is known', async () => {
    const { clock, audiences } = setUp();
    const rollout = pilotFor(spec({ groups: [GROUP], members: ['listed-1'] }));
    const announcement = { stageId: 'pilot', createdAt: clock.now().toISOString() };
    const deps = { audiences, clock, graph: true };
    await expect(recipientsWhenResolved(deps, rollout, announcement)).rejects.toBeInstanceOf(
      AudienceNotReadyError,
    );
    // Without Graph nothing is coming: the listed members at once.
    expect(await recipientsWhenResolved({ ...deps, graph: false }, rollout, announcement)).toEqual([
      { personId: 'listed-1', name: '' },
    ]);
    clock.advance(AUDIENCE_WAIT_MS);
    expect(await recipientsWhenResolved(deps, rollout, announcement)).toEqual([
      { personId: 'listed-1', name: '' },
    ]);
  });
});
