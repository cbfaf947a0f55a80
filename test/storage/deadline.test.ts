import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { withBudget } from '../../src/app/deadline';
import { StorageTimeoutError } from '../../src/app/errors';
import { AzureEntityTable, createTableClient } from '../../src/storage/azure-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { TimedTable } from '../../src/storage/timed-table';

/** A storage endpoint that accepts connections and never answers (a frozen storage process). */
let blackHole: Server;
let sockets: Socket[] = [];
let endpoint = '';

beforeAll(async () => {
  blackHole = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}/devstoreaccount1`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  sockets = [];
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
});

const frozenTable = (tryTimeoutMs = 60_000) =>
  new AzureEntityTable(createTableClient({ kind: 'azurite', endpoint }, 'deadlines', tryTimeoutMs));

const entity = { partitionKey: 'p', rowKey: 'r', v: 1 };

describe('storage deadlines against a store that never answers', () => {
  it.each<[string, (t: TimedTable) => Promise<unknown>, boolean]>([
    ['a read', (t) => t.get('p', 'r'), false],
    ['a query', (t) => t.query('p'), false],
    ['a write (its outcome unknown)', (t) => t.submit([{ kind: 'upsert', entity }]), true],
  ])('%s gives up after its time-out', async (_name, call, written) => {
    const error = await call(new TimedTable(frozenTable(), 150)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageTimeoutError);
    expect((error as StorageTimeoutError).written).toBe(written);
  });

  it('each try of the client itself is bounded: a call abandoned by its caller still ends', async () => {
    const error = await frozenTable(100)
      .get('p', 'r')
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/timeout|aborted|time/i);
  });
});

describe('TimedTable within a turn', () => {
  it('takes the shorter of its own time-out and the time the turn has left', async () => {
    const { done } = withBudget(Date.now() + 40, () =>
      new TimedTable(frozenTable(), 60_000).get('p', 'r').catch((err: unknown) => err),
    );
    const error = await done;
    expect(error).toBeInstanceOf(StorageTimeoutError);
    expect(String(error)).toMatch(/timed out after \d{1,2} ms/);
  });

  it('with no time left, makes no call at all', async () => {
    const inner = new MemoryTable();
    const submit = jest.spyOn(inner, 'submit');
    const { done, budget } = withBudget(Date.now() - 1, () =>
      new TimedTable(inner, 1000).submit([{ kind: 'upsert', entity }]).catch((err: unknown) => err),
    );
    expect(await done).toBeInstanceOf(StorageTimeoutError);
    expect(submit).not.toHaveBeenCalled();
    expect(budget.wrote).toBe(false);
    expect(await inner.get('p', 'r')).toBeNull();
  });

  it('records that a write was sent, for the late answer', async () => {
    const { done, budget } = withBudget(Date.now() + 5000, () =>
      new TimedTable(new MemoryTable(), 1000).submit([{ kind: 'upsert', entity }]),
    );
    await done;
    expect(budget.wrote).toBe(true);
  });
});
