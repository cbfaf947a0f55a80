import { StorageTimeoutError } from '../../src/app/errors';
import type { WorkQueue } from '../../src/app/ports';
import { DelegatingQueue, TimedQueue } from '../../src/storage/delegating-queue';
import { MemoryQueue } from '../../src/storage/memory-queue';
import { rejection } from '../support/rejection';
import { describeWorkQueueContract } from './work-queue.contract';

describeWorkQueueContract('MemoryQueue', async () => {
  let now = Date.parse('2026-03-01T09:00:00Z');
  const queue = new MemoryQueue('memory', { now: () => new Date(now) });
  return {
    queue,
    pass: async (seconds) => {
      now += seconds * 1000 + 1;
    },
  };
});

/** A queue whose service never answers. */
class HangingQueue extends DelegatingQueue {
  protected override run<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
  }
}

describe('TimedQueue', () => {
  afterEach(() => jest.useRealTimers());

  it.each([
    ['send', (q: WorkQueue) => q.send('{}'), true],
    ['receive', (q: WorkQueue) => q.receive(1, 30), true],
    ['count', (q: WorkQueue) => q.approximateLength(), false],
  ] as const)('a %s the service never answers fails after its deadline', async (what, call, written) => {
    jest.useFakeTimers();
    const timed = new TimedQueue(new HangingQueue(new MemoryQueue('hung')), 2500);
    const outcome = rejection(call(timed));
    jest.advanceTimersByTime(2500);
    const err = await outcome;
    expect(err).toBeInstanceOf(StorageTimeoutError);
    expect(err).toMatchObject({ written, message: `hung: ${what} timed out after 2500 ms` });
  });
});
