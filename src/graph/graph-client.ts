import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  GraphError,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { timeLeft, timeLimit } from '../app/deadline';
import { DirectoryError } from '../app/errors';

/** The last middleware: sends the request with `fetch` (the client's HTTPMessageHandler, injectable). */
class FetchHandler implements Middleware {
  constructor(private readonly send: typeof fetch) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.send(context.request, context.options);
  }
}

/**
 * A Graph client for one credential. The middleware chain is built here without the client's
 * RetryHandler (it sleeps up to 180 s, past any turn's deadline: `runCall` retries instead) and
 * without its RedirectHandler (fetch follows redirects). The client attaches its token only to
 * Graph's public hosts and to `customHosts`, so GRAPH_BASE_URL's host is one. `send` is the global
 * fetch but in tests.
 */
export const createGraphClient = (
  credential: TokenCredential,
  baseUrl: string,
  scope: string,
  send: typeof fetch = fetch,
): Client =>
  Client.initWithMiddleware({
    baseUrl,
    customHosts: new Set([new URL(baseUrl).hostname]),
    middleware: [
      new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] })),
      new TelemetryHandler(),
      new FetchHandler(send),
    ],
  });

/**
 * Off a Teams turn, one call (its retries and waits included) gets OPERATION_MS; each attempt at
 * most ATTEMPT_MS. In a turn, the turn's time left less MARGIN_MS (kept for the turn's answer),
 * if that is less. A sweep's every page is one call, so a sweep has no overall limit.
 */
export const OPERATION_MS = 30_000;
export const ATTEMPT_MS = 10_000;
export const MARGIN_MS = 250;
/** Retries of one call after 429, 503 or 504. */
export const MAX_RETRIES = 3;
/** Retry-After is honoured up to this; without one the wait doubles from BASE_DELAY_MS. */
export const MAX_RETRY_AFTER_MS = 10_000;
const BASE_DELAY_MS = 500;

const RETRY_STATUS = new Set([429, 503, 504]);

/** What a call is, for its errors: what it did, the permission it needs, what a 404 means. */
export interface CallInfo {
  /** e.g. `read the members of group <id>`. */
  what: string;
  /** The least application permission the call needs, e.g. `GroupMember.Read.All`. */
  permission: string;
  /** What was not found on a 404, e.g. `group <id>`. */
  subject: string;
}

/** Retry-After (seconds or an HTTP date) in ms, capped; null when absent or unreadable. */
export const retryAfterMs = (value: string | null | undefined, now: number): number | null => {
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
};

/** The delay before retry `attempt` (0-based): Retry-After, else an exponential back-off. */
export const retryDelay = (retryAfter: number | null, attempt: number): number =>
  retryAfter ?? Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_RETRY_AFTER_MS);

/** A Graph status (with its error code) as a DirectoryError for `call`. */
export const statusError = (status: number, code: string | null, call: CallInfo): DirectoryError => {
  const because = code ? ` (${status} ${code})` : ` (${status})`;
  if (status === 403)
    return new DirectoryError(
      'forbidden',
      `Microsoft Graph refused to ${call.what}: the bot needs the application permission ${call.permission}${because}`,
      call.permission,
    );
  if (status === 404)
    return new DirectoryError('not-found', `Microsoft Graph has no ${call.subject}${because}`, call.subject);
  if (RETRY_STATUS.has(status))
    return new DirectoryError('throttled', `Microsoft Graph is busy: could not ${call.what}${because}`);
  if (status === 400 || status === 409)
    return new DirectoryError('invalid', `Microsoft Graph refused the request to ${call.what}${because}`);
  return new DirectoryError('unavailable', `Microsoft Graph could not ${call.what}${because}`);
};

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/** Any failure of a call as a DirectoryError (a network failure or a token refused: unavailable). */
export const toDirectoryError = (err: unknown, call: CallInfo): DirectoryError => {
  if (err instanceof DirectoryError) return err;
  if (err instanceof GraphError && err.statusCode > 0) return statusError(err.statusCode, err.code, call);
  return new DirectoryError('unavailable', `Microsoft Graph could not ${call.what}: ${describe(err)}`);
};

/** One attempt: the client to use, and the signal that aborts it when its time is up. */
export type Attempt<T> = (signal: AbortSignal) => Promise<T>;

export interface CallTiming {
  /** Waits before a retry (tests: recorded, not slept). */
  wait: (ms: number) => Promise<void>;
  now: () => number;
}

export const realTiming: CallTiming = {
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
  now: () => Date.now(),
};

/**
 * Runs `attempt` within the call's deadline (see OPERATION_MS), retrying 429, 503 and 504 at most
 * MAX_RETRIES times, and only while the wait still fits the deadline. Every failure is a
 * DirectoryError: past the deadline, `unavailable`.
 */
export const runCall = async <T>(call: CallInfo, attempt: Attempt<T>, timing: CallTiming): Promise<T> => {
  const start = timing.now();
  const deadline = start + Math.min(OPERATION_MS, timeLeft(start) - MARGIN_MS);
  for (let retry = 0; ; retry++) {
    const left = deadline - timing.now();
    if (left <= 0)
      throw new DirectoryError('unavailable', `no time left to ${call.what} (the turn's time is up)`);
    const ms = Math.min(left, ATTEMPT_MS);
    const controller = new AbortController();
    try {
      return await timeLimit(attempt(controller.signal), ms, () => {
        controller.abort();
        return new DirectoryError('unavailable', `Microsoft Graph did not ${call.what} within ${ms} ms`);
      });
    } catch (err) {
      const status = err instanceof GraphError ? err.statusCode : 0;
      if (retry < MAX_RETRIES && RETRY_STATUS.has(status)) {
        const delay = retryDelay(
          retryAfterMs((err as GraphError).headers?.get('Retry-After'), timing.now()),
          retry,
        );
        if (timing.now() + delay < deadline) {
          await timing.wait(delay);
          continue;
        }
      }
      throw toDirectoryError(err, call);
    }
  }
};
