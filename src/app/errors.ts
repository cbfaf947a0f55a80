/** The write lost a race: the ETag changed, the entity exists, or the marker was written. */
export class ConcurrencyError extends Error {
  constructor(
    readonly reason: 'etag-mismatch' | 'already-exists',
    message: string = reason,
  ) {
    super(message);
    this.name = 'ConcurrencyError';
  }
}

export const isConcurrencyError = (err: unknown): err is ConcurrencyError => err instanceof ConcurrencyError;

/**
 * The state would not fit the store (Table Storage: 64 KiB per property, 1 MiB per entity; a
 * queue message: 48 KiB of UTF-8, counted in bytes).
 */
export class TooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
    unit: 'characters' | 'bytes' = 'characters',
  ) {
    super(`too large to store: ${size} ${unit}, the limit is ${limit}`);
    this.name = 'TooLargeError';
  }
}

/** A message the Bot Connector did not take: retry later unless it is permanent (blocked, gone). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The service's Retry-After, when it gave one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/**
 * Storage did not answer in time (or the turn's time was up before the call). `written` says a
 * write had been sent whose outcome is unknown: it may or may not have been applied.
 */
export class StorageTimeoutError extends Error {
  constructor(
    message: string,
    readonly written: boolean,
  ) {
    super(message);
    this.name = 'StorageTimeoutError';
  }
}

/**
 * Microsoft Graph did not give what was asked: `forbidden` (a permission is missing: `detail`
 * names it), `not-found` (e.g. an unknown group), `throttled` (429/503/504 after the retries),
 * `unavailable` (time-out, network, 5xx) or `invalid` (a bad request, e.g. a malformed id).
 */
export class DirectoryError extends Error {
  constructor(
    readonly kind: 'forbidden' | 'not-found' | 'throttled' | 'unavailable' | 'invalid',
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/**
 * The queue service could not be reached or failed (network error, 5xx, a try timed out) after
 * the client's retries: work waiting on it pauses and resumes once it answers again.
 */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}

/**
 * A received message's pop receipt no longer holds: `gone` (deleted, or expired) or `mismatch`
 * (its visibility time-out passed and it was received again, by this instance or another).
 * The holder of the old receipt must stop working on it: the new holder will do it.
 */
export class QueueReceiptError extends Error {
  constructor(
    readonly reason: 'gone' | 'mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'QueueReceiptError';
  }
}
