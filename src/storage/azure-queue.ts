import type { TokenCredential } from '@azure/identity';
import {
  newPipeline,
  type AnonymousCredential,
  QueueClient,
  StorageSharedKeyCredential,
  type RequestPolicyFactory,
  type StoragePipelineOptions,
} from '@azure/storage-queue';
import { QueueReceiptError, QueueUnavailableError } from '../app/errors';
import type { QueueHold, ReceivedMessage, WorkQueue } from '../app/ports';
import {
  AZURITE_ACCOUNT,
  AZURITE_ACCOUNT_KEY,
  STORAGE_RETRY_OPTIONS,
  STORAGE_TRY_TIMEOUT_MS,
  type TableTarget,
} from './azure-table';
import { errorInfo } from './azure-table-errors';
import { boundTryTimeout } from './azure-table-policies';
import { checkDelay, checkReceiveCount, checkVisibility, messageBytes } from './queue-limits';

/**
 * Where the queue lives: the same kinds as the tables' (a connection string; a Queue service
 * endpoint, `https://<account>.queue.core.windows.net`, with an Entra ID credential; Azurite's
 * Queue endpoint with its well-known account).
 */
export type QueueTarget = TableTarget;

/** Messages never expire: one leaves the queue when its work is done (deleted). */
const NEVER_EXPIRES = -1;

/** The table client's retries, in the storage SDK's terms. */
const RETRY_OPTIONS: StoragePipelineOptions['retryOptions'] = {
  maxTries: STORAGE_RETRY_OPTIONS.maxRetries + 1,
  retryDelayInMs: STORAGE_RETRY_OPTIONS.retryDelayInMs,
  maxRetryDelayInMs: STORAGE_RETRY_OPTIONS.maxRetryDelayInMs,
};

/**
 * The table client's per-try time-out (tryTimeoutPolicy), as a storage pipeline factory: the
 * SDK's own `tryTimeoutInMs` only asks the service to give up (in whole seconds), so a service
 * that accepts the connection and never answers would hold the try for ever.
 */
const tryTimeoutFactory = (ms: number): RequestPolicyFactory => ({
  create: (next) => ({
    sendRequest: (request) => {
      boundTryTimeout(request, ms);
      return next.sendRequest(request);
    },
  }),
});

const queueUrl = (endpoint: string, queueName: string): string =>
  `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(queueName)}`;

type Signer = StorageSharedKeyCredential | AnonymousCredential | TokenCredential;

/** A client the SDK made from a connection string, telling how it signs (the SDK keeps it protected). */
class ParsedQueueClient extends QueueClient {
  get signer(): Signer {
    return this.credential;
  }
}

/** Where the client goes and how it signs, before the pipeline is built. */
const urlAndCredential = (target: QueueTarget, queueName: string): { url: string; credential: Signer } => {
  switch (target.kind) {
    case 'connection-string': {
      // The SDK parses the connection string (account key or SAS, endpoints or suffix).
      const parsed = new ParsedQueueClient(target.connectionString, queueName);
      return { url: parsed.url, credential: parsed.signer };
    }
    case 'endpoint':
      return { url: queueUrl(target.endpoint, queueName), credential: target.credential };
    case 'azurite':
      return {
        url: queueUrl(target.endpoint, queueName),
        credential: new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY),
      };
  }
};

export const createQueueClient = (
  target: QueueTarget,
  queueName: string,
  tryTimeoutMs: number = STORAGE_TRY_TIMEOUT_MS,
): QueueClient => {
  const { url, credential } = urlAndCredential(target, queueName);
  const pipeline = newPipeline(credential, { retryOptions: RETRY_OPTIONS });
  pipeline.factories.push(tryTimeoutFactory(tryTimeoutMs));
  return new QueueClient(url, pipeline);
};

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * `WorkQueue` over `@azure/storage-queue`: Azure Storage Queues or Azurite. Texts travel as
 * base64 of their UTF-8 (any JSON text, whatever XML allows; 48 KiB become the service's 64 KiB).
 * A stale or missing pop receipt → `QueueReceiptError`; the service unreachable or failing (no
 * status, 5xx, a try timed out) after the retries → `QueueUnavailableError`; other refusals
 * (400s, a missing queue) are rethrown as the SDK reported them.
 */
export class AzureWorkQueue implements WorkQueue {
  readonly name: string;

  constructor(private readonly client: QueueClient) {
    this.name = client.name;
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw this.translate(err, what);
    }
  }

  private translate(err: unknown, what: string): unknown {
    const { statusCode, code } = errorInfo(err);
    if (statusCode === 404 && code === 'MessageNotFound') {
      return new QueueReceiptError('gone', `${this.name}: ${what}: the message does not exist`);
    }
    if (statusCode === 400 && code === 'PopReceiptMismatch') {
      return new QueueReceiptError('mismatch', `${this.name}: ${what}: the message was received again`);
    }
    if (statusCode === undefined || statusCode === 408 || statusCode >= 500) {
      return new QueueUnavailableError(`${this.name}: ${what} failed: ${messageOf(err)}`, { cause: err });
    }
    return err;
  }

  async ensure(): Promise<void> {
    await this.call('create the queue', () => this.client.createIfNotExists());
  }

  async send(text: string, options: { delaySeconds?: number } = {}): Promise<void> {
    const body = messageBytes(text).toString('base64');
    const visibilityTimeout = checkDelay(options.delaySeconds ?? 0);
    await this.call('send', () =>
      this.client.sendMessage(body, {
        messageTimeToLive: NEVER_EXPIRES,
        ...(visibilityTimeout > 0 ? { visibilityTimeout } : {}),
      }),
    );
  }

  async receive(max: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    const numberOfMessages = checkReceiveCount(max);
    const visibilityTimeout = checkVisibility(visibilitySeconds);
    const response = await this.call('receive', () =>
      this.client.receiveMessages({ numberOfMessages, visibilityTimeout }),
    );
    return response.receivedMessageItems.map((item) => ({
      id: item.messageId,
      receipt: item.popReceipt,
      text: Buffer.from(item.messageText, 'base64').toString('utf8'),
      dequeueCount: item.dequeueCount,
      insertedAt: item.insertedOn,
      visibleAt: item.nextVisibleOn,
    }));
  }

  async extend(hold: QueueHold, visibilitySeconds: number): Promise<QueueHold & { visibleAt: Date }> {
    const visibilityTimeout = checkVisibility(visibilitySeconds);
    // No text: the message keeps its own.
    const response = await this.call('extend', () =>
      this.client.updateMessage(hold.id, hold.receipt, undefined, visibilityTimeout),
    );
    if (!response.popReceipt || !response.nextVisibleOn) {
      throw new Error(`${this.name}: extend: the service sent no new pop receipt`);
    }
    return { id: hold.id, receipt: response.popReceipt, visibleAt: response.nextVisibleOn };
  }

  async delete(hold: QueueHold): Promise<void> {
    try {
      await this.call('delete', () => this.client.deleteMessage(hold.id, hold.receipt));
    } catch (err) {
      if (err instanceof QueueReceiptError && err.reason === 'gone') return;
      throw err;
    }
  }

  async approximateLength(): Promise<number> {
    const properties = await this.call('count', () => this.client.getProperties());
    return properties.approximateMessagesCount ?? 0;
  }
}
