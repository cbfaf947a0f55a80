import { ConcurrencyError, TooLargeError } from '../../src/app/errors';
import type { AuditEntry, SignoffNotice, SignoffRepository, Stored } from '../../src/app/ports';
import type { SignoffAnswer, SignoffRequest } from '../../src/domain/signoff';
import type { Person } from '../../src/domain/roles';
import type { EntityTable } from '../../src/storage/entity-table';
import { TableSignoffRepository } from '../../src/storage/signoff-repository';
import { ADMIN, NOW } from '../domain/fixtures';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const ROLLOUT = 'ro-test';
const REQUEST = 'sr-1';
const at = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString();

const member = (n: number): Person => ({
  id: `cccccccc-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `Member ${n}`,
});

const aRequest = (overrides: Partial<SignoffRequest> = {}): SignoffRequest => ({
  id: REQUEST,
  tenantId: TENANT,
  rolloutId: ROLLOUT,
  stageId: 'enterprise',
  stageLabel: 'Enterprise rollout',
  policy: { kind: 'quorum', n: 2 },
  allowNotReady: false,
  members: [member(1).id, member(2).id, member(3).id],
  deadline: at(86_400),
  fingerprint: JSON.stringify({ timeFrame: null, targetGroups: ['Sales'] }),
  status: 'open',
  supersededBy: null,
  createdBy: ADMIN,
  createdAt: at(0),
  postedTo: null,
  messageId: null,
  ...overrides,
});

const anAnswer = (who: Person, ready: boolean, time = 1, reason: string | null = null): SignoffAnswer => ({
  person: who,
  ready,
  reason: ready ? null : (reason ?? 'Knowledge base articles are not published yet'),
  at: at(time),
  activities: [`act-${who.id}-${time}`],
});

const anAudit = (
  summary: string,
  time = 1,
  type: AuditEntry['type'] = 'signoff-answered',
  rolloutId = ROLLOUT,
): AuditEntry => ({
  rolloutId,
  type,
  by: ADMIN,
  at: at(time),
  summary,
  from: null,
  to: null,
  reason: null,
  before: null,
  after: null,
});

const aNotice = (request: SignoffRequest, who: Person, id = 'n-1'): SignoffNotice => ({
  id,
  tenantId: request.tenantId,
  kind: 'signoff-not-ready',
  rolloutId: request.rolloutId,
  requestId: request.id,
  personId: who.id,
  createdAt: at(1),
});

/** The sign-off repository's behaviour, the same on the in-memory table and on Azurite. */
export const describeSignoffRepositoryContract = (
  label: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`signoff repository contract (${label})`, () => {
    let repo: SignoffRepository;
    beforeEach(async () => {
      repo = new TableSignoffRepository(await makeTable());
    });

    /** Writes `answer` over `before` (the stored answer, or null to create). */
    const write = (
      request: SignoffRequest,
      before: Stored<SignoffAnswer> | null,
      answer: SignoffAnswer,
      { notice = null, summary = 'answered' }: { notice?: SignoffNotice | null; summary?: string } = {},
    ): Promise<void> =>
      repo.answer(request.tenantId, {
        request,
        answer,
        ifMatch: before?.etag ?? null,
        audit: { ...anAudit(summary, 0, 'signoff-answered', request.rolloutId), at: answer.at },
        notice,
      });

    const answerOf = (request: SignoffRequest, who: Person) =>
      repo.getAnswer(request.tenantId, request.rolloutId, request.id, who.id);

    const summaries = async (request: SignoffRequest, limit = 100): Promise<string[]> =>
      (await repo.audit(request.tenantId, request.rolloutId, request.id, limit)).map((e) => e.summary);

    describe('requests', () => {
      it('create then get round-trips the request with its ETag, no answers, and lists it as open', async () => {
        const request = aRequest({
          stageLabel: 'Enterprise — wave “1” ünïcødé 日本語 😀 \\ back',
          postedTo: {
            conversationId: '19:abc@thread.tacv2',
            conversationType: 'channel',
            serviceUrl: 'https://x',
          },
          messageId: '1712345',
        });
        const created = await repo.create(request);
        expect(created.value).toEqual(request);
        expect(created.etag).toEqual(expect.any(String));
        expect(created.etag).not.toBe('');
        expect(await repo.get(TENANT, ROLLOUT, REQUEST)).toEqual({ request: created, answers: [] });
        expect(await repo.openRequests(10)).toEqual([
          { tenantId: TENANT, rolloutId: ROLLOUT, requestId: REQUEST },
        ]);
      });

      it('get of an unknown request is null, whatever else is stored', async () => {
        await repo.create(aRequest());
        expect(await repo.get(TENANT, ROLLOUT, 'sr-unknown')).toBeNull();
        expect(await repo.get(TENANT, 'ro-other', REQUEST)).toBeNull();
        expect(await repo.get('other-tenant', ROLLOUT, REQUEST)).toBeNull();
        expect(await repo.getAnswer(TENANT, ROLLOUT, 'sr-unknown', member(1).id)).toBeNull();
        expect(await repo.audit(TENANT, ROLLOUT, 'sr-unknown', 10)).toEqual([]);
      });

      it('creating an existing request fails with already-exists and changes nothing', async () => {
        const created = await repo.create(aRequest());
        const err = await rejection(repo.create(aRequest({ stageLabel: 'second', status: 'open' })));
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('already-exists');
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request).toEqual(created);
        expect(await repo.openRequests(10)).toHaveLength(1);
      });

      it('a request created superseded is not listed as open', async () => {
        await repo.create(aRequest({ status: 'superseded', supersededBy: 'sr-2' }));
        expect(await repo.openRequests(10)).toEqual([]);
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request.value.status).toBe('superseded');
      });

      it('refuses a request over the property limit with TooLargeError and writes nothing', async () => {
        const huge = aRequest({ stageLabel: 'x'.repeat(40_000) });
        expect(await rejection(repo.create(huge))).toBeInstanceOf(TooLargeError);
        expect(await repo.get(TENANT, ROLLOUT, REQUEST)).toBeNull();
        expect(await repo.openRequests(10)).toEqual([]);
      });

      it('an update with the current ETag replaces the request, with its audit line; extending keeps it open', async () => {
        const created = await repo.create(aRequest());
        const extended = aRequest({ deadline: at(2 * 86_400), messageId: 'm-1' });
        const updated = await repo.update(extended, created.etag, anAudit('Extended', 5, 'signoff-extended'));
        expect(updated.value).toEqual(extended);
        expect(updated.etag).not.toBe(created.etag);
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request).toEqual(updated);
        expect(await repo.audit(TENANT, ROLLOUT, REQUEST, 10)).toEqual([
          anAudit('Extended', 5, 'signoff-extended'),
        ]);
        expect(await repo.openRequests(10)).toEqual([
          { tenantId: TENANT, rolloutId: ROLLOUT, requestId: REQUEST },
        ]);
        // Without an audit line (e.g. the posted message id).
        const posted = await repo.update({ ...extended, messageId: 'm-2' }, updated.etag, null);
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request).toEqual(posted);
        expect(await summaries(extended)).toEqual(['Extended']);
      });

      it('an update to superseded removes the request from the open requests', async () => {
        const other = aRequest({ id: 'sr-0' });
        await repo.create(other);
        const created = await repo.create(aRequest());
        expect(await repo.openRequests(10)).toHaveLength(2);
        const superseded = aRequest({ status: 'superseded', supersededBy: 'sr-2' });
        await repo.update(superseded, created.etag, anAudit('Superseded', 5, 'signoff-superseded'));
        expect(await repo.openRequests(10)).toEqual([
          { tenantId: TENANT, rolloutId: ROLLOUT, requestId: 'sr-0' },
        ]);
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request.value).toEqual(superseded);
        expect(await summaries(superseded)).toEqual(['Superseded']);
        // Once more (its index row is already gone): no error.
        const again = await repo.get(TENANT, ROLLOUT, REQUEST);
        await repo.update({ ...superseded, messageId: 'm-9' }, again?.request.etag ?? '', null);
        expect(await repo.openRequests(10)).toHaveLength(1);
      });

      it('closing at the deadline keeps the outcome and leaves the open requests; reopening lists it again', async () => {
        const created = await repo.create(aRequest());
        const closed = aRequest({
          status: 'closed',
          closedAt: at(86_400),
          metAtClose: false,
          closeReason: '0 ready, 2 needed.',
          closeTally: '0 ready · 0 not ready · 3 not answered',
        });
        const stored = await repo.update(closed, created.etag, anAudit('Closed', 5, 'signoff-closed'));
        expect(await repo.openRequests(10)).toEqual([]);
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request.value).toEqual(closed);
        // A second close on the ETag it was closed from is refused: one close, one audit line.
        const err = await rejection(
          repo.update(closed, created.etag, anAudit('Closed again', 6, 'signoff-closed')),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect(await summaries(closed)).toEqual(['Closed']);
        const reopened = aRequest({
          deadline: at(2 * 86_400),
          closedAt: null,
          metAtClose: null,
          closeReason: null,
          closeTally: null,
          extensions: 1,
          extendedAt: at(90_000),
        });
        await repo.update(reopened, stored.etag, anAudit('Extended', 7, 'signoff-extended'));
        expect(await repo.openRequests(10)).toEqual([
          { tenantId: TENANT, rolloutId: ROLLOUT, requestId: REQUEST },
        ]);
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request.value).toEqual(reopened);
      });

      it('an update on a stale ETag fails with etag-mismatch and writes nothing', async () => {
        const created = await repo.create(aRequest());
        const current = await repo.update(aRequest({ messageId: 'm-1' }), created.etag, null);
        const err = await rejection(
          repo.update(
            aRequest({ status: 'superseded', supersededBy: 'sr-2' }),
            created.etag,
            anAudit('lost', 5, 'signoff-superseded'),
          ),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('etag-mismatch');
        expect((await repo.get(TENANT, ROLLOUT, REQUEST))?.request).toEqual(current);
        expect(await summaries(aRequest())).toEqual([]);
        expect(await repo.openRequests(10)).toHaveLength(1);
        // An update of a request that does not exist is a lost race too.
        expect(await rejection(repo.update(aRequest({ id: 'sr-gone' }), created.etag, null))).toBeInstanceOf(
          ConcurrencyError,
        );
        expect(await repo.get(TENANT, ROLLOUT, 'sr-gone')).toBeNull();
      });

      it('open requests are bounded by the limit', async () => {
        for (const id of ['sr-a', 'sr-b', 'sr-c']) await repo.create(aRequest({ id }));
        expect(await repo.openRequests(2)).toHaveLength(2);
        expect(await repo.openRequests(0)).toEqual([]);
        expect((await repo.openRequests(10)).map((r) => r.requestId).sort()).toEqual([
          'sr-a',
          'sr-b',
          'sr-c',
        ]);
      });
    });

    describe('answers', () => {
      it('create, then update with the right ETag; get returns every standing answer', async () => {
        const request = aRequest();
        await repo.create(request);
        const first = anAnswer(member(1), false, 1, 'No runbook yet');
        await write(request, null, first);
        const stored = await answerOf(request, member(1));
        expect(stored).toEqual({ value: first, etag: expect.any(String) });
        const changed = { ...anAnswer(member(1), true, 2), activities: [...first.activities, 'act-2'] };
        await write(request, stored, changed);
        const after = await answerOf(request, member(1));
        expect(after?.value).toEqual(changed);
        expect(after?.etag).not.toBe(stored?.etag);
        const second = anAnswer(member(2), true, 3);
        await write(request, null, second);
        const state = await repo.get(TENANT, ROLLOUT, REQUEST);
        expect(state?.answers).toHaveLength(2);
        expect(state?.answers).toEqual(expect.arrayContaining([changed, second]));
        expect(await answerOf(request, member(3))).toBeNull();
      });

      it('a stale ETag fails with etag-mismatch and writes nothing: no answer, no audit line, no notice', async () => {
        const request = aRequest();
        await repo.create(request);
        await write(request, null, anAnswer(member(1), true, 1), { summary: 'first' });
        const first = await answerOf(request, member(1));
        await write(request, first, anAnswer(member(1), true, 2), { summary: 'second' });
        const current = await answerOf(request, member(1));
        const lost = anAnswer(member(1), false, 3);
        const err = await rejection(
          write(request, first, lost, { notice: aNotice(request, member(1)), summary: 'lost' }),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('etag-mismatch');
        expect(await answerOf(request, member(1))).toEqual(current);
        expect(await summaries(request)).toEqual(['second', 'first']);
        expect(await repo.pendingNotices(10)).toEqual([]);
      });

      it('creating an answer that exists fails with already-exists and writes nothing', async () => {
        const request = aRequest();
        await repo.create(request);
        await write(request, null, anAnswer(member(1), true, 1), { summary: 'first' });
        const current = await answerOf(request, member(1));
        const err = await rejection(
          write(request, null, anAnswer(member(1), false, 2), {
            notice: aNotice(request, member(1)),
            summary: 'duplicate',
          }),
        );
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as ConcurrencyError).reason).toBe('already-exists');
        expect(await answerOf(request, member(1))).toEqual(current);
        expect(await summaries(request)).toEqual(['first']);
        expect(await repo.pendingNotices(10)).toEqual([]);
      });

      it('the audit line is written with the answer, newest first, bounded by the limit', async () => {
        const request = aRequest();
        await repo.create(request);
        let stored: Stored<SignoffAnswer> | null = null;
        for (let i = 1; i <= 4; i++) {
          await write(request, stored, anAnswer(member(1), i % 2 === 0, i), { summary: `answer ${i}` });
          stored = await answerOf(request, member(1));
        }
        // Same millisecond: the later commit still comes first.
        await write(request, null, anAnswer(member(2), true, 4), { summary: 'answer 5' });
        expect(await summaries(request)).toEqual([
          'answer 5',
          'answer 4',
          'answer 3',
          'answer 2',
          'answer 1',
        ]);
        expect(await summaries(request, 2)).toEqual(['answer 5', 'answer 4']);
        expect(await repo.audit(TENANT, ROLLOUT, REQUEST, 0)).toEqual([]);
        const [latest] = await repo.audit(TENANT, ROLLOUT, REQUEST, 1);
        expect(latest).toEqual(anAudit('answer 5', 4));
        // Another request's audit is its own.
        expect(await repo.audit(TENANT, ROLLOUT, 'sr-other', 10)).toEqual([]);
      });

      it('40 members answering at once each write their own row and audit line, without conflicts', async () => {
        const members = Array.from({ length: 40 }, (_, i) => member(i + 1));
        const request = aRequest({ members: members.map((m) => m.id), policy: { kind: 'everyone' } });
        await repo.create(request);
        const answers = members.map((m, i) => anAnswer(m, i % 3 !== 0, 1));
        const results = await Promise.allSettled(
          answers.map((a, i) => write(request, null, a, { summary: `answer ${i}` })),
        );
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const state = await repo.get(TENANT, ROLLOUT, REQUEST);
        expect(state?.answers).toHaveLength(40);
        expect([...(state?.answers ?? [])].sort((a, b) => a.person.id.localeCompare(b.person.id))).toEqual(
          answers,
        );
        const audit = await summaries(request);
        expect(audit).toHaveLength(40);
        expect([...audit].sort()).toEqual(answers.map((_, i) => `answer ${i}`).sort());
      });

      it('refuses an answer for another tenant than the request’s, and a notice about another answer', async () => {
        const request = aRequest();
        await repo.create(request);
        await expect(
          repo.answer('other-tenant', {
            request,
            answer: anAnswer(member(1), true),
            ifMatch: null,
            audit: anAudit('x'),
            notice: null,
          }),
        ).rejects.toThrow(/another tenant/);
        for (const notice of [
          aNotice(aRequest({ id: 'sr-other' }), member(1)),
          aNotice(aRequest({ rolloutId: 'ro-other' }), member(1)),
          aNotice(aRequest({ tenantId: 'other-tenant' }), member(1)),
          aNotice(request, member(2)),
        ]) {
          await expect(write(request, null, anAnswer(member(1), false), { notice })).rejects.toThrow(
            /not about the answer/,
          );
        }
        expect(await answerOf(request, member(1))).toBeNull();
        expect(await summaries(request)).toEqual([]);
        expect(await repo.pendingNotices(10)).toEqual([]);
      });

      it('refuses an answer over the property limit with TooLargeError and writes nothing', async () => {
        const request = aRequest();
        await repo.create(request);
        const huge = anAnswer(member(1), false, 1, 'y'.repeat(40_000));
        expect(await rejection(write(request, null, huge))).toBeInstanceOf(TooLargeError);
        expect(await answerOf(request, member(1))).toBeNull();
        expect(await summaries(request)).toEqual([]);
      });
    });

    describe('notices (the outbox)', () => {
      it('a notice written with the answer is pending until cleared; clearing twice is fine', async () => {
        const request = aRequest();
        await repo.create(request);
        const notice = aNotice(request, member(1));
        await write(request, null, anAnswer(member(1), false), { notice });
        expect(await repo.pendingNotices(10)).toEqual([notice]);
        await repo.clearNotice(notice);
        expect(await repo.pendingNotices(10)).toEqual([]);
        await expect(repo.clearNotice(notice)).resolves.toBeUndefined();
        // A notice of a request that never existed: nothing to clear, no error.
        await expect(
          repo.clearNotice(aNotice(aRequest({ id: 'sr-none' }), member(1), 'n-none')),
        ).resolves.toBeUndefined();
        expect((await answerOf(request, member(1)))?.value).toEqual(anAnswer(member(1), false));
      });

      it('finds notices of every request, up to the limit', async () => {
        const r1 = aRequest();
        const r2 = aRequest({ id: 'sr-2', tenantId: 'tenant-2' });
        await repo.create(r1);
        await repo.create(r2);
        await write(r1, null, anAnswer(member(1), false), { notice: aNotice(r1, member(1), 'n-1') });
        await write(r1, null, anAnswer(member(2), false), { notice: aNotice(r1, member(2), 'n/2?') });
        await write(r2, null, anAnswer(member(1), false), { notice: aNotice(r2, member(1), 'n-3') });
        expect((await repo.pendingNotices(10)).map((n) => n.id).sort()).toEqual(['n-1', 'n-3', 'n/2?']);
        expect(await repo.pendingNotices(2)).toHaveLength(2);
        expect(await repo.pendingNotices(0)).toEqual([]);
        await repo.clearNotice(aNotice(r1, member(2), 'n/2?'));
        await repo.clearNotice(aNotice(r2, member(1), 'n-3'));
        expect(await repo.pendingNotices(10)).toEqual([aNotice(r1, member(1), 'n-1')]);
      });
    });

    describe('keys', () => {
      it('ids with characters keys forbid, quotes and unicode round-trip and stay apart', async () => {
        const tenantId = 'tenant/with\\odd#chars?';
        const rolloutId = `ro/'1'"#?`;
        const requestId = 'sr\\日本語 😀/"x"#?|$';
        const who: Person = { id: `person/'q'"#?\\ ünï|$`, name: 'Zoë “Quote” O’Brien' };
        const request = aRequest({ tenantId, rolloutId, id: requestId, members: [who.id] });
        const created = await repo.create(request);
        const notice = aNotice(request, who, 'n/"odd"#?');
        await write(request, null, anAnswer(who, false), { notice, summary: 'odd' });

        expect(await repo.get(tenantId, rolloutId, requestId)).toEqual({
          request: created,
          answers: [anAnswer(who, false)],
        });
        expect((await repo.getAnswer(tenantId, rolloutId, requestId, who.id))?.value).toEqual(
          anAnswer(who, false),
        );
        expect(await summaries(request)).toEqual(['odd']);
        expect(await repo.openRequests(10)).toEqual([{ tenantId, rolloutId, requestId }]);
        expect(await repo.pendingNotices(10)).toEqual([notice]);

        // Neighbours that differ only in how the parts are split stay apart.
        expect(await repo.get(TENANT, rolloutId, requestId)).toBeNull();
        expect(await repo.get(tenantId, `${rolloutId}|x`, requestId)).toBeNull();
        expect(await repo.getAnswer(tenantId, rolloutId, requestId, member(1).id)).toBeNull();

        await repo.clearNotice(notice);
        expect(await repo.pendingNotices(10)).toEqual([]);
        const superseded = { ...request, status: 'superseded' as const, supersededBy: 'sr-next' };
        await repo.update(
          superseded,
          created.etag,
          anAudit('Superseded', 5, 'signoff-superseded', rolloutId),
        );
        expect(await repo.openRequests(10)).toEqual([]);
        expect(await summaries(request)).toEqual(['Superseded', 'odd']);
      });
    });
  });
};
