import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureEntityTable, createTableClient } from '../../src/storage/azure-table';
import { startEmbeddedAzurite } from '../../src/storage/embedded-azurite';
import type { EntityTable } from '../../src/storage/entity-table';

export interface TestAzurite {
  /** e.g. `http://127.0.0.1:41234/devstoreaccount1` */
  endpoint: string;
  port: number;
  /** e.g. `http://127.0.0.1:41235/devstoreaccount1` */
  queueEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Azurite's Table and Queue services for a test file, in its own process (as the bot runs it) with its data
 * in a temporary folder removed on `stop()`. Not in the test's process: once restify is loaded
 * in a process (as it is in a jest worker that ran an HTTP test), an in-process Azurite ignores
 * query filters; the bot never runs Azurite in its own process either.
 */
export const startTestAzurite = async (): Promise<TestAzurite> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollout-azurite-'));
  const azurite = await startEmbeddedAzurite({ dataDir });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: azurite.endpoint,
    port: azurite.port,
    queueEndpoint: azurite.queueEndpoint,
    stop: () => (stopped ??= azurite.stop().finally(() => rmSync(dataDir, { recursive: true, force: true }))),
  };
};

/** A table name no other test uses: letters and digits, a letter first. */
export const uniqueTableName = (base = 't'): string => `${base}${randomUUID().replace(/-/g, '')}`;

/** A queue name no other test uses: lower-case letters, digits and hyphens. */
export const uniqueQueueName = (base = 'q'): string => `${base}-${randomUUID()}`;

/** An ensured AzureEntityTable on the Azurite at `endpoint`. */
export const azureTableFor = async (endpoint: string, tableName: string): Promise<EntityTable> => {
  const table = new AzureEntityTable(createTableClient({ kind: 'azurite', endpoint }, tableName));
  await table.ensure();
  return table;
};
