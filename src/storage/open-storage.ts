import type { Logger } from 'pino';
import type { HealthProbe } from '../app/ports';
import type { Config } from '../config';
import {
  AzureEntityTable,
  createTableClient,
  defaultCredentialTarget,
  type TableTarget,
} from './azure-table';
import { startEmbeddedAzurite } from './embedded-azurite';
import { tableName, type EntityTable } from './entity-table';
import { tableProbe } from './table-probe';

export interface Storage {
  rollouts: EntityTable;
  /** Where the data lives, for the start-up log (no secrets). */
  description: string;
  probe: HealthProbe;
  close(): Promise<void>;
}

/**
 * Picks the store: a connection string wins; else an endpoint with DefaultAzureCredential
 * (managed identity); else Azurite started as a child process, persisting under DATA_DIR.
 */
export const openStorage = async (config: Config, logger: Logger): Promise<Storage> => {
  let target: TableTarget;
  let description: string;
  let stopEmbedded: () => Promise<void> = async () => {};
  if (config.STORAGE_CONNECTION_STRING) {
    target = { kind: 'connection-string', connectionString: config.STORAGE_CONNECTION_STRING };
    description = 'Azure Table Storage (connection string)';
  } else if (config.STORAGE_TABLE_ENDPOINT) {
    target = defaultCredentialTarget(config.STORAGE_TABLE_ENDPOINT);
    description = `Azure Table Storage at ${config.STORAGE_TABLE_ENDPOINT} (DefaultAzureCredential)`;
  } else {
    const azurite = await startEmbeddedAzurite({ dataDir: config.DATA_DIR, logger });
    target = { kind: 'azurite', endpoint: azurite.endpoint };
    description = `embedded Azurite at ${azurite.endpoint}, data in ${config.DATA_DIR}`;
    stopEmbedded = () => azurite.stop();
  }
  try {
    const rollouts = new AzureEntityTable(
      createTableClient(target, tableName(config.TABLE_PREFIX, 'Rollouts')),
    );
    await rollouts.ensure();
    return { rollouts, description, probe: tableProbe(rollouts), close: stopEmbedded };
  } catch (err) {
    await stopEmbedded();
    throw err;
  }
};
