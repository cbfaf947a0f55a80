import { MemoryTable } from '../../src/storage/memory-table';
import { RepointableTable } from '../../src/storage/repointable-table';

/** Two "endpoints", each with its own store, as a restarted Azurite on another port. */
const stores = new Map<string, MemoryTable>();
const openAt = (endpoint: string): MemoryTable => {
  let table = stores.get(endpoint);
  if (!table) stores.set(endpoint, (table = new MemoryTable('rolloutRollouts')));
  return table;
};

beforeEach(() => stores.clear());

it('sends every call to the table on the current endpoint, and follows a repoint', async () => {
  const table = new RepointableTable(openAt, 'http://a');
  expect(table.name).toBe('rolloutRollouts');
  await table.submit([{ kind: 'create', entity: { partitionKey: 'p', rowKey: 'a|1', at: 'a' } }]);
  expect(await table.get('p', 'a|1')).toMatchObject({ at: 'a' });

  table.repoint('http://b');
  expect(table.endpoint).toBe('http://b');
  expect(await table.get('p', 'a|1')).toBeNull();
  await table.submit([{ kind: 'upsert', entity: { partitionKey: 'p', rowKey: 'b|1', at: 'b' } }]);
  expect((await table.query('p')).map((row) => row.at)).toEqual(['b']);
  expect((await table.findByRowKey?.('b|1'))?.map((row) => row.at)).toEqual(['b']);
  expect((await table.findByRowKeyPrefix?.('b|'))?.map((row) => row.at)).toEqual(['b']);
  expect((await stores.get('http://a')?.query('p'))?.map((row) => row.at)).toEqual(['a']);
});

it('a repoint to the same endpoint keeps the table it has', async () => {
  let opened = 0;
  const table = new RepointableTable((endpoint) => (opened++, openAt(endpoint)), 'http://a');
  table.repoint('http://a');
  expect(opened).toBe(1);
});
