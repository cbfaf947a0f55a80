import { createHash } from 'node:crypto';

/**
 * The key of a person's feedback row in a rollout: a hash of the rollout and the person's id, so
 * that cards and notices can name a row (to resolve or edit it) without carrying who it is.
 */
export const feedbackPersonKey = (rolloutId: string, personId: string): string =>
  createHash('sha256').update(`${rolloutId}\u0000${personId.toLowerCase()}`).digest('hex').slice(0, 32);
