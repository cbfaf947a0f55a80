import type { Deps } from '../../src/app/ports';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import type { EntityTable } from '../../src/storage/entity-table';
import { TestClock } from '../support/harness';

export const ADMIN = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Adele Vance' };
export const ADMIN2 = { id: 'cccccccc-0000-4000-8000-000000000003', name: 'Megan Bowen' };
export const MEMBER = { id: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'Lee Gu' };
export const TENANT = 'tenant-1';
export const COORDINATION = {
  conversationId: 'conv-1',
  conversationType: 'channel',
  serviceUrl: 'http://x/',
};

export const makeDeps = (
  table: EntityTable = new MemoryTable(),
): Deps & { clock: TestClock; table: EntityTable } => ({
  rollouts: new TableRolloutRepository(table),
  clock: new TestClock(),
  access: { admins: new Set([ADMIN.id, ADMIN2.id]), everyoneIsAdmin: false },
  settings: { defaultTimeZone: 'UTC' },
  table,
});
