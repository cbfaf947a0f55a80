import { TooLargeError } from '../app/errors';
import type {
  AuditEntry,
  SignoffAnswerCommit,
  SignoffNotice,
  SignoffRef,
  SignoffRepository,
  SignoffState,
  Stored,
} from '../app/ports';
import { MAX_MEMBERS, type SignoffAnswer, type SignoffRequest } from '../domain/signoff';
import { auditActions, auditEntryOf } from './audit-rows';
import {
  encodeKey,
  MAX_QUERY_ROWS,
  MAX_STRING_PROPERTY_CHARS,
  type EntityTable,
  type TableAction,
  type TableEntity,
  str,
} from './entity-table';
import { deleteIfPresent, noticeOf, outboxEntity, outboxRow, pendingOutboxRows } from './outbox-rows';

const REQUEST_PREFIX = 'q|';
const requestPartition = (tenantId: string, rolloutId: string, requestId: string): string =>
  `${REQUEST_PREFIX}${encodeKey(tenantId)}|${encodeKey(rolloutId)}|${encodeKey(requestId)}`;
const REQUEST_ROW = 'req';
const ANSWER_PREFIX = 'ans|';
const answerRow = (personId: string): string => `${ANSWER_PREFIX}${encodeKey(personId)}`;
const AUDIT_PREFIX = 'a|';
const INDEX_PARTITION = 'open';
const indexRow = (tenantId: string, rolloutId: string, requestId: string): string =>
  `${encodeKey(tenantId)}|${encodeKey(rolloutId)}|${encodeKey(requestId)}`;

/** A bound given by a caller: a whole number, at least 0, at most MAX_QUERY_ROWS. */
const bound = (limit: number): number =>
  Number.isFinite(limit) ? Math.min(MAX_QUERY_ROWS, Math.max(0, Math.floor(limit))) : 0;

/** JSON for a `doc` property: TooLargeError when it would not fit one string property. */
const docOf = (value: unknown): string => {
  const doc = JSON.stringify(value);
  if (doc.length > MAX_STRING_PROPERTY_CHARS) throw new TooLargeError(doc.length, MAX_STRING_PROPERTY_CHARS);
  return doc;
};

const NOTICE_KEYS = ['id', 'tenantId', 'kind', 'rolloutId', 'requestId', 'personId', 'createdAt'] as const;

/**
 * Help-desk readiness requests in Table Storage, in their own table (`<TABLE_PREFIX>Signoffs`,
 * created by the composition root). Each request has its own partition, so that its answers,
 * their audit and the notices they cause commit in one transaction without serialising on the
 * rollout, and (one row per member) without serialising on each other:
 *
 *   PartitionKey  q|<tenant>|<rolloutId>|<requestId>
 *   RowKey        req                                  the request: JSON in `doc` (+ stageId, status,
 *                                                      createdAt: columns for debugging)
 *                 ans|<personId>                       a member's standing answer: JSON in `doc`
 *                                                      (+ personId, ready, at)
 *                 a|<inverted ms>|<seq>|<n><salt>      audit of the request (answers, supersede,
 *                                                      extend), newest first: AuditEntry properties
 *                 o|<noticeId>                         outbox: a notice not yet sent (SignoffNotice
 *                                                      fields)
 *
 *   PartitionKey  open
 *   RowKey        <tenant>|<rolloutId>|<requestId>     one row per open request (tenantId,
 *                                                      rolloutId, requestId properties), for sweeps
 *
 * Every key part is `encodeKey`d. The index is written after the request (another partition, so
 * not in its transaction): a crash in between leaves an open request out of the index until its
 * next `update`, which writes the index row again.
 */
export class TableSignoffRepository implements SignoffRepository {
  constructor(private readonly table: EntityTable) {}

  async create(request: SignoffRequest): Promise<Stored<SignoffRequest>> {
    const [etag] = await this.table.submit([{ kind: 'create', entity: this.requestEntity(request) }]);
    if (request.status === 'open') await this.writeIndex(request);
    return { value: request, etag: etag ?? '' };
  }

  async get(tenantId: string, rolloutId: string, requestId: string): Promise<SignoffState | null> {
    const pk = requestPartition(tenantId, rolloutId, requestId);
    const [row, answers] = await Promise.all([
      this.table.get(pk, REQUEST_ROW),
      this.table.query(pk, { rowKeyPrefix: ANSWER_PREFIX, limit: MAX_MEMBERS }),
    ]);
    if (!row) return null;
    return {
      request: { value: JSON.parse(str(row.doc)) as SignoffRequest, etag: row.etag },
      answers: answers.map((a) => JSON.parse(str(a.doc)) as SignoffAnswer),
    };
  }

  async getAnswer(
    tenantId: string,
    rolloutId: string,
    requestId: string,
    personId: string,
  ): Promise<Stored<SignoffAnswer> | null> {
    const row = await this.table.get(requestPartition(tenantId, rolloutId, requestId), answerRow(personId));
    return row ? { value: JSON.parse(str(row.doc)) as SignoffAnswer, etag: row.etag } : null;
  }

  async answer(tenantId: string, commit: SignoffAnswerCommit): Promise<void> {
    const { request, answer, notice } = commit;
    if (request.tenantId !== tenantId) {
      throw new Error(`request ${request.id} belongs to another tenant`);
    }
    if (
      notice &&
      (notice.tenantId !== tenantId ||
        notice.rolloutId !== request.rolloutId ||
        notice.requestId !== request.id ||
        notice.personId !== answer.person.id)
    ) {
      throw new Error(`notice ${notice.id} is not about the answer it is saved with`);
    }
    const pk = requestPartition(tenantId, request.rolloutId, request.id);
    const entity: TableEntity = {
      partitionKey: pk,
      rowKey: answerRow(answer.person.id),
      doc: docOf(answer),
      personId: answer.person.id,
      ready: answer.ready,
      at: answer.at,
    };
    const actions: TableAction[] = [
      commit.ifMatch === null
        ? { kind: 'create', entity }
        : { kind: 'update', entity, ifMatch: commit.ifMatch },
      ...auditActions(pk, [commit.audit], () => AUDIT_PREFIX),
    ];
    if (notice) actions.push({ kind: 'create', entity: outboxEntity(pk, notice) });
    await this.table.submit(actions);
  }

  async update(
    request: SignoffRequest,
    ifMatch: string,
    audit: AuditEntry | null,
  ): Promise<Stored<SignoffRequest>> {
    const entity = this.requestEntity(request);
    const [etag] = await this.table.submit([
      { kind: 'update', entity, ifMatch },
      ...(audit ? auditActions(entity.partitionKey, [audit], () => AUDIT_PREFIX) : []),
    ]);
    await this.writeIndex(request);
    return { value: request, etag: etag ?? '' };
  }

  async audit(tenantId: string, rolloutId: string, requestId: string, limit: number): Promise<AuditEntry[]> {
    const max = bound(limit);
    if (max === 0) return [];
    const rows = await this.table.query(requestPartition(tenantId, rolloutId, requestId), {
      rowKeyPrefix: AUDIT_PREFIX,
      limit: max,
    });
    return rows.map(auditEntryOf);
  }

  async openRequests(limit: number): Promise<SignoffRef[]> {
    const max = bound(limit);
    if (max === 0) return [];
    const rows = await this.table.query(INDEX_PARTITION, { limit: max });
    return rows.map((row) => ({
      tenantId: str(row.tenantId),
      rolloutId: str(row.rolloutId),
      requestId: str(row.requestId),
    }));
  }

  async pendingNotices(limit: number): Promise<SignoffNotice[]> {
    const rows = await pendingOutboxRows(this.table, REQUEST_PREFIX, bound(limit));
    return rows.map((row) => noticeOf<SignoffNotice>(row, NOTICE_KEYS));
  }

  async clearNotice(notice: SignoffNotice): Promise<void> {
    await deleteIfPresent(
      this.table,
      requestPartition(notice.tenantId, notice.rolloutId, notice.requestId),
      outboxRow(notice.id),
    );
  }

  /** An open request has its row in the index; any other has none. */
  private async writeIndex(request: SignoffRequest): Promise<void> {
    const rowKey = indexRow(request.tenantId, request.rolloutId, request.id);
    if (request.status === 'open') {
      await this.table.submit([
        {
          kind: 'upsert',
          entity: {
            partitionKey: INDEX_PARTITION,
            rowKey,
            tenantId: request.tenantId,
            rolloutId: request.rolloutId,
            requestId: request.id,
          },
        },
      ]);
      return;
    }
    await deleteIfPresent(this.table, INDEX_PARTITION, rowKey);
  }

  private requestEntity(request: SignoffRequest): TableEntity {
    return {
      partitionKey: requestPartition(request.tenantId, request.rolloutId, request.id),
      rowKey: REQUEST_ROW,
      doc: docOf(request),
      stageId: request.stageId,
      status: request.status,
      createdAt: request.createdAt,
    };
  }
}
