/**
 * Every bound of the HTTP edge in one place (the README's "Limits" table lists them). Teams sends
 * activities of at most about 100 KB, never compressed; a plan pasted into the import card is at
 * most 256 KiB: the body limit leaves room for that and its JSON escaping.
 */
export const LIMITS = {
  /** Largest request body read, in bytes (a larger Content-Length is refused unread: 413). */
  bodyBytes: 512 * 1024,
  /** Deepest nesting of a JSON body (objects and arrays); Teams' own stay under 15. */
  jsonDepth: 64,
  /** Most values (objects, arrays, strings, numbers…) in a JSON body. */
  jsonNodes: 20_000,
  /** Longest message text read as a command (Teams' own limit is about 28 KB). */
  textChars: 30_000,
  /** Time to receive a request's headers. */
  headersMs: 10_000,
  /** Time to receive a whole request body once its headers are in. */
  bodyMs: 10_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: 5_000,
  /** A card action (invoke) is answered within this (Teams shows an error after about 5 s). */
  invokeDeadlineMs: 4_000,
  /** A message's HTTP request is answered within this (Teams redelivers after about 15 s). */
  messageDeadlineMs: 10_000,
  /** One storage call (with its retries) gives up after this, or sooner when the turn's time is up. */
  storageCallMs: 2_500,
} as const;

export type Deadlines = { invokeMs: number; messageMs: number };
