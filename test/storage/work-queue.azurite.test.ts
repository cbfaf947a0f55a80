import { QueueUnavailableError } from '../../src/app/errors';
import { AzureWorkQueue, createQueueClient } from '../../src/storage/azure-queue';
import { pickFreePort } from '../../src/storage/azurite-network';
import { rejection } from '../support/rejection';
import { startTestAzurite, uniqueQueueName, type TestAzurite } from '../support/azurite';
import { describeWorkQueueContract } from './work-queue.contract';

let azurite: TestAzurite | undefined;

beforeAll(async () => {
  azurite = await startTestAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

describeWorkQueueContract('AzureWorkQueue on Azurite (child process)', async () => {
  if (!azurite) throw new Error('Azurite did not start');
  const queue = new AzureWorkQueue(
    createQueueClient({ kind: 'azurite', endpoint: azurite.queueEndpoint }, uniqueQueueName()),
  );
  await queue.ensure();
  return {
    queue,
    // Real time: Azurite's visibility time-outs are whole seconds on its own clock.
    pass: (seconds) => new Promise((done) => setTimeout(done, seconds * 1000 + 150)),
  };
});

describe('AzureWorkQueue when the service is down', () => {
  it('fails with QueueUnavailableError after its retries', async () => {
    const port = await pickFreePort('127.0.0.1');
    const queue = new AzureWorkQueue(
      createQueueClient({ kind: 'azurite', endpoint: `http://127.0.0.1:${port}/devstoreaccount1` }, 'down'),
    );
    for (const call of [queue.send('{}'), queue.receive(1, 30), queue.approximateLength()]) {
      const err = await rejection(call);
      expect(err).toBeInstanceOf(QueueUnavailableError);
      expect((err as Error).message).toMatch(/^down: (send|receive|count) failed: .*ECONNREFUSED/);
    }
  });
});
