import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '../app/ports';
import {
  MAX_STRING_PROPERTY_CHARS,
  withoutNulls,
  type StoredEntity,
  type TableAction,
  str,
  strOrNull,
} from './entity-table';

/**
 * Audit lines as Table rows, shared by the repositories that keep an audit beside their state.
 *
 *   RowKey  <prefix><inverted ms>|<inverted seq>|<inverted index><salt>   newest first
 *
 * with the AuditEntry as flat properties (rolloutId, type, byId, byName, at, summary, from, to,
 * reason, before, after; nulls left out).
 */
const MAX_MS = 9_999_999_999_999;
const invertedTime = (iso: string): string => String(MAX_MS - Date.parse(iso)).padStart(13, '0');
/** Orders writes of the same millisecond in this process (newest first, like the time). */
const MAX_SEQ = 999_999_999;
let sequence = 0;
const invertedSequence = (): string => String(MAX_SEQ - (++sequence % MAX_SEQ)).padStart(9, '0');

/**
 * Creates of one commit's audit rows in `partitionKey`, each under `prefixOf(entry)`. Within a
 * millisecond the sequence orders commits; a random salt keeps other instances' rows apart;
 * within a commit the index keeps the events in order (newest first).
 */
export const auditActions = (
  partitionKey: string,
  entries: readonly AuditEntry[],
  prefixOf: (entry: AuditEntry) => string,
): TableAction[] => {
  const seq = invertedSequence();
  const salt = randomBytes(3).toString('hex');
  return entries.map((entry, i) => ({
    kind: 'create',
    entity: withoutNulls({
      partitionKey,
      rowKey: `${prefixOf(entry)}${invertedTime(entry.at)}|${seq}|${String(99 - i).padStart(2, '0')}${salt}`,
      rolloutId: entry.rolloutId,
      type: entry.type,
      byId: entry.by.id,
      byName: entry.by.name,
      at: entry.at,
      summary: entry.summary.slice(0, 4000),
      from: entry.from,
      to: entry.to,
      reason: entry.reason,
      before: entry.before?.slice(0, MAX_STRING_PROPERTY_CHARS) ?? null,
      after: entry.after?.slice(0, MAX_STRING_PROPERTY_CHARS) ?? null,
    }),
  }));
};

/** The AuditEntry an audit row holds. */
export const auditEntryOf = (row: StoredEntity): AuditEntry => ({
  rolloutId: strOrNull(row.rolloutId),
  type: str(row.type) as AuditEntry['type'],
  by: { id: str(row.byId), name: str(row.byName) },
  at: str(row.at),
  summary: str(row.summary),
  from: strOrNull(row.from),
  to: strOrNull(row.to),
  reason: strOrNull(row.reason),
  before: strOrNull(row.before),
  after: strOrNull(row.after),
});
