/**
 * What the announcer makes of a failed connector request (a `SendFailure`, which the sender
 * classifies): the status and error code Teams answered, its Retry-After, and whether the request
 * can have arrived (left and unanswered) or cannot (never connected, never signed).
 */
import type { SendFailure } from '../domain/announcement';

const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** One request's fate, beyond what its error says: did it leave, did the deadline end it. */
export interface Flight {
  sent: boolean;
  timedOut: boolean;
}

/** Network errors before any byte left: the request cannot have been received. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer from the Bot Connector within ${ms} ms`);
  }
}

interface ConnectorError {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  details?: unknown;
  response?: { bodyAsText?: unknown; headers?: { get?(name: string): string | undefined | null } };
}

/** Retry-After in ms (seconds or an HTTP date), capped at an hour; null when absent. */
const retryAfterOf = (err: ConnectorError, now: number): number | null => {
  const value = err.response?.headers?.get?.('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
};

/**
 * The answer's error code: `error.code` of the documented body, or the `subCode` Teams puts in
 * the message text of some answers (its 403 MessageWritesBlocked, errorCode 209), else the text.
 */
const errorCodeOf = (err: ConnectorError): string => {
  const details = err.details as { error?: { code?: unknown } } | undefined;
  if (typeof details?.error?.code === 'string' && details.error.code) return details.error.code;
  const text = [err.response?.bodyAsText, err.message].filter((t) => typeof t === 'string').join(' ');
  const sub = /subCode\\?"\s*:\s*\\?"([A-Za-z]+)/.exec(text)?.[1];
  if (sub) return sub;
  if (/MessageWritesBlocked/.test(text)) return 'MessageWritesBlocked';
  if (typeof err.code === 'string' && err.code && err.code !== 'RestError') return err.code;
  return typeof err.message === 'string' ? err.message.slice(0, 100) : '';
};

/** What the sender reads of a failed request (see SendFailure). */
export const toSendFailure = (err: unknown, flight: Flight, now: number): SendFailure => {
  if (flight.timedOut || err instanceof DeadlineError)
    // Left and unanswered: it may have arrived. Never left (a token that would not come): it did not.
    return {
      statusCode: null,
      code: 'timeout',
      retryAfterMs: null,
      network: flight.sent ? 'timeout' : 'refused',
    };
  const failure = (err ?? {}) as ConnectorError;
  if (typeof failure.statusCode === 'number')
    return {
      statusCode: failure.statusCode,
      code: errorCodeOf(failure),
      retryAfterMs: retryAfterOf(failure, now),
    };
  const code = typeof failure.code === 'string' ? failure.code : '';
  const refused = NOT_CONNECTED.has(code) || !flight.sent;
  return {
    statusCode: null,
    code: code || 'network',
    retryAfterMs: null,
    network: refused ? 'refused' : 'reset',
  };
};

/** The stored or created chat is not (or no longer) the bot's: not a block, which stays a block. */
export const isGone = (failure: SendFailure): boolean =>
  (failure.statusCode === 403 || failure.statusCode === 404) && !/MessageWritesBlocked/i.test(failure.code);
