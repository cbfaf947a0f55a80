import type { TableEntity as SdkEntity, TransactionAction } from '@azure/data-tables';
import type { EntityValue, StoredEntity, TableAction, TableEntity } from './entity-table';

/** Property names the SDK gives a meaning of its own (system properties). */
const RESERVED = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp']);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The partition and row key an action targets. */
export const keyOf = (action: TableAction): [string, string] =>
  action.kind === 'delete'
    ? [action.partitionKey, action.rowKey]
    : [action.entity.partitionKey, action.entity.rowKey];

/**
 * Our entity → the SDK's. Table Storage has no null (a null property is left out); a number
 * without a type annotation is read by the service as Int32 when it is an integer, so any other
 * number is sent as an explicit Edm.Double.
 */
export const toSdkEntity = (entity: TableEntity): SdkEntity<Record<string, unknown>> => {
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
export const toStored = (raw: Record<string, unknown>): StoredEntity => {
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

export const toTransactionAction = (action: TableAction): TransactionAction => {
  switch (action.kind) {
    case 'create':
      return ['create', toSdkEntity(action.entity)];
    case 'update':
      return ['update', toSdkEntity(action.entity), 'Replace', { etag: action.ifMatch }];
    case 'upsert':
      return ['upsert', toSdkEntity(action.entity), 'Replace'];
    case 'delete':
      // The tuple carries no ETag: the batch If-Match policy (azure-table-policies.ts) adds it.
      return ['delete', { partitionKey: action.partitionKey, rowKey: action.rowKey }];
  }
};
