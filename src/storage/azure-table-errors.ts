import { ConcurrencyError } from '../app/errors';
import { keyOf } from './azure-table-entities';
import type { TableAction } from './entity-table';

export interface ErrorInfo {
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
export const errorInfo = (err: unknown): ErrorInfo => {
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

export const describeAction = (actions: readonly TableAction[], index: number | undefined): string => {
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

/** A failure the callers handle → `ConcurrencyError`; anything else is returned as it was. */
export const translateError = (err: unknown, actions: readonly TableAction[]): unknown => {
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
