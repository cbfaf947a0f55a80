import type { Logger } from 'pino';
import type { HealthProbe, WorkQueue } from '../app/ports';
import { queueEndpointFor, type Config } from '../config';
import { AzureWorkQueue, createQueueClient, type QueueTarget } from './azure-queue';
import {
  AzureEntityTable,
  createTableClient,
  defaultCredentialTarget,
  type TableTarget,
} from './azure-table';
import {
  startSupervisedAzurite,
  type SupervisedAzurite,
  type SupervisedAzuriteOptions,
} from './azurite-supervisor';
import { tableName, type EntityTable } from './entity-table';
import { RepointableQueue } from './delegating-queue';
import { RepointableTable } from './repointable-table';
import { tableProbe } from './table-probe';

export interface Storage {
  rollouts: EntityTable;
  /** Feedback answers, their count shards, the notice outbox and used export links. */
  feedback: EntityTable;
  /** Readiness requests, their answers, audit and outbox. */
  signoffs: EntityTable;
  /** Resolved audiences (snapshots of Entra group members) per stage. */
  audiences: EntityTable;
  /** Phase announcements, their delivery rows and the live senders (TableAnnouncementRepository). */
  announcements: EntityTable;
  /** The scheduler's job rows, per-rollout schedule state, its outbox, stage snapshots and opt-outs. */
  schedule: EntityTable;
  /**
   * The work queue of phase announcements' fan-out (Azure Storage Queues, or the embedded
   * Azurite's Queue service), created.
   */
  queue: WorkQueue;
  /** Where the data lives, for the start-up log (no secrets). */
  description: string;
  probe: HealthProbe;
  /** The supervised embedded Azurite, when that is the store (its current pid, port, endpoint). */
  azurite?: SupervisedAzurite;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /**
   * The embedded Azurite died more often than its restart budget allows (or could not take its
   * data folder back): storage is gone for good. The bot logs it and exits non-zero.
   */
  onStorageLost?: (reason: Error) => void;
  /** Tests: the embedded Azurite's restart budget, clock and hooks. */
  supervision?: Pick<SupervisedAzuriteOptions, 'budget' | 'now' | 'beforeRestart'>;
}

/** Where the configuration puts the tables (and the queue), with a description for logs (no secrets). */
export interface ConfiguredTarget {
  target: TableTarget;
  /** The queue's: the same connection string, or the Queue service endpoint with a credential. */
  queueTarget: QueueTarget;
  description: string;
}

/**
 * The store the configuration names: a connection string wins, else an endpoint reached with
 * DefaultAzureCredential (managed identity). Null when neither is set: the embedded Azurite.
 */
export const tableTargetFor = (config: Config): ConfiguredTarget | null => {
  if (config.STORAGE_CONNECTION_STRING) {
    const target: TableTarget = {
      kind: 'connection-string',
      connectionString: config.STORAGE_CONNECTION_STRING,
    };
    return { target, queueTarget: target, description: 'Azure Table Storage (connection string)' };
  }
  if (config.STORAGE_TABLE_ENDPOINT) {
    const queueEndpoint = queueEndpointFor(config);
    // loadConfig refuses a table endpoint whose queue endpoint is neither set nor derivable.
    if (!queueEndpoint)
      throw new Error('STORAGE_QUEUE_ENDPOINT is required with this STORAGE_TABLE_ENDPOINT');
    return {
      target: defaultCredentialTarget(config.STORAGE_TABLE_ENDPOINT),
      queueTarget: defaultCredentialTarget(queueEndpoint),
      description:
        `Azure Table Storage at ${config.STORAGE_TABLE_ENDPOINT}, queue at ${queueEndpoint} ` +
        '(DefaultAzureCredential)',
    };
  }
  return null;
};

const TABLE_NAMES = {
  rollouts: 'Rollouts',
  feedback: 'Feedback',
  signoffs: 'Signoffs',
  audiences: 'Audiences',
  announcements: 'Announcements',
  schedule: 'Schedule',
} as const;

/** The store's tables, by the name `Storage` gives each. */
export type StoreTableName = keyof typeof TABLE_NAMES;

/** One table of a store, as the bot names it (`<TABLE_PREFIX>Rollouts` …; not created here). */
export const storeTable = (config: Config, target: TableTarget, table: StoreTableName): AzureEntityTable =>
  new AzureEntityTable(createTableClient(target, tableName(config.TABLE_PREFIX, TABLE_NAMES[table])));

/** Every table of the store, each as `open` makes it. */
const eachTable = <T>(open: (table: StoreTableName) => T): Record<StoreTableName, T> =>
  Object.fromEntries(
    (Object.keys(TABLE_NAMES) as StoreTableName[]).map((table) => [table, open(table)]),
  ) as Record<StoreTableName, T>;

/** The announcements' work queue of a store, as the bot names it (not created here). */
export const announcementsQueue = (config: Config, target: QueueTarget): AzureWorkQueue =>
  new AzureWorkQueue(createQueueClient(target, queueName(config.TABLE_PREFIX, 'announcements')));

/** `<prefix>-<base>` in lower case: queue names are lower-case letters, digits and hyphens. */
export const queueName = (prefix: string, base: string): string => `${prefix}-${base}`.toLowerCase();

/**
 * Picks the store: a connection string wins; else an endpoint with DefaultAzureCredential
 * (managed identity); else Azurite started as a child process, persisting under DATA_DIR.
 */
export const openStorage = async (
  config: Config,
  logger: Logger,
  options: OpenStorageOptions = {},
): Promise<Storage> => {
  const configured = tableTargetFor(config);
  if (!configured) return openEmbeddedStorage(config, logger, options);
  const { target, queueTarget, description } = configured;
  const tables = eachTable((table) => storeTable(config, target, table));
  const queue = announcementsQueue(config, queueTarget);
  await Promise.all([
    ...Object.values(tables).map((table) => table.ensure()),
    // Nothing reads the queue yet (announcements come next): a deployment whose identity lacks
    // the queue role still starts, and is told what announcements will need.
    queue
      .ensure()
      .catch((err: unknown) =>
        logger.warn(
          { err },
          'the announcements queue could not be created (give the bot the Storage Queue Data Contributor role, or a connection string with the queue service)',
        ),
      ),
  ]);
  return { ...tables, queue, description, probe: tableProbe(tables.rollouts), close: async () => {} };
};

/**
 * The embedded Azurite, supervised: its tables and queue follow it to new ports when a restart
 * needs them (and are ensured again: one created in the last save interval before a kill is gone).
 */
const openEmbeddedStorage = async (
  config: Config,
  logger: Logger,
  options: OpenStorageOptions,
): Promise<Storage> => {
  const tables: RepointableTable[] = [];
  let queue: RepointableQueue | undefined;
  const azurite = await startSupervisedAzurite({
    dataDir: config.DATA_DIR,
    logger,
    saveIntervalMs: config.AZURITE_SAVE_INTERVAL_MS,
    ...options.supervision,
    onRestart: async (restarted) => {
      for (const table of tables) table.repoint(restarted.endpoint);
      queue?.repoint(restarted.queueEndpoint);
      await Promise.all([...tables.map((table) => table.ensure()), queue?.ensure()]);
    },
    onGiveUp: (reason) => options.onStorageLost?.(reason),
  });
  try {
    const opened = eachTable(
      (table) =>
        new RepointableTable(
          (endpoint) => storeTable(config, { kind: 'azurite', endpoint }, table),
          azurite.endpoint,
        ),
    );
    tables.push(...Object.values(opened));
    queue = new RepointableQueue(
      (endpoint) => announcementsQueue(config, { kind: 'azurite', endpoint }),
      azurite.queueEndpoint,
    );
    await Promise.all([...tables.map((table) => table.ensure()), queue.ensure()]);
    return {
      ...opened,
      queue,
      description:
        `embedded Azurite at ${azurite.endpoint} (queue at ${azurite.queueEndpoint}), ` +
        `data in ${config.DATA_DIR}`,
      probe: tableProbe(opened.rollouts),
      azurite,
      close: () => azurite.stop(),
    };
  } catch (err) {
    await azurite.stop();
    throw err;
  }
};
