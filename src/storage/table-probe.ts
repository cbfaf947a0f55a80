import type { HealthProbe } from '../app/ports';
import type { EntityTable } from './entity-table';

/** A real round trip: reading a row that need not exist still proves the service answers. */
export const tableProbe = (table: EntityTable): HealthProbe => ({
  check: async () => void (await table.get('health', 'probe')),
});
