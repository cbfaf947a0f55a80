import type { QueueHold, ReceivedMessage, WorkQueue } from '../app/ports';
import { Repointing } from './repointable-table';
import { timedCall, type StorageCall } from './timed-call';

/**
 * A WorkQueue that hands every call to another one through `run`, the single place a wrapper
 * (time limits, re-pointing, test doubles) changes: override `run`, or `target` to choose the
 * queue a call goes to.
 */
export class DelegatingQueue implements WorkQueue {
  readonly name: string;

  constructor(private readonly initial: WorkQueue) {
    this.name = initial.name;
  }

  /** The queue calls go to now. */
  protected target(): WorkQueue {
    return this.initial;
  }

  protected run<T>(_call: StorageCall, call: (queue: WorkQueue) => Promise<T>): Promise<T> {
    return call(this.target());
  }

  ensure(): Promise<void> {
    return this.run({ write: false, what: 'create the queue' }, (q) => q.ensure());
  }

  send(text: string, options?: { delaySeconds?: number }): Promise<void> {
    return this.run({ write: true, what: 'send' }, (q) => q.send(text, options));
  }

  receive(max: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    return this.run({ write: true, what: 'receive' }, (q) => q.receive(max, visibilitySeconds));
  }

  extend(hold: QueueHold, visibilitySeconds: number): Promise<QueueHold & { visibleAt: Date }> {
    return this.run({ write: true, what: 'extend' }, (q) => q.extend(hold, visibilitySeconds));
  }

  delete(hold: QueueHold): Promise<void> {
    return this.run({ write: true, what: 'delete' }, (q) => q.delete(hold));
  }

  approximateLength(): Promise<number> {
    return this.run({ write: false, what: 'count' }, (q) => q.approximateLength());
  }
}

/**
 * A WorkQueue whose every call has a deadline: `callMs`, or less when the turn under way has
 * less time left (see timedCall). A receive counts as a write: it hides what it took.
 */
export class TimedQueue extends DelegatingQueue {
  constructor(
    inner: WorkQueue,
    private readonly callMs: number,
  ) {
    super(inner);
  }

  protected override run<T>(what: StorageCall, call: (queue: WorkQueue) => Promise<T>): Promise<T> {
    return timedCall(this.name, this.callMs, what, () => call(this.target()));
  }
}

/** A WorkQueue that follows its store to a new endpoint, as RepointableTable does (see Repointing). */
export class RepointableQueue extends DelegatingQueue {
  private readonly repointing: Repointing<WorkQueue>;

  constructor(open: (endpoint: string) => WorkQueue, endpoint: string) {
    const repointing = new Repointing(open, endpoint);
    super(repointing.target);
    this.repointing = repointing;
  }

  get endpoint(): string {
    return this.repointing.endpoint;
  }

  repoint(endpoint: string): void {
    this.repointing.repoint(endpoint);
  }

  protected override target(): WorkQueue {
    return this.repointing.target;
  }
}
