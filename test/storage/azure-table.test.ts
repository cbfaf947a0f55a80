import { DefaultAzureCredential } from '@azure/identity';
import type { TableClient } from '@azure/data-tables';
import {
  AZURITE_ACCOUNT,
  AZURITE_ACCOUNT_KEY,
  AzureEntityTable,
  createTableClient,
  defaultCredentialTarget,
  MAX_QUERY_PAGES,
  QUERY_PAGE_SIZE,
  type TableTarget,
} from '../../src/storage/azure-table';
import { MAX_QUERY_ROWS } from '../../src/storage/entity-table';
import { startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';

type ListResult = ReturnType<TableClient['listEntities']>;
type Page = Record<string, unknown>[] & { continuationToken?: string };

const row = (rowKey: string): Record<string, unknown> => ({
  'odata.metadata': 'http://127.0.0.1/devstoreaccount1/$metadata#t/@Element',
  etag: `W/"datetime'${rowKey}'"`,
  partitionKey: 'p',
  rowKey,
  title: `row ${rowKey}`,
  timestamp: '2026-02-10T17:30:00.0000000Z',
});

/**
 * A client whose listing serves `pageAt(n)` for page n (from 0) for as long as it is asked,
 * recording the filter and page size of the query and the number of pages read.
 */
const fakeListing = (pageAt: (n: number, pageSize: number) => Page) => {
  const client = createTableClient(
    { kind: 'azurite', endpoint: 'http://127.0.0.1:9/devstoreaccount1' },
    'fake',
  );
  const seen = { filter: '', pageSize: 0, pages: 0 };
  jest.spyOn(client, 'listEntities').mockImplementation((options) => {
    seen.filter = options?.queryOptions?.filter ?? '';
    const listing = {
      byPage: (settings?: { maxPageSize?: number }) => {
        seen.pageSize = settings?.maxPageSize ?? 0;
        return (async function* pages() {
          for (let n = 0; ; n++) {
            seen.pages = n + 1;
            yield pageAt(n, seen.pageSize);
          }
        })();
      },
    };
    return listing as unknown as ListResult;
  });
  return { table: new AzureEntityTable(client), seen };
};

const page = (rows: Record<string, unknown>[], continuationToken?: string): Page =>
  Object.assign(rows, continuationToken === undefined ? {} : { continuationToken });

describe('AzureEntityTable.query is bounded', () => {
  it('stops at the page cap when the service keeps sending continuation tokens', async () => {
    const { table, seen } = fakeListing((n) => page([row(`r${String(n).padStart(4, '0')}`)], `token-${n}`));
    const rows = await table.query('p');
    expect(seen.pages).toBe(MAX_QUERY_PAGES);
    expect(rows).toHaveLength(MAX_QUERY_PAGES);
  });

  it('stops at the page cap on endless empty pages', async () => {
    const { table, seen } = fakeListing((n) => page([], `token-${n}`));
    expect(await table.query('p')).toEqual([]);
    expect(seen.pages).toBe(MAX_QUERY_PAGES);
  });

  it('stops when a continuation token comes back a second time', async () => {
    const { table, seen } = fakeListing((n) => page([row(`r${n}`)], n < 3 ? `token-${n}` : 'token-1'));
    expect(await table.query('p')).toHaveLength(4);
    expect(seen.pages).toBe(4);
  });

  it('reads only the pages the limit needs, and asks for pages no larger than the limit', async () => {
    const full = (n: number, size: number): Page =>
      page(
        Array.from({ length: size }, (_, i) => row(`r${String(n * size + i).padStart(6, '0')}`)),
        `token-${n}`,
      );
    const big = fakeListing(full);
    expect(await big.table.query('p', { limit: 2500 })).toHaveLength(2500);
    expect(big.seen).toEqual(expect.objectContaining({ pageSize: QUERY_PAGE_SIZE, pages: 3 }));

    const small = fakeListing(full);
    expect(await small.table.query('p', { limit: 10 })).toHaveLength(10);
    expect(small.seen).toEqual(expect.objectContaining({ pageSize: 10, pages: 1 }));

    const byDefault = fakeListing(full);
    expect(await byDefault.table.query('p')).toHaveLength(MAX_QUERY_ROWS);
    expect(byDefault.seen.pages).toBe(Math.ceil(MAX_QUERY_ROWS / QUERY_PAGE_SIZE));
  });

  it('builds one OData filter: partition, RowKey range of the prefix, escaped equalities', async () => {
    const { table, seen } = fakeListing(() => page([]));
    await table.query("t|o'neil", { rowKeyPrefix: 'a|', where: { status: "it's open", kind: 'x' } });
    expect(seen.filter).toBe(
      "PartitionKey eq 't|o''neil' and RowKey ge 'a|' and RowKey lt 'a}' and status eq 'it''s open' and kind eq 'x'",
    );
    await expect(table.query('p', { where: { 'status or true': 'x' } })).rejects.toThrow(
      /invalid property name/,
    );
  });

  it('returns rows sorted by RowKey with only keys, ETag and user properties', async () => {
    const { table } = fakeListing(() => page([row('b'), row('a')]));
    expect(await table.query('p')).toEqual([
      { partitionKey: 'p', rowKey: 'a', etag: `W/"datetime'a'"`, title: 'row a' },
      { partitionKey: 'p', rowKey: 'b', etag: `W/"datetime'b'"`, title: 'row b' },
    ]);
  });
});

describe('createTableClient', () => {
  let azurite: TestAzurite;
  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it.each<[string, (endpoint: string) => TableTarget]>([
    [
      'a connection string with an account key and a plain-http table endpoint',
      (endpoint) => ({
        kind: 'connection-string',
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=${endpoint};`,
      }),
    ],
    ['the azurite target', (endpoint) => ({ kind: 'azurite', endpoint })],
  ])('reaches Azurite over http with %s', async (_name, targetFor) => {
    const target = targetFor(azurite.endpoint);
    const table = new AzureEntityTable(createTableClient(target, uniqueTableName()));
    await table.ensure();
    await table.ensure(); // TableAlreadyExists is fine
    const [etag] = await table.submit([
      { kind: 'create', entity: { partitionKey: 'p', rowKey: 'r', v: 'Zoë' } },
    ]);
    expect(await table.get('p', 'r')).toEqual({ partitionKey: 'p', rowKey: 'r', v: 'Zoë', etag });
  });

  it('knows UseDevelopmentStorage=true (Azurite on its default port)', () => {
    const client = createTableClient(
      { kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' },
      'Rollouts',
    );
    expect(client.url).toBe('http://127.0.0.1:10002/devstoreaccount1');
    expect(client.tableName).toBe('Rollouts');
  });

  it('builds an endpoint target with DefaultAzureCredential without fetching a token', () => {
    const getToken = jest.spyOn(DefaultAzureCredential.prototype, 'getToken');
    const target = defaultCredentialTarget('https://acct.table.core.windows.net');
    expect(target).toEqual({
      kind: 'endpoint',
      endpoint: 'https://acct.table.core.windows.net',
      credential: expect.any(DefaultAzureCredential),
    });
    const client = createTableClient(target, 'Rollouts');
    expect(client.url).toBe('https://acct.table.core.windows.net');
    expect(client.tableName).toBe('Rollouts');
    expect(new AzureEntityTable(client).name).toBe('Rollouts');
    expect(getToken).not.toHaveBeenCalled();
    getToken.mockRestore();
  });

  it('get on a table that does not exist rethrows the 404 instead of answering null', async () => {
    const table = new AzureEntityTable(
      createTableClient({ kind: 'azurite', endpoint: azurite.endpoint }, uniqueTableName('missing')),
    );
    await expect(table.get('p', 'r')).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      table.submit([{ kind: 'update', entity: { partitionKey: 'p', rowKey: 'r' }, ifMatch: '*' }]),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
