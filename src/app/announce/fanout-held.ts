import { QueueReceiptError } from '../errors';
import type { Clock, QueueHold, ReceivedMessage, WorkQueue } from '../ports';

/** A received message and the latest receipt that holds it (extended at checkpoints). */
export class Held {
  private hold: QueueHold;
  private extendedAt: number;
  lost = false;

  constructor(
    readonly message: ReceivedMessage,
    private readonly queue: WorkQueue,
    private readonly clock: Clock,
    private readonly visibilitySeconds: number,
  ) {
    this.hold = { id: message.id, receipt: message.receipt };
    this.extendedAt = clock.now().getTime();
  }

  /** Extends the hold when a third of its time-out has passed; false when it is no longer ours. */
  async keep(): Promise<boolean> {
    if (this.lost) return false;
    const now = this.clock.now().getTime();
    if (now - this.extendedAt < (this.visibilitySeconds * 1000) / 3) return true;
    try {
      this.hold = await this.queue.extend(this.hold, this.visibilitySeconds);
      this.extendedAt = now;
      return true;
    } catch (err) {
      if (!(err instanceof QueueReceiptError)) throw err;
      this.lost = true;
      return false;
    }
  }

  async delete(): Promise<void> {
    if (this.lost) return;
    try {
      await this.queue.delete(this.hold);
    } catch (err) {
      // Received again meanwhile: the new holder decides.
      if (!(err instanceof QueueReceiptError)) throw err;
    }
  }
}
