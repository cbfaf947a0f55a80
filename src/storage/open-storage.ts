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
  /** Feedback answers, their count shards, the notice outbox and used export links. */
  feedback: EntityTable;
  /** Readiness requests, their answers, audit and outbox. */
  signoffs: EntityTable;
  /** Where the data lives, for the start-up log (no secrets). */
  description: string;
  probe: HealthProbe;
  close(): Promise<void>;
}

/** Where the configuration puts the tables, with a description for logs (no secrets). */
export interface ConfiguredTarget {
  target: TableTarget;
  description: string;
}

/**
 * The store the configuration names: a connection string wins, else an endpoint reached with
 * DefaultAzureCredential (managed identity). Null when neither is set: the embedded Azurite.
 */
export const tableTargetFor = (config: Config): ConfiguredTarget | null => {
  if (config.STORAGE_CONNECTION_STRING) {
    return {
      target: { kind: 'connection-string', connectionString: config.STORAGE_CONNECTION_STRING },
      description: 'Azure Table Storage (connection string)',
    };
  }
  if (config.STORAGE_TABLE_ENDPOINT) {
    return {
      target: defaultCredentialTarget(config.STORAGE_TABLE_ENDPOINT),
      description: `Azure Table Storage at ${config.STORAGE_TABLE_ENDPOINT} (DefaultAzureCredential)`,
    };
  }
  return null;
};

/** The rollouts table of a store, as the bot names it (not created here). */
export const rolloutsTable = (config: Config, target: TableTarget): AzureEntityTable =>
  new AzureEntityTable(createTableClient(target, tableName(config.TABLE_PREFIX, 'Rollouts')));

/** The feedback table of a store, as the bot names it (not created here). */
export const feedbackTable = (config: Config, target: TableTarget): AzureEntityTable =>
  new AzureEntityTable(createTableClient(target, tableName(config.TABLE_PREFIX, 'Feedback')));

/** The readiness sign-off table of a store, as the bot names it (not created here). */
export const signoffsTable = (config: Config, target: TableTarget): AzureEntityTable =>
  new AzureEntityTable(createTableClient(target, tableName(config.TABLE_PREFIX, 'Signoffs')));

/**
 * Picks the store: a connection string wins; else an endpoint with DefaultAzureCredential
 * (managed identity); else Azurite started as a child process, persisting under DATA_DIR.
 */
export const openStorage = async (config: Config, logger: Logger): Promise<Storage> => {
  let target: TableTarget;
  let description: string;
  let stopEmbedded: () => Promise<void> = async () => {};
  const configured = tableTargetFor(config);
  if (configured) {
    ({ target, description } = configured);
  } else {
    const azurite = await startEmbeddedAzurite({ dataDir: config.DATA_DIR, logger });
    target = { kind: 'azurite', endpoint: azurite.endpoint };
    description = `embedded Azurite at ${azurite.endpoint}, data in ${config.DATA_DIR}`;
    stopEmbedded = () => azurite.stop();
  }
  try {
    const rollouts = rolloutsTable(config, target);
    const feedback = feedbackTable(config, target);
    const signoffs = signoffsTable(config, target);
    await Promise.all([rollouts.ensure(), feedback.ensure(), signoffs.ensure()]);
    return { rollouts, feedback, signoffs, description, probe: tableProbe(rollouts), close: stopEmbedded };
  } catch (err) {
    await stopEmbedded();
    throw err;
  }
};
