/**
 * The work queue (Azure Storage Queues, or the embedded Azurite's Queue service): messages of
 * JSON text received with a visibility time-out, so a batch whose worker died comes back.
 * `ports.ts` re-exports it.
 */

/**
 * The largest message text, in UTF-8 bytes: sent base64-encoded, 48 KiB become 64 KiB, the
 * service's limit. A larger one is refused before anything is sent (`TooLargeError`).
 */
export const MAX_QUEUE_MESSAGE_BYTES = 48 * 1024;
/** At most this many messages per `receive` (the service's own limit). */
export const MAX_RECEIVE_MESSAGES = 32;
/** Visibility time-outs are whole seconds from 1 to 7 days (the service's range). */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/** Where a received message is held: its id and the pop receipt of the latest receive or extend. */
export interface QueueHold {
  id: string;
  /** Changes with every receive and extend: only the latest one extends or deletes the message. */
  receipt: string;
}

export interface ReceivedMessage extends QueueHold {
  /** The JSON text as sent. */
  text: string;
  /** How many times it was received, this time included (1 the first time). */
  dequeueCount: number;
  insertedAt: Date;
  /** When it becomes visible again unless extended or deleted. */
  visibleAt: Date;
}

/**
 * A queue of JSON texts. Every call may fail with `StorageTimeoutError` (no answer within its
 * deadline) or `QueueUnavailableError` (the service is down); `extend` and `delete` with
 * `QueueReceiptError` when the hold no longer holds. Messages never expire on their own: they
 * leave the queue when deleted.
 */
export interface WorkQueue {
  readonly name: string;
  /** Creates the queue when it does not exist. */
  ensure(): Promise<void>;
  /**
   * Adds a message, visible after `delaySeconds` (default 0). More than MAX_QUEUE_MESSAGE_BYTES
   * of UTF-8 is refused with `TooLargeError`, nothing sent.
   */
  send(text: string, options?: { delaySeconds?: number }): Promise<void>;
  /**
   * Up to `max` (1 to 32) visible messages, oldest first, each hidden for `visibilitySeconds`
   * (then visible again, its dequeue count one higher at the next receive). None when empty.
   */
  receive(max: number, visibilitySeconds: number): Promise<ReceivedMessage[]>;
  /** Hides a received message for `visibilitySeconds` from now: the new hold has a new receipt. */
  extend(hold: QueueHold, visibilitySeconds: number): Promise<QueueHold & { visibleAt: Date }>;
  /**
   * Removes a received message. One already gone is fine; one received again since (its receipt
   * changed) fails with `QueueReceiptError` ('mismatch') and stays.
   */
  delete(hold: QueueHold): Promise<void>;
  /** How many messages the queue holds (visible or not): approximate on the service. */
  approximateLength(): Promise<number>;
}
