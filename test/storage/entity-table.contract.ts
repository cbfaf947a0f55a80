import { ConcurrencyError } from '../../src/app/errors';
import {
  decodeKey,
  encodeKey,
  MAX_STRING_PROPERTY_CHARS,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from '../../src/storage/entity-table';
import { rejection } from '../support/rejection';

const expectConcurrency = async (
  promise: Promise<unknown>,
  reason: ConcurrencyError['reason'],
): Promise<void> => {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(ConcurrencyError);
  expect((err as ConcurrencyError).reason).toBe(reason);
};

/** A request the service rejects with this HTTP status (not a lost race). */
const expectRequestError = async (promise: Promise<unknown>, statusCode: number): Promise<void> => {
  const err = await rejection(promise);
  expect(err).not.toBeInstanceOf(ConcurrencyError);
  expect(err).toMatchObject({ statusCode });
};

const PK = 'p1';
const entity = (
  rowKey: string,
  properties: Record<string, string | number | boolean | null> = {},
): TableEntity => ({
  partitionKey: PK,
  rowKey,
  ...properties,
});
const create = (e: TableEntity): TableAction => ({ kind: 'create', entity: e });
const update = (e: TableEntity, ifMatch: string): TableAction => ({ kind: 'update', entity: e, ifMatch });
const upsert = (e: TableEntity): TableAction => ({ kind: 'upsert', entity: e });
const remove = (rowKey: string, ifMatch?: string): TableAction => ({
  kind: 'delete',
  partitionKey: PK,
  rowKey,
  ...(ifMatch === undefined ? {} : { ifMatch }),
});

/** Creates one row, returns its ETag. */
const put = async (table: EntityTable, e: TableEntity): Promise<string> => {
  const [etag] = await table.submit([create(e)]);
  if (!etag) throw new Error('no ETag');
  return etag;
};

const snapshot = async (table: EntityTable, rowKeys: string[]): Promise<(StoredEntity | null)[]> =>
  Promise.all(rowKeys.map((rk) => table.get(PK, rk)));

/**
 * The semantics every EntityTable shares (Azure Table Storage's): run against MemoryTable and
 * against AzureEntityTable on Azurite, so the fast fake cannot drift from the real store.
 */
export const describeEntityTableContract = (label: string, makeTable: () => Promise<EntityTable>): void => {
  describe(`EntityTable contract: ${label}`, () => {
    let table: EntityTable;
    beforeEach(async () => {
      table = await makeTable();
    });

    describe('single rows', () => {
      it('get of a missing row is null', async () => {
        expect(await table.get(PK, 'missing')).toBeNull();
      });

      it('create then get returns the properties and the ETag, nulls left out', async () => {
        const row = entity('r1', {
          title: 'hello',
          empty: '',
          count: 3,
          negative: -7,
          ratio: 1.5,
          big: 2 ** 40,
          flag: true,
          off: false,
          gone: null,
        });
        const etag = await put(table, row);
        expect(etag).toEqual(expect.any(String));
        expect(etag).not.toBe('');
        const { gone: _gone, ...kept } = row;
        expect(await table.get(PK, 'r1')).toEqual({ ...kept, etag });
      });

      it('create of an existing row is already-exists and changes nothing', async () => {
        const etag = await put(table, entity('r1', { v: 'first' }));
        await expectConcurrency(table.submit([create(entity('r1', { v: 'second' }))]), 'already-exists');
        expect(await table.get(PK, 'r1')).toEqual({ ...entity('r1', { v: 'first' }), etag });
      });

      it('update with the current ETag replaces the row and changes the ETag', async () => {
        const etag = await put(table, entity('r1', { v: 'one', dropped: 'x' }));
        const [next] = await table.submit([update(entity('r1', { v: 'two' }), etag)]);
        expect(next).toEqual(expect.any(String));
        expect(next).not.toBe(etag);
        expect(await table.get(PK, 'r1')).toEqual({ ...entity('r1', { v: 'two' }), etag: next });
      });

      it('update with a stale ETag is etag-mismatch and changes nothing', async () => {
        const stale = await put(table, entity('r1', { v: 'one' }));
        const [current] = await table.submit([update(entity('r1', { v: 'two' }), stale)]);
        await expectConcurrency(table.submit([update(entity('r1', { v: 'three' }), stale)]), 'etag-mismatch');
        expect(await table.get(PK, 'r1')).toEqual({ ...entity('r1', { v: 'two' }), etag: current });
      });

      it('update of a missing row is etag-mismatch (it was deleted) and creates nothing', async () => {
        const etag = await put(table, entity('r1'));
        await table.submit([remove('r1', etag)]);
        await expectConcurrency(table.submit([update(entity('r1', { v: 'x' }), etag)]), 'etag-mismatch');
        expect(await table.get(PK, 'r1')).toBeNull();
      });

      it('upsert creates, then replaces the whole row', async () => {
        const [first] = await table.submit([upsert(entity('r1', { a: 'a', b: 'b' }))]);
        expect(await table.get(PK, 'r1')).toEqual({ ...entity('r1', { a: 'a', b: 'b' }), etag: first });
        const [second] = await table.submit([upsert(entity('r1', { a: 'A' }))]);
        expect(second).not.toBe(first);
        expect(await table.get(PK, 'r1')).toEqual({ ...entity('r1', { a: 'A' }), etag: second });
      });

      it('delete with a stale ETag is etag-mismatch; with the current one it deletes', async () => {
        const stale = await put(table, entity('r1', { v: 1 }));
        const [current] = await table.submit([update(entity('r1', { v: 2 }), stale)]);
        await expectConcurrency(table.submit([remove('r1', stale)]), 'etag-mismatch');
        expect(await table.get(PK, 'r1')).toEqual({ ...entity('r1', { v: 2 }), etag: current });
        expect(await table.submit([remove('r1', current)])).toEqual(['']);
        expect(await table.get(PK, 'r1')).toBeNull();
      });

      it('a delete with ETag of a missing row is etag-mismatch; without ETag it is 404', async () => {
        const etag = await put(table, entity('r1'));
        await table.submit([remove('r1')]);
        expect(await table.get(PK, 'r1')).toBeNull();
        await expectConcurrency(table.submit([remove('r1', etag)]), 'etag-mismatch');
        await expectRequestError(table.submit([remove('r1')]), 404);
      });

      it('an empty ETag is never a match: update and delete fail with etag-mismatch', async () => {
        const etag = await put(table, entity('r1', { v: 1 }));
        await expectConcurrency(table.submit([update(entity('r1', { v: 2 }), '')]), 'etag-mismatch');
        await expectConcurrency(table.submit([remove('r1', '')]), 'etag-mismatch');
        await expectConcurrency(table.submit([create(entity('r2')), remove('r1', '')]), 'etag-mismatch');
        expect(await snapshot(table, ['r1', 'r2'])).toEqual([{ ...entity('r1', { v: 1 }), etag }, null]);
      });

      it('10 writers updating with the same ETag: exactly one wins', async () => {
        const etag = await put(table, entity('r1', { writer: -1 }));
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, writer) => table.submit([update(entity('r1', { writer }), etag)])),
        );
        const won = results.flatMap((r, writer) =>
          r.status === 'fulfilled' ? [{ writer, etag: r.value[0] }] : [],
        );
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(ConcurrencyError);
            expect((r.reason as ConcurrencyError).reason).toBe('etag-mismatch');
          }
        }
        expect(await table.get(PK, 'r1')).toEqual({
          ...entity('r1', { writer: won[0]?.writer ?? -2 }),
          etag: won[0]?.etag,
        });
      });
    });

    describe('transactions', () => {
      it('applies every action and returns the new ETags in order (deletes give "")', async () => {
        const aEtag = await put(table, entity('a', { v: 'a' }));
        const bEtag = await put(table, entity('b', { v: 'b' }));
        await put(table, entity('c'));
        const etags = await table.submit([
          update(entity('a', { v: 'a2' }), aEtag),
          create(entity('d', { v: 'd' })),
          remove('b', bEtag),
          upsert(entity('e', { v: 'e' })),
          remove('c'),
        ]);
        expect(etags).toHaveLength(5);
        expect(etags[2]).toBe('');
        expect(etags[4]).toBe('');
        const [a, b, c, d, e] = await snapshot(table, ['a', 'b', 'c', 'd', 'e']);
        expect(a).toEqual({ ...entity('a', { v: 'a2' }), etag: etags[0] });
        expect(b).toBeNull();
        expect(c).toBeNull();
        expect(d).toEqual({ ...entity('d', { v: 'd' }), etag: etags[1] });
        expect(e).toEqual({ ...entity('e', { v: 'e' }), etag: etags[3] });
      });

      it('is atomic: a create of an existing row in the middle leaves every row unchanged', async () => {
        const aEtag = await put(table, entity('a', { v: 'a' }));
        await put(table, entity('b', { v: 'b' }));
        const cEtag = await put(table, entity('c', { v: 'c' }));
        const before = await snapshot(table, ['a', 'b', 'c', 'd', 'e']);
        await expectConcurrency(
          table.submit([
            update(entity('a', { v: 'a2' }), aEtag),
            create(entity('d', { v: 'd' })),
            create(entity('b', { v: 'b2' })),
            upsert(entity('e', { v: 'e' })),
            remove('c', cEtag),
          ]),
          'already-exists',
        );
        expect(await snapshot(table, ['a', 'b', 'c', 'd', 'e'])).toEqual(before);
      });

      it('is atomic: a stale ETag anywhere fails the whole transaction', async () => {
        const stale = await put(table, entity('a', { v: 1 }));
        const [aEtag] = await table.submit([update(entity('a', { v: 2 }), stale)]);
        const bEtag = await put(table, entity('b', { v: 1 }));
        const before = await snapshot(table, ['a', 'b', 'c']);
        await expectConcurrency(
          table.submit([
            create(entity('c')),
            update(entity('b', { v: 2 }), bEtag),
            update(entity('a', { v: 3 }), stale),
          ]),
          'etag-mismatch',
        );
        await expectConcurrency(
          table.submit([update(entity('b', { v: 2 }), bEtag), remove('a', stale)]),
          'etag-mismatch',
        );
        expect(await snapshot(table, ['a', 'b', 'c'])).toEqual(before);
        expect(before[0]?.etag).toBe(aEtag);
      });

      it('is atomic: an update or delete of a missing row fails the whole transaction', async () => {
        const etag = await put(table, entity('a', { v: 1 }));
        await expectConcurrency(
          table.submit([update(entity('a', { v: 2 }), etag), update(entity('zz'), etag)]),
          'etag-mismatch',
        );
        await expectConcurrency(table.submit([create(entity('b')), remove('zz', etag)]), 'etag-mismatch');
        await expectRequestError(table.submit([create(entity('b')), remove('zz')]), 404);
        expect(await snapshot(table, ['a', 'b', 'zz'])).toEqual([
          { ...entity('a', { v: 1 }), etag },
          null,
          null,
        ]);
      });

      it('rejects malformed transactions (400) without applying anything', async () => {
        const tooMany = Array.from({ length: 101 }, (_, i) =>
          create(entity(`m${String(i).padStart(3, '0')}`)),
        );
        await expectRequestError(table.submit(tooMany), 400);
        await expectRequestError(table.submit([create(entity('x')), upsert(entity('x'))]), 400);
        await expectRequestError(
          table.submit([create(entity('x')), create({ partitionKey: 'other', rowKey: 'y' })]),
          400,
        );
        await expectRequestError(table.submit([]), 400);
        expect(await table.query(PK)).toEqual([]);
        expect(await table.get('other', 'y')).toBeNull();
      });

      it('takes 100 actions', async () => {
        const hundred = Array.from({ length: 100 }, (_, i) =>
          create(entity(`m${String(i).padStart(3, '0')}`)),
        );
        expect(await table.submit(hundred)).toHaveLength(100);
        expect(await table.query(PK)).toHaveLength(100);
      });
    });

    describe('queries', () => {
      it('by RowKey prefix: only those rows of the partition, in RowKey order', async () => {
        await table.submit(
          ['a|2', 'a|10', 'b|1', 'a', 'a}', 'a|~', 'a|1', 'a{'].map((rk) => create(entity(rk, { rk }))),
        );
        await put(table, { partitionKey: 'p2', rowKey: 'a|3' });
        const rows = await table.query(PK, { rowKeyPrefix: 'a|' });
        expect(rows.map((r) => r.rowKey)).toEqual(['a|1', 'a|10', 'a|2', 'a|~']);
        expect(rows[0]).toEqual({ ...entity('a|1', { rk: 'a|1' }), etag: expect.any(String) });
        expect((await table.query(PK)).map((r) => r.rowKey)).toEqual([
          'a',
          'a{',
          'a|1',
          'a|10',
          'a|2',
          'a|~',
          'a}',
          'b|1',
        ]);
        expect(await table.query('nobody')).toEqual([]);
      });

      it('returned rows carry the same ETag as get', async () => {
        const etag = await put(table, entity('r1', { v: 'x' }));
        expect(await table.query(PK)).toEqual([{ ...entity('r1', { v: 'x' }), etag }]);
      });

      it('where: equality on string properties, with the prefix', async () => {
        await table.submit([
          create(entity('r|1', { status: 'open', owner: "o'brien" })),
          create(entity('r|2', { status: 'closed', owner: "o'brien" })),
          create(entity('r|3', { status: 'open', owner: 'smith' })),
          create(entity('s|1', { status: 'open', owner: "o'brien" })),
          create(entity('r|4', { owner: "o'brien" })),
        ]);
        const keys = async (options: Parameters<EntityTable['query']>[1]): Promise<string[]> =>
          (await table.query(PK, options)).map((r) => r.rowKey);
        expect(await keys({ where: { status: 'open' } })).toEqual(['r|1', 'r|3', 's|1']);
        expect(await keys({ rowKeyPrefix: 'r|', where: { status: 'open', owner: "o'brien" } })).toEqual([
          'r|1',
        ]);
        expect(await keys({ where: { status: 'nope' } })).toEqual([]);
      });

      it('limit bounds the result to the first rows in RowKey order', async () => {
        await table.submit(['r5', 'r3', 'r1', 'r4', 'r2', 'r7', 'r6'].map((rk) => create(entity(rk))));
        expect((await table.query(PK, { limit: 3 })).map((r) => r.rowKey)).toEqual(['r1', 'r2', 'r3']);
        expect((await table.query(PK, { rowKeyPrefix: 'r', limit: 1 })).map((r) => r.rowKey)).toEqual(['r1']);
        expect(await table.query(PK, { limit: 0 })).toEqual([]);
      });

      it('rowKeyAfter: only rows after that key, to page on from the last row read', async () => {
        await table.submit(['r1', 'r2', 'r3', 's1', 'r10'].map((rk) => create(entity(rk))));
        const keys = async (options: Parameters<EntityTable['query']>[1]): Promise<string[]> =>
          (await table.query(PK, options)).map((r) => r.rowKey);
        expect(await keys({ rowKeyAfter: 'r10', limit: 2 })).toEqual(['r2', 'r3']);
        expect(await keys({ rowKeyAfter: 'r3' })).toEqual(['s1']);
        expect(await keys({ rowKeyAfter: 'r', rowKeyPrefix: 'r' })).toEqual(['r1', 'r10', 'r2', 'r3']);
        expect(await keys({ rowKeyAfter: 's1' })).toEqual([]);
      });

      it('pages past 1,000 rows, up to the limit', async () => {
        const rowKeys = Array.from({ length: 1050 }, (_, i) => `r${String(i).padStart(4, '0')}`);
        for (let i = 0; i < rowKeys.length; i += 100) {
          await table.submit(rowKeys.slice(i, i + 100).map((rk) => create(entity(rk))));
        }
        const all = await table.query(PK);
        expect(all.map((r) => r.rowKey)).toEqual(rowKeys);
        const some = await table.query(PK, { limit: 1020 });
        expect(some.map((r) => r.rowKey)).toEqual(rowKeys.slice(0, 1020));
      });
    });

    describe('cross-partition look-up by RowKey (findByRowKey)', () => {
      const keysOf = (rows: StoredEntity[]): string[] => rows.map((r) => `${r.partitionKey}/${r.rowKey}`);

      it('finds the RowKey in every partition, in PartitionKey order, within a prefix, up to a limit', async () => {
        const { findByRowKey } = table;
        if (!findByRowKey) throw new Error('this EntityTable has no findByRowKey');
        const find = findByRowKey.bind(table);
        for (const [pk, rk] of [
          ['t|b', "r|o'brien"],
          ['t|a', "r|o'brien"],
          ['t|a', 'r|other'],
          ['t|', "r|o'brien"],
          ['t}', "r|o'brien"],
          ['s|z', "r|o'brien"],
          ['u|c', "r|o'brien2"],
        ] as const) {
          await put(table, { partitionKey: pk, rowKey: rk, pk });
        }
        expect(keysOf(await find("r|o'brien"))).toEqual([
          "s|z/r|o'brien",
          "t|/r|o'brien",
          "t|a/r|o'brien",
          "t|b/r|o'brien",
          "t}/r|o'brien",
        ]);
        const inTenants = await find("r|o'brien", { partitionKeyPrefix: 't|' });
        expect(keysOf(inTenants)).toEqual(["t|/r|o'brien", "t|a/r|o'brien", "t|b/r|o'brien"]);
        expect(inTenants[1]).toEqual({
          partitionKey: 't|a',
          rowKey: "r|o'brien",
          pk: 't|a',
          etag: (await table.get('t|a', "r|o'brien"))?.etag,
        });
        expect(keysOf(await find("r|o'brien", { partitionKeyPrefix: 't|', limit: 2 }))).toEqual([
          "t|/r|o'brien",
          "t|a/r|o'brien",
        ]);
        expect(await find("r|o'brien", { limit: 0 })).toEqual([]);
        expect(await find('r|nobody')).toEqual([]);
        expect(await find("r|o'brien", { partitionKeyPrefix: 'v|' })).toEqual([]);
      });
    });

    describe('cross-partition look-up by RowKey prefix (findByRowKeyPrefix)', () => {
      const keysOf = (rows: StoredEntity[]): string[] => rows.map((r) => `${r.partitionKey}/${r.rowKey}`);

      it('finds rows with the prefix in every partition, in PartitionKey then RowKey order, up to a limit', async () => {
        const { findByRowKeyPrefix } = table;
        if (!findByRowKeyPrefix) throw new Error('this EntityTable has no findByRowKeyPrefix');
        const find = findByRowKeyPrefix.bind(table);
        for (const [pk, rk] of [
          ['f|b', 'o|2'],
          ['f|b', 'o|1'],
          ['f|a', 'o|9'],
          ['f|a', 'r|1'],
          ['f|c', 'o'],
          ['f|c', 'o}'],
          ['f|c', 'p|1'],
          ['e', "o|it's"],
          ['tokens|ab', 'o$7C1'],
        ] as const) {
          await put(table, { partitionKey: pk, rowKey: rk, pk });
        }
        expect(keysOf(await find('o|'))).toEqual(["e/o|it's", 'f|a/o|9', 'f|b/o|1', 'f|b/o|2']);
        expect(await find('o|f')).toEqual([]);
        expect(await find("o|it'")).toEqual([
          { partitionKey: 'e', rowKey: "o|it's", pk: 'e', etag: (await table.get('e', "o|it's"))?.etag },
        ]);
        expect(keysOf(await find('o|', { limit: 2 }))).toEqual(["e/o|it's", 'f|a/o|9']);
        expect(await find('o|', { limit: 0 })).toEqual([]);
        expect(await find('z|')).toEqual([]);
      });

      it('pages past 1,000 rows across partitions, up to the limit', async () => {
        const { findByRowKeyPrefix } = table;
        if (!findByRowKeyPrefix) throw new Error('this EntityTable has no findByRowKeyPrefix');
        for (let p = 0; p < 11; p++) {
          await table.submit(
            Array.from({ length: 100 }, (_, i) =>
              create({
                partitionKey: `p${String(p).padStart(2, '0')}`,
                rowKey: `o|${String(i).padStart(3, '0')}`,
              }),
            ),
          );
        }
        await put(table, { partitionKey: 'p00', rowKey: 'x|1' });
        expect(await findByRowKeyPrefix.call(table, 'o|')).toHaveLength(1100);
        const some = await findByRowKeyPrefix.call(table, 'o|', { limit: 1010 });
        expect(some).toHaveLength(1010);
        expect(keysOf(some.slice(-2))).toEqual(['p10/o|008', 'p10/o|009']);
      });

      it('with select, only the keys, the ETag and the selected properties come back', async () => {
        const { findByRowKeyPrefix } = table;
        if (!findByRowKeyPrefix) throw new Error('this EntityTable has no findByRowKeyPrefix');
        const etag = await put(table, {
          partitionKey: 't|a',
          rowKey: 'r|1',
          status: 'paused',
          rolloutId: 'ro-1',
          doc0: 'x'.repeat(1000),
          count: 3,
        });
        await put(table, { partitionKey: 't|b', rowKey: 'r|2', rolloutId: 'ro-2' });
        const rows = await findByRowKeyPrefix.call(table, 'r|', {
          select: ['status', 'rolloutId', 'absent'],
        });
        expect(rows).toEqual([
          { partitionKey: 't|a', rowKey: 'r|1', etag, status: 'paused', rolloutId: 'ro-1' },
          {
            partitionKey: 't|b',
            rowKey: 'r|2',
            etag: (await table.get('t|b', 'r|2'))?.etag,
            rolloutId: 'ro-2',
          },
        ]);
        expect(await findByRowKeyPrefix.call(table, 'r|', { select: [], limit: 1 })).toEqual([
          { partitionKey: 't|a', rowKey: 'r|1', etag },
        ]);
      });

      it('with rowKeyBefore, only the rows whose RowKey sorts before it (a range within the prefix)', async () => {
        const { findByRowKeyPrefix } = table;
        if (!findByRowKeyPrefix) throw new Error('this EntityTable has no findByRowKeyPrefix');
        for (const [pk, rk] of [
          ['t|a', 'md|2026-02-01T00:00:00.000Z|aa'],
          ['t|a', 'md|2026-02-03T00:00:00.000Z|bb'],
          ['t|b', 'md|2026-02-02T23:59:59.999Z|cc'],
          ['t|b', 'md|2026-02-02T23:59:59.999Z|dd'],
          ['t|b', 'mc|2026-01-01'],
          ['t|c', 'm|ee'],
        ] as const) {
          await put(table, { partitionKey: pk, rowKey: rk });
        }
        const find = (before: string, limit?: number) =>
          findByRowKeyPrefix.call(table, 'md|', {
            rowKeyBefore: before,
            ...(limit === undefined ? {} : { limit }),
          });
        expect(keysOf(await find('md|2026-02-03T00:00:00.000Z'))).toEqual([
          't|a/md|2026-02-01T00:00:00.000Z|aa',
          't|b/md|2026-02-02T23:59:59.999Z|cc',
          't|b/md|2026-02-02T23:59:59.999Z|dd',
        ]);
        expect(keysOf(await find('md|2026-02-03T00:00:00.000Z', 2))).toHaveLength(2);
        expect(await find('md|2026-02-01T00:00:00.000Z')).toEqual([]);
        expect(await find('md|')).toEqual([]);
        expect(keysOf(await find('me'))).toHaveLength(4);
      });
    });

    describe('keys and values', () => {
      const nastyIds = [
        'a/b',
        'back\\slash',
        'hash#tag',
        'what?',
        '100%',
        "it's",
        'pipe|separated',
        'tilde~',
        'dollar$',
        'ctrl\u0000\u0001\u001f\u007f\u0085\u009f',
        'tab\there\r\nnewline',
        'ünïcødé 日本語 😀',
        ' spaced out ',
        '29:1a-Bc_dE.fG+hI=',
        'a:b@c.d!*()',
      ];

      it.each(nastyIds.map((id) => [JSON.stringify(id), id]))(
        'id %s round-trips through encodeKey and is a valid key',
        async (_name, id) => {
          const key = encodeKey(id);
          expect(decodeKey(key)).toBe(id);
          expect(key).toMatch(/^[A-Za-z0-9._$-]*$/);
          const pk = `t|${encodeKey(id)}`;
          const etag = await put(table, { partitionKey: pk, rowKey: `r|${key}`, id });
          expect(await table.get(pk, `r|${key}`)).toEqual({ partitionKey: pk, rowKey: `r|${key}`, id, etag });
          expect((await table.query(pk, { rowKeyPrefix: 'r|' })).map((r) => r.id)).toEqual([id]);
        },
      );

      it('keys with forbidden characters or over 512 characters are rejected (400)', async () => {
        for (const rowKey of ['a/b', 'a\\b', 'a#b', 'a?b', 'a\u0001b', 'k'.repeat(513)]) {
          await expectRequestError(table.submit([create(entity(rowKey))]), 400);
        }
        await put(table, entity('k'.repeat(512)));
        expect((await table.query(PK)).map((r) => r.rowKey.length)).toEqual([512]);
      });

      it(`a string property of ${MAX_STRING_PROPERTY_CHARS} characters is stored; one more is rejected (400)`, async () => {
        const max = 'x'.repeat(MAX_STRING_PROPERTY_CHARS);
        const etag = await put(table, entity('max', { doc: max }));
        expect(await table.get(PK, 'max')).toEqual({ ...entity('max', { doc: max }), etag });
        await expectRequestError(table.submit([create(entity('over', { doc: `${max}x` }))]), 400);
        // UTF-16 code units count: 16K emoji are 32K units.
        const emoji = '😀'.repeat(MAX_STRING_PROPERTY_CHARS / 2);
        await put(table, entity('emoji', { doc: emoji }));
        await expectRequestError(table.submit([create(entity('emoji2', { doc: `${emoji}x` }))]), 400);
        expect(await table.get(PK, 'over')).toBeNull();
        expect(await table.get(PK, 'emoji2')).toBeNull();
      });

      it('non-ASCII text in entities over 64 KiB round-trips exactly, single and in a transaction', async () => {
        // Multi-byte characters (2, 3 and 4 bytes in UTF-8) all along 32K-character properties,
        // so some straddle any chunk boundary of the request body; no surrogate pair is cut.
        const text = (prefix: string): string =>
          `${prefix}${'é日😀ß'.repeat(Math.floor((MAX_STRING_PROPERTY_CHARS - prefix.length) / 5))}`.padEnd(
            MAX_STRING_PROPERTY_CHARS,
            '.',
          );
        const row = entity('big', { a: text(''), b: text('x'), c: 'Zoë' });
        const etag = await put(table, row);
        expect(await table.get(PK, 'big')).toEqual({ ...row, etag });
        const [next] = await table.submit([update(entity('big', { a: text('yy') }), etag)]);
        expect(await table.get(PK, 'big')).toEqual({ ...entity('big', { a: text('yy') }), etag: next });
        const etags = await table.submit([
          update(entity('big', { a: text('zzz'), b: text('') }), next ?? ''),
          create(entity('big2', { a: text('q'), b: text('qq') })),
        ]);
        expect(await snapshot(table, ['big', 'big2'])).toEqual([
          { ...entity('big', { a: text('zzz'), b: text('') }), etag: etags[0] },
          { ...entity('big2', { a: text('q'), b: text('qq') }), etag: etags[1] },
        ]);
      });
    });
  });
};
