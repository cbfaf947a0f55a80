import { randomUUID } from 'node:crypto';
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';
import { AZURITE_ACCOUNT, AzureEntityTable, createTableClient } from '../../src/storage/azure-table';
import type { EntityTable } from '../../src/storage/entity-table';

export interface TestAzurite {
  /** e.g. `http://127.0.0.1:41234/devstoreaccount1` */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Azurite's Table service in this process, in memory, on a port the OS picks (the server reports
 * the real one): fast, nothing on disk, nothing to clean up but `stop()`.
 */
export const startTestAzurite = async (): Promise<TestAzurite> => {
  const config = new TableConfiguration(
    '127.0.0.1',
    0,
    5,
    `test-${randomUUID()}.json`, // a LokiJS name only: memory persistence writes nothing
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    true, // skipApiVersionCheck
    '',
    '',
    '',
    undefined,
    false, // disableProductStyleUrl
    true, // in-memory persistence
  );
  const server = new TableServer(config);
  await server.start();
  const port = Number(new URL(server.getHttpServerAddress()).port);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
    port,
    stop: () => (stopped ??= server.close()),
  };
};

/** A table name no other test uses: letters and digits, a letter first. */
export const uniqueTableName = (base = 't'): string => `${base}${randomUUID().replace(/-/g, '')}`;

/** An ensured AzureEntityTable on the Azurite at `endpoint`. */
export const azureTableFor = async (endpoint: string, tableName: string): Promise<EntityTable> => {
  const table = new AzureEntityTable(createTableClient({ kind: 'azurite', endpoint }, tableName));
  await table.ensure();
  return table;
};
