import type { AuditEntry, RolloutRepository } from '../../src/app/ports';
import { AUDIT_KINDS, type DomainEventType } from '../../src/domain/events';
import type { EntityTable } from '../../src/storage/entity-table';
import {
  AUDIT_SCAN_ROWS,
  InvalidCursorError,
  TableRolloutRepository,
} from '../../src/storage/rollout-repository';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const ROLLOUT = 'ro-audit';
const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const KINDS: DomainEventType[] = ['rollout-paused', 'checklist-ticked', 'phase-advanced'];
const PEOPLE = [
  { id: 'p-0', name: 'Ada' },
  { id: 'p-1', name: 'Bo' },
  { id: 'p-2', name: 'Cy' },
  { id: 'p-3', name: 'Di' },
];

/** Entry `i` of the log: one second after entry i - 1, kinds and people in turn. */
const entry = (i: number, rolloutId: string | null = ROLLOUT): AuditEntry => ({
  rolloutId,
  type: KINDS[i % KINDS.length] ?? 'rollout-paused',
  by: PEOPLE[i % PEOPLE.length] ?? { id: 'p-0', name: 'Ada' },
  at: new Date(T0 + i * 1000).toISOString(),
  summary: `entry ${i}`,
  from: null,
  to: null,
  reason: null,
  before: null,
  after: null,
});

const append = async (repo: RolloutRepository, entries: AuditEntry[]): Promise<void> => {
  for (let i = 0; i < entries.length; i += 100) await repo.appendAudit(TENANT, entries.slice(i, i + 100));
};

type Page = Parameters<RolloutRepository['auditPage']>[2];

/** Every page from the first, in order (bounded: a cursor that does not move would loop). */
const allPages = async (repo: RolloutRepository, page: Omit<Page, 'cursor'>): Promise<AuditEntry[][]> => {
  const pages: AuditEntry[][] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 100; n++) {
    const result = await repo.auditPage(TENANT, ROLLOUT, { ...page, cursor });
    pages.push(result.entries);
    if (result.next === null) return pages;
    expect(result.next).not.toBe(cursor);
    cursor = result.next;
  }
  throw new Error('paging did not end');
};

const summaries = (entries: AuditEntry[]): string[] => entries.map((e) => e.summary);
/** Summaries of entries 0..n-1 that pass `keep`, newest first. */
const newestFirst = (n: number, keep: (i: number) => boolean = () => true): string[] =>
  Array.from({ length: n }, (_, i) => n - 1 - i)
    .filter(keep)
    .map((i) => `entry ${i}`);

/** RolloutRepository.auditPage, the same on the in-memory table and on Azurite. */
export const describeAuditPageContract = (label: string, makeTable: () => Promise<EntityTable>): void => {
  describe(`audit pages (${label})`, () => {
    let repo: TableRolloutRepository;
    beforeEach(async () => {
      repo = new TableRolloutRepository(await makeTable());
    });

    describe('with 250 entries and others beside them', () => {
      beforeEach(async () => {
        await append(
          repo,
          Array.from({ length: 250 }, (_, i) => entry(i)),
        );
        // Another rollout's and the tenant's audit share the partition: never on this rollout's pages.
        await append(repo, [entry(1000, 'ro-audit2'), entry(1001, 'ro-audi'), entry(1002, null)]);
      });

      it('pages of 50 return each entry once, newest first, and the last page ends it', async () => {
        const pages = await allPages(repo, { limit: 50 });
        expect(pages.map((p) => p.length)).toEqual([50, 50, 50, 50, 50]);
        expect(summaries(pages.flat())).toEqual(newestFirst(250));
        expect(pages.flat()[0]).toEqual(entry(249));
      });

      it('a page of 100 is the most; outside 1..100 the limit is refused', async () => {
        const { entries, next } = await repo.auditPage(TENANT, ROLLOUT, { limit: 100 });
        expect(summaries(entries)).toEqual(newestFirst(250).slice(0, 100));
        expect(next).toEqual(expect.any(String));
        for (const limit of [0, 101, -1, 2.5, Number.NaN]) {
          const err = await rejection(repo.auditPage(TENANT, ROLLOUT, { limit }));
          expect(err).toBeInstanceOf(RangeError);
        }
      });

      it('by kind: only that kind, every one of them once', async () => {
        const pages = await allPages(repo, { limit: 30, kind: 'checklist-ticked' });
        expect(summaries(pages.flat())).toEqual(newestFirst(250, (i) => i % 3 === 1));
        expect(pages.flat().every((e) => e.type === 'checklist-ticked')).toBe(true);
        expect(pages.slice(0, -1).every((p) => p.length === 30)).toBe(true);
      });

      it('by person: only that person’s, every one of them once', async () => {
        const pages = await allPages(repo, { limit: 25, personId: 'p-2' });
        expect(summaries(pages.flat())).toEqual(newestFirst(250, (i) => i % 4 === 2));
        expect(pages[0]?.[0]?.by).toEqual({ id: 'p-2', name: 'Cy' });
      });

      it('by kind and person: both must match', async () => {
        const pages = await allPages(repo, { limit: 7, kind: 'phase-advanced', personId: 'p-1' });
        const want = newestFirst(250, (i) => i % 3 === 2 && i % 4 === 1);
        expect(want.length).toBeGreaterThan(14);
        expect(summaries(pages.flat())).toEqual(want);
      });

      it('a filter that matches exactly one page ends without an empty page after it', async () => {
        const want = newestFirst(250, (i) => i % 3 === 0 && i % 4 === 0);
        const { entries, next } = await repo.auditPage(TENANT, ROLLOUT, {
          limit: want.length,
          kind: 'rollout-paused',
          personId: 'p-0',
        });
        expect(summaries(entries)).toEqual(want);
        expect(next).toBeNull();
      });

      it('a kind or person with no entries is an empty last page', async () => {
        expect(await repo.auditPage(TENANT, ROLLOUT, { limit: 10, kind: 'rollout-closed' })).toEqual({
          entries: [],
          next: null,
        });
        expect(await repo.auditPage(TENANT, ROLLOUT, { limit: 10, personId: 'nobody' })).toEqual({
          entries: [],
          next: null,
        });
        expect(await repo.auditPage(TENANT, 'ro-none', { limit: 10 })).toEqual({ entries: [], next: null });
      });

      it('refuses a cursor that is not one of this rollout’s audit (InvalidCursorError)', async () => {
        const mine = await repo.auditPage(TENANT, ROLLOUT, { limit: 1 });
        const key = Buffer.from(mine.next ?? '', 'base64url').toString('utf8');
        expect(key.startsWith('a|ro-audit|')).toBe(true);
        const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
        const bad = [
          'not base64!',
          '',
          b64('r|ro-audit'),
          b64('a|ro-audit|'),
          b64('a|ro-audit|1|2|3'),
          b64(key.replace('a|ro-audit|', 'a|-|')), // the tenant-level audit
          b64(key.replace('a|ro-audit|', 'a|ro-audit2|')), // another rollout of the tenant
          b64(`${key}x`),
        ];
        for (const cursor of bad.filter((c) => c !== '')) {
          const err = await rejection(repo.auditPage(TENANT, ROLLOUT, { limit: 10, cursor }));
          expect(err).toBeInstanceOf(InvalidCursorError);
          expect((err as Error).name).toBe('InvalidCursorError');
        }
        // An empty cursor is no cursor: the first page. A good one goes on.
        expect(summaries((await repo.auditPage(TENANT, ROLLOUT, { limit: 1, cursor: '' })).entries)).toEqual([
          'entry 249',
        ]);
        const second = await repo.auditPage(TENANT, ROLLOUT, { limit: 1, cursor: mine.next });
        expect(summaries(second.entries)).toEqual(['entry 248']);
      });

      it('an entry written while paging is not on the older pages, and nothing is repeated', async () => {
        const first = await repo.auditPage(TENANT, ROLLOUT, { limit: 50, kind: 'checklist-ticked' });
        await append(repo, [entry(400)]);
        const second = await repo.auditPage(TENANT, ROLLOUT, {
          limit: 50,
          kind: 'checklist-ticked',
          cursor: first.next,
        });
        const seen = [...summaries(first.entries), ...summaries(second.entries)];
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(newestFirst(250, (i) => i % 3 === 1).slice(0, 83));
      });
    });

    it(`a filtered page scans at most ${AUDIT_SCAN_ROWS} rows a call and gives a cursor to go on`, async () => {
      // One match at the oldest end, under AUDIT_SCAN_ROWS + 50 others.
      const n = AUDIT_SCAN_ROWS + 50;
      const entries = Array.from({ length: n }, (_, i) => ({
        ...entry(i),
        type: (i === 0 ? 'rollout-closed' : 'rollout-paused') as DomainEventType,
      }));
      await append(repo, entries);
      const first = await repo.auditPage(TENANT, ROLLOUT, { limit: 10, kind: 'rollout-closed' });
      expect(first.entries).toEqual([]);
      expect(first.next).toEqual(expect.any(String));
      const second = await repo.auditPage(TENANT, ROLLOUT, {
        limit: 10,
        kind: 'rollout-closed',
        cursor: first.next,
      });
      expect(summaries(second.entries)).toEqual(['entry 0']);
      expect(second.next).toBeNull();
    });

    it('AUDIT_KINDS lists every kind once', () => {
      expect(new Set(AUDIT_KINDS).size).toBe(AUDIT_KINDS.length);
      expect(AUDIT_KINDS).toEqual(expect.arrayContaining(KINDS));
    });
  });
};
