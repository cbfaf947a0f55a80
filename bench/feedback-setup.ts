import { advancePhase } from '../src/app/advance-phase';
import { createRollout } from '../src/app/create-rollout';
import { DirectoryFacts } from '../src/app/directory-facts';
import type { Deps, Messenger } from '../src/app/ports';
import { AesRefSealer } from '../src/app/sealed-ref';
import type { FeedbackAnswer, Rating } from '../src/domain/feedback';
import { TableAudienceRepository } from '../src/storage/audience-repository';
import { AzureEntityTable, createTableClient } from '../src/storage/azure-table';
import { tableName } from '../src/storage/entity-table';
import { TableFeedbackRepository } from '../src/storage/feedback-repository';
import { TableScheduleRepository } from '../src/storage/schedule-repository';
import { MemoryTable } from '../src/storage/memory-table';
import { TableRolloutRepository } from '../src/storage/rollout-repository';
import { TableSignoffRepository } from '../src/storage/signoff-repository';

/** What the feedback benchmarks share: one tenant, one admin, answers for the pilot phase. */
export const BENCH_TENANT = '72f988bf-0000-4000-8000-000000000001';
export const BENCH_ADMIN = { id: '00000000-0000-4000-8000-0000000000a1', name: 'Bench Admin' };
export const PILOT = 'pilot';
const COORDINATION = {
  conversationId: '19:0000000000000000000000000000cccc@thread.tacv2',
  conversationType: 'channel',
  serviceUrl: 'http://127.0.0.1:9/',
};

export interface BenchTables {
  prefix: string;
  rollouts: AzureEntityTable;
  feedback: AzureEntityTable;
}

/** The bot's two tables under `prefix` on the Azurite at `endpoint`, created. */
export const openTables = async (endpoint: string, prefix: string): Promise<BenchTables> => {
  const target = { kind: 'azurite', endpoint } as const;
  const rollouts = new AzureEntityTable(createTableClient(target, tableName(prefix, 'Rollouts')));
  const feedback = new AzureEntityTable(createTableClient(target, tableName(prefix, 'Feedback')));
  await Promise.all([rollouts.ensure(), feedback.ensure()]);
  return { prefix, rollouts, feedback };
};

/**
 * Deletes the tables: their rows leave Azurite's in-memory database, which it saves to disk
 * whole every 5 s, so rows left by one benchmark would slow the next.
 */
export const dropTables = async (endpoint: string, tables: BenchTables): Promise<void> => {
  const target = { kind: 'azurite', endpoint } as const;
  await Promise.all(
    [tables.rollouts.name, tables.feedback.name].map((name) => createTableClient(target, name).deleteTable()),
  );
};

/** A messenger for benchmarks that send nothing (none of their paths posts or notifies). */
export const NO_MESSENGER: Messenger = {
  notify: async () => undefined,
  postSignoff: async () => {
    throw new Error('the benchmarks post no readiness requests');
  },
  updateSignoff: async () => undefined,
};

const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Use-case dependencies as src/server.ts builds them (anonymous mode: everyone is an admin). */
export const benchDeps = (tables: Pick<BenchTables, 'rollouts' | 'feedback'>): Deps => ({
  rollouts: new TableRolloutRepository(tables.rollouts),
  feedback: new TableFeedbackRepository(tables.feedback),
  // Readiness sign-off plays no part in these benchmarks.
  signoffs: new TableSignoffRepository(new MemoryTable()),
  messenger: NO_MESSENGER,
  tallies: { schedule: () => undefined },
  log: QUIET,
  helpdesk: [],
  helpdeskGroups: [],
  sealer: new AesRefSealer('bench'),
  notices: { enqueue: () => undefined },
  exportLinks: { issue: () => ({ url: 'http://127.0.0.1:9/unused', expiresAt: new Date().toISOString() }) },
  clock: { now: () => new Date() },
  access: { admins: new Set(), everyoneIsAdmin: true },
  settings: { defaultTimeZone: 'UTC' },
  facts: new DirectoryFacts({
    directory: null,
    adminGroups: [],
    clock: { now: () => new Date() },
    log: QUIET,
  }),
  audiences: new TableAudienceRepository(new MemoryTable()),
  audienceRefresh: { schedule: () => undefined, purge: () => undefined },
  schedules: new TableScheduleRepository(new MemoryTable()),
});

/** A new rollout of `tenantId` moved (forced) from scope through proof of concept into its pilot; its id. */
export const createPilotRollout = async (
  deps: Deps,
  name: string,
  tenantId = BENCH_TENANT,
): Promise<string> => {
  const created = await createRollout(deps, {
    tenantId,
    by: BENCH_ADMIN,
    name,
    activityKey: null,
    coordination: COORDINATION,
    template: 'app',
    timeZone: 'UTC',
  });
  if (created.kind !== 'done') throw new Error(`rollout new ${name}: ${created.kind}`);
  const rolloutId = created.rollout.id;
  for (const reason of ['lab done', 'pilot group chosen']) {
    const moved = await advancePhase(deps, {
      tenantId,
      rolloutId,
      by: BENCH_ADMIN,
      activityKey: null,
      command: 'advance phase --force',
      force: { reason },
    });
    if (moved.kind !== 'done') throw new Error(`advance ${name}: ${moved.kind}`);
  }
  const stored = await deps.rollouts.get(tenantId, rolloutId);
  if (stored?.value.position.phase !== PILOT) throw new Error(`${name} did not reach its pilot`);
  return rolloutId;
};

/** Person `n` of a series: a distinct Entra object id (lower case, as the bot keeps it). */
export const benchPerson = (series: number, n: number): { id: string; name: string } => ({
  id: `${series.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  name: `Pilot user ${n}`,
});

/** A valid answer that reports no issue (severity none: no notice), varied a little by `n`. */
export const benchAnswer = (n: number): FeedbackAnswer => ({
  rating: ((n % 5) + 1) as Rating,
  installed: n % 7 === 0 ? 'partly' : 'yes',
  category: 'functionality',
  severity: 'none',
  platform: n % 3 === 0 ? 'macos' : 'windows',
  comment: 'Works; the new meeting view is faster than before.',
  shareName: n % 2 === 0,
});

/** The same answer as the feedback card's Action.Execute sends it (strings only). */
export const benchFormData = (answer: FeedbackAnswer): Record<string, string> => ({
  rating: String(answer.rating),
  installed: answer.installed,
  category: answer.category,
  severity: answer.severity,
  platform: answer.platform,
  comment: answer.comment,
  shareName: String(answer.shareName),
});
