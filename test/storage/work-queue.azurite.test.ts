import { createServer, type AddressInfo, type Socket } from 'node:net';
import { QueueUnavailableError } from '../../src/app/errors';
import { AzureWorkQueue, createQueueClient } from '../../src/storage/azure-queue';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../src/storage/azure-table';
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

it('AzureWorkQueue from a connection string (an account key and a queue endpoint)', async () => {
  if (!azurite) throw new Error('Azurite did not start');
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};` +
    `QueueEndpoint=${azurite.queueEndpoint};`;
  const queue = new AzureWorkQueue(
    createQueueClient({ kind: 'connection-string', connectionString }, uniqueQueueName()),
  );
  await queue.ensure();
  await queue.send('{"from":"a connection string"}');
  expect((await queue.receive(1, 30)).map((m) => m.text)).toEqual(['{"from":"a connection string"}']);
});

describe('AzureWorkQueue when the service is down', () => {
  it('a service that accepts connections but never answers: each try times out, then QueueUnavailableError', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as AddressInfo;
    try {
      const queue = new AzureWorkQueue(
        createQueueClient(
          { kind: 'azurite', endpoint: `http://127.0.0.1:${port}/devstoreaccount1` },
          'silent',
          100,
        ),
      );
      const started = Date.now();
      const err = await rejection(queue.receive(1, 30));
      expect(err).toBeInstanceOf(QueueUnavailableError);
      expect((err as Error).message).toMatch(/^silent: receive failed: /);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
      // Bounded by the 100 ms tries (and their retries), not the SDK's default of no limit.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => silent.close(done));
    }
  });

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
