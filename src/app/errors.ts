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
