/**
 * Work run one item at a time, in the order added, after whoever added it has moved on. An item
 * added again while it is queued or running (same id) is ignored; a failed item is handed to
 * `failed` and the queue goes on.
 */
export class SerialQueue<T extends { id: string }> {
  private readonly queue: T[] = [];
  private readonly known = new Set<string>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly run: (item: T) => Promise<void>,
    private readonly failed: (err: unknown, item: T) => void,
  ) {}

  add(item: T): void {
    if (this.known.has(item.id)) return;
    this.known.add(item.id);
    this.queue.push(item);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      try {
        await this.run(item);
      } catch (err) {
        this.failed(err, item);
      } finally {
        this.known.delete(item.id);
      }
    }
  }
}
