import { timeLeft, timeLimit } from '../app/deadline';
import { toDeliveryError } from './messenger';

/** At most this many retries of one reply. */
const MAX_RETRIES = 2;
const BASE_DELAY_MS = 250;
/** Time kept back for the turn's own answer after a reply gives up. */
const MARGIN_MS = 300;

export class ReplyTimeoutError extends Error {
  constructor(ms: number) {
    super(`the Bot Connector did not answer a reply within ${ms} ms`);
    this.name = 'ReplyTimeoutError';
  }
}

const RETRY_STATUS = new Set([412, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN']);

/** Throttling, a lost ETag race, a server error or a network failure: worth another try. */
const isRetryable = (err: unknown): boolean => {
  const { statusCode, code } = (err ?? {}) as { statusCode?: unknown; code?: unknown };
  return (
    (typeof statusCode === 'number' && RETRY_STATUS.has(statusCode)) ||
    (typeof code === 'string' && RETRY_CODES.has(code))
  );
};

/** Runs `send`, giving up (ReplyTimeoutError) when the turn's time is up. */
export const withinTimeLeft = <T>(send: () => Promise<T>): Promise<T> => {
  const ms = timeLeft() - MARGIN_MS;
  if (ms <= 0) return Promise.reject(new ReplyTimeoutError(0));
  if (!Number.isFinite(ms)) return send();
  return timeLimit(send(), ms, () => new ReplyTimeoutError(ms));
};

/**
 * Sends a reply within the turn's time left (the SDK's own retry policy is off: its intervals are
 * 30 s). Throttling (429, honouring Retry-After), 412 and server errors are retried at most
 * MAX_RETRIES times, and only while the wait still fits the turn's budget; a permanent refusal
 * (blocked, gone) is not retried.
 */
export const sendWithRetry = async <T>(
  send: () => Promise<T>,
  wait: (ms: number) => Promise<void>,
): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withinTimeLeft(send);
    } catch (err) {
      if (err instanceof ReplyTimeoutError || attempt >= MAX_RETRIES || !isRetryable(err)) throw err;
      const delay =
        toDeliveryError(err).retryAfterMs ?? BASE_DELAY_MS * 2 ** attempt * (0.5 + Math.random() / 2);
      if (delay > timeLeft() - MARGIN_MS * 2) throw err;
      await wait(delay);
    }
  }
};
