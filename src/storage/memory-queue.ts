import { randomUUID } from 'node:crypto';
import { QueueReceiptError } from '../app/errors';
import type { Clock, QueueHold, ReceivedMessage, WorkQueue } from '../app/ports';
import { checkDelay, checkReceiveCount, checkVisibility, messageBytes } from './queue-limits';

interface Entry {
  id: string;
  text: string;
  insertedAt: number;
  visibleAt: number;
  /** The receipt of the latest receive or extend; null until received. */
  receipt: string | null;
  dequeueCount: number;
}

const systemClock: Clock = { now: () => new Date() };

/**
 * An in-memory queue that behaves like Azure Storage Queues for the operations the project uses,
 * on an injected clock: a received message is hidden for its visibility time-out, then received
 * again with a higher dequeue count; each receive and extend gives a new pop receipt and only the
 * latest one extends or deletes; the same size and range limits.
 */
export class MemoryQueue implements WorkQueue {
  private entries: Entry[] = [];

  constructor(
    readonly name = 'memory',
    private readonly clock: Clock = systemClock,
  ) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  async ensure(): Promise<void> {}

  async send(text: string, options: { delaySeconds?: number } = {}): Promise<void> {
    messageBytes(text);
    const now = this.now();
    this.entries.push({
      id: randomUUID(),
      text,
      insertedAt: now,
      visibleAt: now + checkDelay(options.delaySeconds ?? 0) * 1000,
      receipt: null,
      dequeueCount: 0,
    });
  }

  async receive(max: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    checkReceiveCount(max);
    checkVisibility(visibilitySeconds);
    const now = this.now();
    return this.entries
      .filter((entry) => entry.visibleAt <= now)
      .slice(0, max)
      .map((entry) => {
        entry.dequeueCount += 1;
        entry.receipt = randomUUID();
        entry.visibleAt = now + visibilitySeconds * 1000;
        return {
          id: entry.id,
          receipt: entry.receipt,
          text: entry.text,
          dequeueCount: entry.dequeueCount,
          insertedAt: new Date(entry.insertedAt),
          visibleAt: new Date(entry.visibleAt),
        };
      });
  }

  async extend(hold: QueueHold, visibilitySeconds: number): Promise<QueueHold & { visibleAt: Date }> {
    checkVisibility(visibilitySeconds);
    const entry = this.held(hold);
    entry.receipt = randomUUID();
    entry.visibleAt = this.now() + visibilitySeconds * 1000;
    return { id: entry.id, receipt: entry.receipt, visibleAt: new Date(entry.visibleAt) };
  }

  async delete(hold: QueueHold): Promise<void> {
    if (!this.entries.some((entry) => entry.id === hold.id)) return;
    const entry = this.held(hold);
    this.entries = this.entries.filter((other) => other !== entry);
  }

  async approximateLength(): Promise<number> {
    return this.entries.length;
  }

  private held(hold: QueueHold): Entry {
    const entry = this.entries.find((candidate) => candidate.id === hold.id);
    if (!entry) throw new QueueReceiptError('gone', `${this.name}: message ${hold.id} does not exist`);
    if (entry.receipt !== hold.receipt) {
      throw new QueueReceiptError('mismatch', `${this.name}: message ${hold.id} was received again`);
    }
    return entry;
  }
}
