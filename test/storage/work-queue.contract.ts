import { withBudget } from '../../src/app/deadline';
import { QueueReceiptError, StorageTimeoutError, TooLargeError } from '../../src/app/errors';
import type { WorkQueue } from '../../src/app/ports';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../src/app/ports-queue';
import { TimedQueue } from '../../src/storage/delegating-queue';
import { rejection } from '../support/rejection';

export interface QueueUnderTest {
  /** An ensured, empty queue. */
  queue: WorkQueue;
  /** Lets a little more than `seconds` pass for the queue (a clock moved, or real time). */
  pass(seconds: number): Promise<void>;
}

const expectReceiptError = async (
  promise: Promise<unknown>,
  reason: QueueReceiptError['reason'],
): Promise<void> => {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(QueueReceiptError);
  expect((err as QueueReceiptError).reason).toBe(reason);
};

/** The WorkQueue semantics every implementation must share (memory and Azurite). */
export const describeWorkQueueContract = (name: string, make: () => Promise<QueueUnderTest>): void => {
  describe(`WorkQueue contract: ${name}`, () => {
    it('an empty queue gives nothing and counts 0', async () => {
      const { queue } = await make();
      expect(await queue.receive(32, 30)).toEqual([]);
      expect(await queue.approximateLength()).toBe(0);
    });

    it('gives back the text as sent, oldest first, at most `max`, hidden while held', async () => {
      const { queue } = await make();
      const texts = [JSON.stringify({ n: 1, who: 'Zoë’s 🚀' }), '{"n":2}', '{"n":3}'];
      for (const text of texts) await queue.send(text);
      const first = await queue.receive(2, 30);
      expect(first.map((m) => m.text)).toEqual(texts.slice(0, 2));
      expect(first.map((m) => m.dequeueCount)).toEqual([1, 1]);
      for (const message of first) {
        expect(message.visibleAt.getTime()).toBeGreaterThan(message.insertedAt.getTime());
        expect(message.receipt).not.toBe('');
      }
      const rest = await queue.receive(32, 30);
      expect(rest.map((m) => m.text)).toEqual([texts[2]]);
      expect(await queue.receive(32, 30)).toEqual([]);
      // Held messages are still in the queue.
      expect(await queue.approximateLength()).toBe(3);
    });

    it('a message comes back after its visibility time-out unless extended; only the latest receipt holds', async () => {
      const { queue, pass } = await make();
      await queue.send('{"m":"a"}');
      await queue.send('{"m":"b"}');
      const [a, b] = await queue.receive(2, 1);
      if (!a || !b) throw new Error('expected two messages');
      const heldA = await queue.extend(a, 60);
      const heldB = await queue.extend(b, 1);
      expect(heldA.receipt).not.toBe(a.receipt);
      expect(heldA.visibleAt.getTime()).toBeGreaterThan(a.visibleAt.getTime());
      // The receipt changed with the extend: the old one neither deletes nor extends.
      await expectReceiptError(queue.delete(a), 'mismatch');
      await expectReceiptError(queue.extend(a, 60), 'mismatch');

      await pass(1);
      const again = await queue.receive(32, 30);
      // b came back (its text kept through the extend); a, extended, did not.
      expect(again.map((m) => [m.id, m.text, m.dequeueCount])).toEqual([[b.id, '{"m":"b"}', 2]]);
      const [b2] = again;
      if (!b2) throw new Error('expected b');
      expect(b2.receipt).not.toBe(heldB.receipt);
      // The dead holder's delete fails and leaves it for the new holder.
      await expectReceiptError(queue.delete(heldB), 'mismatch');
      expect(await queue.approximateLength()).toBe(2);

      await queue.delete(b2);
      await queue.delete(b2); // already gone: fine
      await queue.delete(heldA);
      expect(await queue.approximateLength()).toBe(0);
      await expectReceiptError(queue.extend(heldA, 30), 'gone');
    });

    it('a delayed message is invisible until its delay passed', async () => {
      const { queue } = await make();
      await queue.send('{"later":true}', { delaySeconds: 60 });
      expect(await queue.receive(32, 30)).toEqual([]);
      expect(await queue.approximateLength()).toBe(1);
    });

    it(`takes ${MAX_QUEUE_MESSAGE_BYTES} bytes of UTF-8 and refuses more, sending nothing`, async () => {
      const { queue } = await make();
      const largest = JSON.stringify('é'.repeat((MAX_QUEUE_MESSAGE_BYTES - 2) / 2));
      expect(Buffer.byteLength(largest)).toBe(MAX_QUEUE_MESSAGE_BYTES);
      await queue.send(largest);
      const tooLarge = JSON.stringify(`${'é'.repeat((MAX_QUEUE_MESSAGE_BYTES - 2) / 2)}a`);
      const err = await rejection(queue.send(tooLarge));
      expect(err).toBeInstanceOf(TooLargeError);
      expect(err).toMatchObject({ size: MAX_QUEUE_MESSAGE_BYTES + 1, limit: MAX_QUEUE_MESSAGE_BYTES });
      expect((await queue.receive(32, 30)).map((m) => m.text)).toEqual([largest]);
      expect(await queue.approximateLength()).toBe(1);
    });

    it('refuses what the service would: counts and time-outs out of range', async () => {
      const { queue } = await make();
      await expect(queue.receive(0, 30)).rejects.toThrow(RangeError);
      await expect(queue.receive(33, 30)).rejects.toThrow(RangeError);
      await expect(queue.receive(1, 0)).rejects.toThrow(RangeError);
      await expect(queue.receive(1, 1.5)).rejects.toThrow(RangeError);
      await expect(queue.send('{}', { delaySeconds: -1 })).rejects.toThrow(RangeError);
    });

    it('with a deadline: a call past the turn’s time fails at once as StorageTimeoutError', async () => {
      const { queue } = await make();
      const timed = new TimedQueue(queue, 2500);
      await timed.send('{"in":"time"}');
      const { budget, done } = withBudget(Date.now() - 1, () => timed.send('{"too":"late"}'));
      const err = await rejection(done);
      expect(err).toBeInstanceOf(StorageTimeoutError);
      expect(err).toMatchObject({ written: false });
      expect(budget.wrote).toBe(false);
      expect((await timed.receive(32, 30)).map((m) => m.text)).toEqual(['{"in":"time"}']);
    });
  });
};
