import { AsyncLocalStorage } from 'node:async_hooks';
import type { TableClient } from '@azure/data-tables';

type PipelinePolicy = Parameters<TableClient['pipeline']['addPolicy']>[0];

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

/**
 * `submitTransaction`'s delete tuple has no ETag, so the SDK sends `If-Match: *` for it. The ETags
 * of the transaction under way travel in this async context, and a policy on the client's
 * pipeline writes them into the `$batch` body, whose sub-requests are in action order.
 */
const batchIfMatch = new AsyncLocalStorage<ReadonlyArray<string | undefined>>();
const BATCH_IF_MATCH_POLICY = 'rolloutCoordinatorBatchIfMatch';

/**
 * Runs `submit` (a `submitTransaction` call) with the ETag of each action, in action order
 * (`undefined` where the action carries none), for the batch If-Match policy to send.
 */
export const runWithBatchIfMatch = <T>(ifMatch: ReadonlyArray<string | undefined>, submit: () => T): T =>
  batchIfMatch.run(ifMatch, submit);

export const attachBatchIfMatchPolicy = (client: TableClient): void => {
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

/**
 * Each try of a storage request gives up after `ms` (the SDK's default is no limit): a frozen or
 * unreachable store cannot hold a call, even one its caller stopped waiting for.
 */
export const tryTimeoutPolicy = (ms: number): PipelinePolicy => ({
  name: 'rolloutCoordinatorTryTimeout',
  async sendRequest(request, next) {
    boundTryTimeout(request, ms);
    return next(request);
  },
});

/** A request's time-out (ms; 0 or unset: none) lowered to `ms`: what tryTimeoutPolicy does to each. */
export const boundTryTimeout = (request: { timeout?: number }, ms: number): void => {
  if (!request.timeout || request.timeout > ms) request.timeout = ms;
};
