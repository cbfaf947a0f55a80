import type { QueueHold, ReceivedMessage, WorkQueue } from '../app/ports';
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

/**
 * A WorkQueue that follows its store to a new endpoint, as RepointableTable does: `repoint` opens
 * the same queue on another one (the embedded Azurite restarted on a new port). A call under way
 * when it swaps finishes (or fails) where it started.
 */
export class RepointableQueue extends DelegatingQueue {
  private inner: WorkQueue;
  private at: string;

  constructor(
    private readonly open: (endpoint: string) => WorkQueue,
    endpoint: string,
  ) {
    const inner = open(endpoint);
    super(inner);
    this.inner = inner;
    this.at = endpoint;
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.at;
  }

  /** Sends every later call to the queue on `endpoint` (nothing changes when it is the same). */
  repoint(endpoint: string): void {
    if (endpoint === this.at) return;
    const next = this.open(endpoint);
    if (next.name !== this.name) throw new Error(`repointed queue ${next.name} is not ${this.name}`);
    this.inner = next;
    this.at = endpoint;
  }

  protected override target(): WorkQueue {
    return this.inner;
  }
}
