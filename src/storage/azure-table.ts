import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AzureNamedKeyCredential,
  odata,
  RestError,
  TableClient,
  type TableEntity as SdkEntity,
  type TransactionAction,
} from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { ConcurrencyError } from '../app/errors';
import {
  MAX_QUERY_ROWS,
  prefixUpperBound,
  type EntityTable,
  type EntityValue,
  type QueryOptions,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from './entity-table';

type PipelinePolicy = Parameters<TableClient['pipeline']['addPolicy']>[0];

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

export const createTableClient = (target: TableTarget, tableName: string): TableClient => {
  switch (target.kind) {
    case 'connection-string': {
      const client = TableClient.fromConnectionString(target.connectionString, tableName, {
        allowInsecureConnection: isInsecureConnectionString(target.connectionString),
      });
      if (isAzuriteConnectionString(target.connectionString)) client.pipeline.addPolicy(asciiJsonPolicy());
      return client;
    }
    case 'endpoint':
      // Note: the SDK refuses bearer tokens over plain http whatever this flag says.
      return new TableClient(target.endpoint, tableName, target.credential, {
        allowInsecureConnection: isPlainHttp(target.endpoint),
      });
    case 'azurite': {
      const client = new TableClient(
        target.endpoint,
        tableName,
        new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
        { allowInsecureConnection: isPlainHttp(target.endpoint) },
      );
      client.pipeline.addPolicy(asciiJsonPolicy());
      return client;
    }
  }
};

/**
 * Azurite (3.35) reads a single-entity request body by joining its Buffer chunks with
 * `join('')` (table/generated/utils/serializer.js, readRequestIntoText): each 64 KiB chunk is
 * decoded on its own, so a multi-byte UTF-8 character split across two chunks is stored as
 * U+FFFD, silently, or the property grows past 32K characters and is rejected. Escaping every
 * non-ASCII character as \uXXXX (valid JSON, read back as the same text) makes every byte of
 * the body ASCII. Used for Azurite only; Azure reads bodies correctly.
 */
export const asciiJsonPolicy = (): PipelinePolicy => ({
  name: 'rolloutCoordinatorAsciiJson',
  async sendRequest(request, next) {
    const contentType = request.headers.get('content-type') ?? '';
    if (
      typeof request.body === 'string' &&
      /json/i.test(contentType) &&
      /[\u007f-\uffff]/.test(request.body)
    ) {
      request.body = request.body.replace(
        /[\u007f-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      // The shared-key policy may have set Content-Length from the body already.
      if (request.headers.has('content-length')) {
        request.headers.set('content-length', Buffer.byteLength(request.body));
      }
    }
    return next(request);
  },
});

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
    const limit = Math.max(0, Math.floor(options.limit ?? MAX_QUERY_ROWS));
    if (limit === 0) return [];
    const pages = this.client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: queryFilter(partitionKey, options) } })
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
    return rows.sort(byRowKey);
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
      response = await batchIfMatch.run(ifMatch, () =>
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

const keyOf = (action: TableAction): [string, string] =>
  action.kind === 'delete'
    ? [action.partitionKey, action.rowKey]
    : [action.entity.partitionKey, action.entity.rowKey];

const byRowKey = (a: StoredEntity, b: StoredEntity): number =>
  a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0;

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

const queryFilter = (partitionKey: string, options: QueryOptions): string => {
  const clauses = [odata`PartitionKey eq ${partitionKey}`];
  const prefix = options.rowKeyPrefix;
  if (prefix) clauses.push(odata`RowKey ge ${prefix} and RowKey lt ${prefixUpperBound(prefix)}`);
  for (const [name, value] of Object.entries(options.where ?? {})) {
    // Property names cannot be quoted in OData: accept identifiers only.
    if (!PROPERTY_NAME.test(name)) throw new Error(`invalid property name in query: "${name}"`);
    clauses.push(name + odata` eq ${value}`);
  }
  return clauses.join(' and ');
};

/** Property names the SDK gives a meaning of its own (system properties). */
const RESERVED = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp']);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Our entity → the SDK's. Table Storage has no null (a null property is left out); a number
 * without a type annotation is read by the service as Int32 when it is an integer, so any other
 * number is sent as an explicit Edm.Double.
 */
const toSdkEntity = (entity: TableEntity): SdkEntity<Record<string, unknown>> => {
  const out: SdkEntity<Record<string, unknown>> = {
    partitionKey: entity.partitionKey,
    rowKey: entity.rowKey,
  };
  for (const [name, value] of Object.entries(entity)) {
    if (RESERVED.has(name) || value === null) continue;
    out[name] =
      typeof value === 'number' && !(Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
        ? { value, type: 'Double' }
        : value;
  }
  return out;
};

const toEntityValue = (value: unknown): EntityValue | undefined => {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // Types this port never writes, in case another tool wrote the row.
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'string') {
    return value.value; // Edm.Guid
  }
  return undefined;
};

/** The SDK's entity → ours: keys, ETag and user properties only (no odata.*, no timestamp). */
const toStored = (raw: Record<string, unknown>): StoredEntity => {
  const { partitionKey, rowKey, etag } = raw;
  if (typeof partitionKey !== 'string' || typeof rowKey !== 'string' || typeof etag !== 'string') {
    throw new Error('Table Storage returned an entity without keys or ETag');
  }
  const stored: StoredEntity = { partitionKey, rowKey, etag };
  for (const [name, value] of Object.entries(raw)) {
    if (RESERVED.has(name) || name.startsWith('odata.') || name.includes('@odata.')) continue;
    const converted = toEntityValue(value);
    if (converted !== undefined) stored[name] = converted;
  }
  return stored;
};

const toTransactionAction = (action: TableAction): TransactionAction => {
  switch (action.kind) {
    case 'create':
      return ['create', toSdkEntity(action.entity)];
    case 'update':
      return ['update', toSdkEntity(action.entity), 'Replace', { etag: action.ifMatch }];
    case 'upsert':
      return ['upsert', toSdkEntity(action.entity), 'Replace'];
    case 'delete':
      // The tuple carries no ETag: batchIfMatchPolicy adds it to the sub-request.
      return ['delete', { partitionKey: action.partitionKey, rowKey: action.rowKey }];
  }
};

interface ErrorInfo {
  statusCode?: number;
  code?: string;
  /** The failing action of a transaction ("2:The specified resource does not exist."). */
  index?: number;
}

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;

const stringField = (value: unknown, name: string): string | undefined => {
  const found = field(value, name);
  return typeof found === 'string' ? found : undefined;
};

/**
 * What the SDK reports. A single operation: `statusCode` and `details.odataError.code` (also
 * `details.errorCode`); a failed transaction: `statusCode` and `code` of the failing
 * sub-response, its index prefixed to the message.
 */
const errorInfo = (err: unknown): ErrorInfo => {
  const statusCode = field(err, 'statusCode');
  const details = field(err, 'details');
  const code =
    stringField(field(details, 'odataError'), 'code') ??
    stringField(details, 'errorCode') ??
    stringField(err, 'code');
  const index = /^(\d+):/.exec(stringField(err, 'message') ?? '')?.[1];
  return {
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(index !== undefined ? { index: Number(index) } : {}),
  };
};

/** An update, or a delete guarded by an ETag: a 404 means the row was deleted under us. */
const isConditional = (action: TableAction): boolean =>
  action.kind === 'update' || (action.kind === 'delete' && action.ifMatch !== undefined);

const describeAction = (actions: readonly TableAction[], index: number | undefined): string => {
  const action = index === undefined ? (actions.length === 1 ? actions[0] : undefined) : actions[index];
  if (!action) return `transaction of ${actions.length} actions`;
  const [pk, rk] = keyOf(action);
  return `${action.kind} of ${pk}/${rk}`;
};

const concurrency = (
  reason: ConcurrencyError['reason'],
  message: string,
  cause: unknown,
): ConcurrencyError => {
  const error = new ConcurrencyError(reason, message);
  error.cause = cause;
  return error;
};

const translateError = (err: unknown, actions: readonly TableAction[]): unknown => {
  const { statusCode, code, index } = errorInfo(err);
  const what = describeAction(actions, index);
  if (statusCode === 412) return concurrency('etag-mismatch', `${what}: the ETag no longer matches`, err);
  if (statusCode === 409 && code === 'EntityAlreadyExists') {
    return concurrency('already-exists', `${what}: the entity already exists`, err);
  }
  if (statusCode === 404 && code !== 'TableNotFound') {
    const failing = index !== undefined && actions[index] ? [actions[index]] : actions;
    const suspects = failing.filter((action) => action.kind === 'update' || action.kind === 'delete');
    if (suspects.length > 0 && suspects.every(isConditional)) {
      return concurrency('etag-mismatch', `${what}: the entity no longer exists`, err);
    }
  }
  return err;
};

/**
 * `submitTransaction`'s delete tuple has no ETag, so the SDK sends `If-Match: *` for it. The ETags
 * of the transaction under way travel in this async context, and a policy on the client's
 * pipeline writes them into the `$batch` body, whose sub-requests are in action order.
 */
const batchIfMatch = new AsyncLocalStorage<ReadonlyArray<string | undefined>>();
const BATCH_IF_MATCH_POLICY = 'rolloutCoordinatorBatchIfMatch';

const attachBatchIfMatchPolicy = (client: TableClient): void => {
  if (client.pipeline.getOrderedPolicies().some((policy) => policy.name === BATCH_IF_MATCH_POLICY)) return;
  // Serialize phase: before the shared-key policy, which sets Content-Length from the body.
  client.pipeline.addPolicy(batchIfMatchPolicy(), { phase: 'Serialize' });
};

const batchIfMatchPolicy = (): PipelinePolicy => ({
  name: BATCH_IF_MATCH_POLICY,
  async sendRequest(request, next) {
    const ifMatch = batchIfMatch.getStore();
    if (
      ifMatch?.some((etag) => etag !== undefined) &&
      request.method === 'POST' &&
      typeof request.body === 'string'
    ) {
      const path = new URL(request.url).pathname;
      if (path.endsWith('/$batch')) {
        request.body = withIfMatch(request.body, ifMatch);
        if (request.headers.has('content-length')) {
          request.headers.set('content-length', Buffer.byteLength(request.body));
        }
      }
    }
    return next(request);
  },
});

const withIfMatch = (body: string, ifMatch: ReadonlyArray<string | undefined>): string => {
  const boundary = /boundary=(changeset_[0-9A-Za-z-]+)/.exec(body)?.[1];
  if (!boundary) throw new Error('unexpected $batch body: no changeset boundary');
  const parts = body.split(`--${boundary}\r\n`);
  // parts[0] is the batch preamble; parts[i + 1] is the sub-request of action i.
  if (parts.length !== ifMatch.length + 1) {
    throw new Error(`unexpected $batch body: ${parts.length - 1} sub-requests for ${ifMatch.length} actions`);
  }
  return parts
    .map((part, i) => {
      const etag = i === 0 ? undefined : ifMatch[i - 1];
      if (etag === undefined) return part;
      if (!/^DELETE /m.test(part) || !/^if-match: \*\r$/im.test(part)) {
        throw new Error(`unexpected $batch body: sub-request ${i - 1} is not a DELETE with If-Match`);
      }
      return part.replace(/^(if-match): \*\r$/im, (_line, name: string) => `${name}: ${etag}\r`);
    })
    .join(`--${boundary}\r\n`);
};
