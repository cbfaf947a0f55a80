import { AudienceRefresher, audienceSizes, NO_GRAPH, refreshAudience } from '../../src/app/audience-refresh';
import { DirectoryFacts } from '../../src/app/directory-facts';
import type { Deps, NoticeContent } from '../../src/app/ports';
import { TableAudienceRepository } from '../../src/storage/audience-repository';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { AUDIENCE_TENANT as TENANT, pilotFor, spec, wavesFor } from '../support/audience-rollouts';
import { TestClock } from '../support/harness';
import { MemoryDirectory } from '../support/memory-directory';
import type { Rollout } from '../../src/domain/rollout';

const GROUP = 'g-pilot';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const COORDINATION = { conversationId: 'conv-1', conversationType: 'channel', serviceUrl: 'http://x/' };

const setUp = async (rollout: Rollout, options: { graph?: boolean } = {}) => {
  const clock = new TestClock();
  const directory = new MemoryDirectory({ pageSize: 10 });
  directory.generateGroup(TENANT, GROUP, 25);
  const rollouts = new TableRolloutRepository(new MemoryTable());
  await rollouts.commit(TENANT, { rollout, ifMatch: null, audit: [], processed: null });
  const table = new MemoryTable();
  const audiences = new TableAudienceRepository(table, clock);
  const notified: NoticeContent[] = [];
  const deps = {
    rollouts,
    audiences,
    clock,
    log: quiet,
    facts: new DirectoryFacts({
      directory: options.graph === false ? null : directory,
      adminGroups: [],
      clock,
      log: quiet,
    }),
    messenger: {
      notify: async (_tenant: string, _to: unknown, content: NoticeContent) => void notified.push(content),
    } as unknown as Deps['messenger'],
  };
  return { deps, table, notified, directory, refresher: new AudienceRefresher(deps, quiet) };
};

describe('audience refresh', () => {
  it('resolves a stage into its snapshot; the gate’s sizes read it', async () => {
    const rollout = pilotFor(spec({ groups: [GROUP] }));
    const { deps } = await setUp(rollout);
    const outcome = await refreshAudience(deps, {
      tenantId: TENANT,
      rolloutId: rollout.id,
      stageId: 'pilot',
    });
    expect(outcome).toMatchObject({ ok: true, snapshot: { counts: { people: 25 } } });
    const stored = (await deps.rollouts.get(TENANT, rollout.id))?.value ?? rollout;
    const moved: Rollout = { ...stored, position: { phase: 'pilot', wave: null } };
    expect(await audienceSizes(deps, moved)).toEqual(new Map([['pilot', 25]]));
  });

  it('a changed definition makes the snapshot stale: its size is no longer used', async () => {
    const rollout = pilotFor(spec({ groups: [GROUP] }));
    const { deps } = await setUp(rollout);
    await refreshAudience(deps, { tenantId: TENANT, rolloutId: rollout.id, stageId: 'pilot' });
    const changed = pilotFor(spec({ groups: [GROUP], includeGuests: true }));
    expect(await audienceSizes(deps, { ...changed, position: { phase: 'pilot', wave: null } })).toEqual(
      new Map(),
    );
  });

  it('without Graph, says there is nothing to resolve', async () => {
    const rollout = pilotFor(spec({ groups: [GROUP] }));
    const { deps } = await setUp(rollout, { graph: false });
    expect(
      await refreshAudience(deps, { tenantId: TENANT, rolloutId: rollout.id, stageId: 'pilot' }),
    ).toEqual({
      ok: false,
      reason: 'no-graph',
      message: NO_GRAPH,
    });
  });

  it('after the reply, one refresh per stage at a time; the asking conversation is told the outcome', async () => {
    const rollout = wavesFor([spec({ groups: [GROUP] }), spec({ groups: [GROUP] })]);
    const { deps, notified, directory } = await setUp(rollout);
    const read: string[] = [];
    const refresher = new AudienceRefresher(
      {
        ...deps,
        assignments: {
          enqueue: () => undefined,
          refresh: async (_tenant, rolloutId) => {
            read.push(rolloutId);
            return null;
          },
        },
      },
      quiet,
    );
    const ref = { tenantId: TENANT, rolloutId: rollout.id, stageId: 'enterprise/w1' };
    refresher.schedule({ ...ref, tell: COORDINATION });
    refresher.schedule({ ...ref, tell: COORDINATION }); // queued already: not twice
    await refresher.idle();
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({
      kind: 'audience-refreshed',
      stageId: 'enterprise/w1',
      outcome: { ok: true, snapshot: { counts: { people: 25 } } },
    });
    expect(directory.calls.groupMembers).toBe(1);
    // The Intune app's assignments are read again too (status shows them as last read).
    expect(read).toEqual([rollout.id]);
  });

  it('purging a closed rollout deletes every snapshot row and head', async () => {
    const rollout = pilotFor(spec({ groups: [GROUP] }));
    const { deps, refresher, table } = await setUp(rollout);
    for (let i = 0; i < 3; i++) {
      await refreshAudience(deps, { tenantId: TENANT, rolloutId: rollout.id, stageId: 'pilot' });
    }
    expect(table.size).toBeGreaterThan(0);
    refresher.purge(TENANT, rollout.id);
    await refresher.idle();
    expect(table.size).toBe(0);
    expect(await deps.audiences.current(TENANT, rollout.id, 'pilot')).toBeNull();
  });
});
