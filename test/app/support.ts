import { advancePhase } from '../../src/app/advance-phase';
import { createRollout } from '../../src/app/create-rollout';
import type { Deps, Messenger, Notice, SignoffRef, SignoffView } from '../../src/app/ports';
import type { RefreshRequest } from '../../src/app/audience-refresh';
import { DirectoryFacts } from '../../src/app/directory-facts';
import { AesRefSealer } from '../../src/app/sealed-ref';
import { TableAudienceRepository } from '../../src/storage/audience-repository';
import { TableSignoffRepository } from '../../src/storage/signoff-repository';
import { TableFeedbackRepository } from '../../src/storage/feedback-repository';
import { TableScheduleRepository } from '../../src/storage/schedule-repository';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import type { EntityTable } from '../../src/storage/entity-table';
import { TestClock } from '../support/harness';

export const ADMIN = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' };
export const ADMIN2 = { id: 'cccccccc-0000-4000-8000-000000000003', name: 'Megan Bowen' };
export const MEMBER = { id: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'Lee Gu' };
export const TENANT = 'tenant-1';
export const HELPDESK = { id: 'dddddddd-0000-4000-8000-000000000004', name: 'Henrietta Desk' };
export const HELPDESK2 = { id: 'eeeeeeee-0000-4000-8000-000000000005', name: 'Hal Desk' };

/** What the recording messenger was asked to do, in order. */
export type Posted =
  | { kind: 'notify'; conversationId: string; text: string }
  | { kind: 'post' | 'update'; conversationId: string; messageId: string; view: SignoffView };

/** A messenger that records what it was asked to send and gives message ids m1, m2, … */
export const recordingMessenger = (posted: Posted[]): Messenger => ({
  notify: async (_tenant, to, content) =>
    void posted.push({ kind: 'notify', conversationId: to.conversationId, text: JSON.stringify(content) }),
  postSignoff: async (_tenant, to, view) => {
    const messageId = `m${posted.length + 1}`;
    posted.push({ kind: 'post', conversationId: to.conversationId, messageId, view });
    return messageId;
  },
  updateSignoff: async (_tenant, to, messageId, view) =>
    void posted.push({ kind: 'update', conversationId: to.conversationId, messageId, view }),
});
export const COORDINATION = {
  conversationId: 'conv-1',
  conversationType: 'channel',
  serviceUrl: 'http://x/',
};

/** Deps over in-memory tables; notices handed over are kept in `sent`, links are fake. */
export const makeDeps = (
  table: EntityTable = new MemoryTable(),
  feedbackTable: EntityTable = new MemoryTable(),
  signoffTable: EntityTable = new MemoryTable(),
): Deps & {
  clock: TestClock;
  table: EntityTable;
  enqueued: Notice[];
  posted: Posted[];
  scheduled: SignoffRef[];
  refreshes: RefreshRequest[];
} => {
  const enqueued: Notice[] = [];
  const posted: Posted[] = [];
  const scheduled: SignoffRef[] = [];
  const refreshes: RefreshRequest[] = [];
  const clock = new TestClock();
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  return {
    rollouts: new TableRolloutRepository(table),
    feedback: new TableFeedbackRepository(feedbackTable),
    notices: { enqueue: (notice) => void enqueued.push(notice) },
    exportLinks: {
      issue: (tenantId, rolloutId) => ({
        url: `https://bot.example/x/${tenantId}/${rolloutId}`,
        expiresAt: '2026-02-10T17:40:00.000Z',
      }),
    },
    sealer: new AesRefSealer('test-secret'),
    signoffs: new TableSignoffRepository(signoffTable),
    messenger: recordingMessenger(posted),
    tallies: { schedule: (ref) => void scheduled.push(ref) },
    log,
    helpdesk: [HELPDESK.id, HELPDESK2.id],
    helpdeskGroups: [],
    enqueued,
    posted,
    scheduled,
    clock,
    access: { admins: new Set([ADMIN.id, ADMIN2.id]), everyoneIsAdmin: false },
    settings: { defaultTimeZone: 'UTC' },
    facts: new DirectoryFacts({ directory: null, adminGroups: [], clock, log }),
    audiences: new TableAudienceRepository(new MemoryTable(), clock),
    audienceRefresh: { schedule: (request) => void refreshes.push(request), purge: () => undefined },
    schedules: new TableScheduleRepository(new MemoryTable()),
    refreshes,
    table,
  };
};

/** A new rollout (app template) moved `advances` stages on by forced advances; returns its id. */
export const rolloutAfter = async (deps: Deps, advances: number, name = 'Teams Premium'): Promise<string> => {
  const created = await createRollout(deps, {
    tenantId: TENANT,
    name,
    by: ADMIN,
    activityKey: `conv|create-${name}`,
    coordination: COORDINATION,
    template: 'app',
    timeZone: 'UTC',
  });
  if (created.kind !== 'done') throw new Error(created.kind);
  const rolloutId = created.rollout.id;
  for (let n = 1; n <= advances; n++) {
    const moved = await advancePhase(deps, {
      tenantId: TENANT,
      rolloutId,
      by: ADMIN,
      activityKey: `conv|advance-${rolloutId}-${n}`,
      command: 'advance phase',
      force: { reason: 'test' },
    });
    if (moved.kind !== 'done') throw new Error(moved.kind);
  }
  return rolloutId;
};

/** A new rollout (app template) moved into its pilot by forced advances; returns its id. */
export const rolloutInPilot = (deps: Deps): Promise<string> => rolloutAfter(deps, 2);
