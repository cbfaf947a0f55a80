import { AzureNamedKeyCredential, odata, RestError, TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { ConcurrencyError } from '../app/errors';
import { keyOf, toSdkEntity, toStored, toTransactionAction } from './azure-table-entities';
import { describeAction, errorInfo, translateError } from './azure-table-errors';
import {
  asciiJsonPolicy,
  attachBatchIfMatchPolicy,
  runWithBatchIfMatch,
  tryTimeoutPolicy,
} from './azure-table-policies';
import {
  MAX_QUERY_ROWS,
  prefixUpperBound,
  type EntityTable,
  type QueryOptions,
  type PrefixQueryOptions,
  type RowKeyQueryOptions,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from './entity-table';

/** Where the tables live. */
export type TableTarget =
  | { kind: 'connection-string'; connectionString: string }
  /** A storage account endpoint (`https://<account>.table.core.windows.net`) and an Entra ID credential. */
  | { kind: 'endpoint'; endpoint: string; credential: TokenCredential }
  /** Azurite with its well-known development account, e.g. `http://127.0.0.1:PORT/devstoreaccount1`. */
  | { kind: 'azurite'; endpoint: string };

/** Azurite's development account and its published, well-known key (not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Rows asked for per page (the service's own maximum is 1,000). */
export const QUERY_PAGE_SIZE = 1000;
/** A query stops after this many pages whatever the service says: no listing pages without end. */
export const MAX_QUERY_PAGES = 50;

const isPlainHttp = (url: string): boolean => /^http:\/\//i.test(url.trim());

/** Plain-http connection strings: Azurite's `UseDevelopmentStorage=true`, an `http` protocol or endpoint. */
const isInsecureConnectionString = (connectionString: string): boolean =>
  /(^|;)\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connectionString) ||
  /(^|;)\s*DefaultEndpointsProtocol\s*=\s*http\s*(;|$)/i.test(connectionString) ||
  /(^|;)\s*TableEndpoint\s*=\s*http:\/\//i.test(connectionString);

/** A connection string for Azurite (`UseDevelopmentStorage=true` or its well-known account). */
const isAzuriteConnectionString = (connectionString: string): boolean =>
  /(^|;)\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connectionString) ||
  new RegExp(`(^|;)\\s*AccountName\\s*=\\s*${AZURITE_ACCOUNT}\\s*(;|$)`, 'i').test(connectionString);

/**
 * A few quick retries (the SDK's defaults back off for up to a minute), each try bounded: callers
 * have deadlines of seconds (a Teams card action is answered within 4 s). The queue client
 * (azure-queue.ts) uses the same.
 */
export const STORAGE_RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 800 };
export const STORAGE_TRY_TIMEOUT_MS = 5000;

const makeClient = (target: TableTarget, tableName: string): TableClient => {
  switch (target.kind) {
    case 'connection-string': {
      const client = TableClient.fromConnectionString(target.connectionString, tableName, {
        allowInsecureConnection: isInsecureConnectionString(target.connectionString),
        retryOptions: STORAGE_RETRY_OPTIONS,
      });
      if (isAzuriteConnectionString(target.connectionString)) client.pipeline.addPolicy(asciiJsonPolicy());
      return client;
    }
    case 'endpoint':
      // Note: the SDK refuses bearer tokens over plain http whatever this flag says.
      return new TableClient(target.endpoint, tableName, target.credential, {
        allowInsecureConnection: isPlainHttp(target.endpoint),
        retryOptions: STORAGE_RETRY_OPTIONS,
      });
    case 'azurite': {
      const client = new TableClient(
        target.endpoint,
        tableName,
        new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
        { allowInsecureConnection: isPlainHttp(target.endpoint), retryOptions: STORAGE_RETRY_OPTIONS },
      );
      client.pipeline.addPolicy(asciiJsonPolicy());
      return client;
    }
  }
};

export const createTableClient = (
  target: TableTarget,
  tableName: string,
  tryTimeoutMs: number = STORAGE_TRY_TIMEOUT_MS,
): TableClient => {
  const client = makeClient(target, tableName);
  client.pipeline.addPolicy(tryTimeoutPolicy(tryTimeoutMs));
  return client;
};

/** Production without secrets: managed identity (or any other DefaultAzureCredential source). */
export const defaultCredentialTarget = (endpoint: string): TableTarget => ({
  kind: 'endpoint',
  endpoint,
  credential: new DefaultAzureCredential(),
});

/**
 * `EntityTable` over `@azure/data-tables`: Azure Table Storage or Azurite. Writes are replace
 * (never merge) writes; failures the callers handle are mapped to `ConcurrencyError`, anything
 * else (400s, a missing table, network errors) is rethrown as the SDK reported it.
 */
export class AzureEntityTable implements EntityTable {
  readonly name: string;

  constructor(private readonly client: TableClient) {
    this.name = client.tableName;
    attachBatchIfMatchPolicy(client);
  }

  async ensure(): Promise<void> {
    try {
      // createTable already ignores TableAlreadyExists; the catch keeps that true for any SDK.
      await this.client.createTable();
    } catch (err) {
      const info = errorInfo(err);
      if (info.statusCode === 409 && info.code === 'TableAlreadyExists') return;
      throw err;
    }
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    try {
      return toStored(await this.client.getEntity<Record<string, unknown>>(partitionKey, rowKey));
    } catch (err) {
      const info = errorInfo(err);
      // A missing table is a configuration error, not a missing row.
      if (info.statusCode === 404 && info.code !== 'TableNotFound') return null;
      throw err;
    }
  }

  async query(partitionKey: string, options: QueryOptions = {}): Promise<StoredEntity[]> {
    return (await this.list(queryFilter(partitionKey, options), options.limit, options.select)).sort(
      byRowKey,
    );
  }

  async findByRowKey(rowKey: string, options: RowKeyQueryOptions = {}): Promise<StoredEntity[]> {
    const clauses = [odata`RowKey eq ${rowKey}`];
    const prefix = options.partitionKeyPrefix;
    if (prefix)
      clauses.push(odata`PartitionKey ge ${prefix} and PartitionKey lt ${prefixUpperBound(prefix)}`);
    return (await this.list(clauses.join(' and '), options.limit)).sort(byPartitionKey);
  }

  async findByRowKeyPrefix(prefix: string, options: PrefixQueryOptions = {}): Promise<StoredEntity[]> {
    if (!prefix) throw new Error('findByRowKeyPrefix needs a non-empty prefix');
    let filter = odata`RowKey ge ${prefix} and RowKey lt ${prefixUpperBound(prefix)}`;
    if (options.rowKeyBefore !== undefined) filter += odata` and RowKey lt ${options.rowKeyBefore}`;
    return (await this.list(filter, options.limit, options.select)).sort(byPartitionThenRowKey);
  }

  /** The rows a filter selects, page by page, bounded by `limit` rows and MAX_QUERY_PAGES pages. */
  private async list(
    filter: string,
    maxRows: number | undefined,
    select?: readonly string[],
  ): Promise<StoredEntity[]> {
    const limit = Math.max(0, Math.floor(maxRows ?? MAX_QUERY_ROWS));
    if (limit === 0) return [];
    const pages = this.client
      .listEntities<Record<string, unknown>>({
        queryOptions: { filter, ...(select ? { select: ['PartitionKey', 'RowKey', ...select] } : {}) },
      })
      .byPage({ maxPageSize: Math.min(QUERY_PAGE_SIZE, limit) });
    const rows: StoredEntity[] = [];
    const tokens = new Set<string>();
    let pageCount = 0;
    for await (const page of pages) {
      for (const entity of page) {
        if (rows.length >= limit) break;
        rows.push(toStored(entity));
      }
      pageCount += 1;
      const token = page.continuationToken;
      // Bounded: enough rows, the page cap, the last page, or a token seen before.
      if (rows.length >= limit || pageCount >= MAX_QUERY_PAGES || !token || tokens.has(token)) break;
      tokens.add(token);
    }
    return rows;
  }

  async submit(actions: readonly TableAction[]): Promise<string[]> {
    const [first] = actions;
    if (first === undefined) {
      throw new RestError('a transaction needs at least one action', {
        code: 'InvalidInput',
        statusCode: 400,
      });
    }
    // Never a valid ETag; sent, it would be read as "no condition" by some paths: refuse it here.
    const emptyEtag = actions.findIndex(
      (a) => (a.kind === 'update' || a.kind === 'delete') && a.ifMatch === '',
    );
    if (emptyEtag >= 0) {
      throw new ConcurrencyError('etag-mismatch', `${describeAction(actions, emptyEtag)}: empty ETag`);
    }
    if (actions.length === 1) {
      try {
        return [await this.submitOne(first)];
      } catch (err) {
        throw translateError(err, actions);
      }
    }
    const partitionKey = keyOf(first)[0];
    if (actions.some((action) => keyOf(action)[0] !== partitionKey)) {
      throw new RestError('every action of a transaction must target the same partition', {
        code: 'CommandsInBatchActOnDifferentPartitions',
        statusCode: 400,
      });
    }
    const ifMatch = actions.map((action) => (action.kind === 'delete' ? action.ifMatch : undefined));
    let response: Awaited<ReturnType<TableClient['submitTransaction']>>;
    try {
      response = await runWithBatchIfMatch(ifMatch, () =>
        this.client.submitTransaction(actions.map(toTransactionAction)),
      );
    } catch (err) {
      throw translateError(err, actions);
    }
    // Sub-responses come back in request order.
    return Promise.all(
      actions.map(async (action, i) =>
        action.kind === 'delete'
          ? ''
          : (response.subResponses[i]?.etag ?? (await this.etagOf(action.entity))),
      ),
    );
  }

  private async submitOne(action: TableAction): Promise<string> {
    switch (action.kind) {
      case 'create':
        return (
          (await this.client.createEntity(toSdkEntity(action.entity))).etag ?? this.etagOf(action.entity)
        );
      case 'update':
        return (
          (await this.client.updateEntity(toSdkEntity(action.entity), 'Replace', { etag: action.ifMatch }))
            .etag ?? this.etagOf(action.entity)
        );
      case 'upsert':
        return (
          (await this.client.upsertEntity(toSdkEntity(action.entity), 'Replace')).etag ??
          this.etagOf(action.entity)
        );
      case 'delete':
        await this.client.deleteEntity(
          action.partitionKey,
          action.rowKey,
          action.ifMatch === undefined ? undefined : { etag: action.ifMatch },
        );
        return '';
    }
  }

  /** Only when a response lacks the ETag header (the services always send it). */
  private async etagOf(entity: TableEntity): Promise<string> {
    return (await this.get(entity.partitionKey, entity.rowKey))?.etag ?? '';
  }
}

const byRowKey = (a: StoredEntity, b: StoredEntity): number =>
  a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0;

const byPartitionKey = (a: StoredEntity, b: StoredEntity): number =>
  a.partitionKey < b.partitionKey ? -1 : a.partitionKey > b.partitionKey ? 1 : 0;

const byPartitionThenRowKey = (a: StoredEntity, b: StoredEntity): number =>
  byPartitionKey(a, b) || byRowKey(a, b);

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

const queryFilter = (partitionKey: string, options: QueryOptions): string => {
  const clauses = [odata`PartitionKey eq ${partitionKey}`];
  const prefix = options.rowKeyPrefix;
  if (prefix) clauses.push(odata`RowKey ge ${prefix} and RowKey lt ${prefixUpperBound(prefix)}`);
  if (options.rowKeyAfter !== undefined) clauses.push(odata`RowKey gt ${options.rowKeyAfter}`);
  for (const [name, value] of Object.entries(options.where ?? {})) {
    // Property names cannot be quoted in OData: accept identifiers only.
    if (!PROPERTY_NAME.test(name)) throw new Error(`invalid property name in query: "${name}"`);
    clauses.push(name + odata` eq ${value}`);
  }
  return clauses.join(' and ');
};
