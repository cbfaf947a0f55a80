import type { AudienceMember, AudienceSnapshot, Clock, SnapshotWriter } from '../app/ports';
import {
  audienceBucket,
  audienceMemberPartition,
  buckets,
  changeHead,
  memberEntity,
  snapshotOf,
  type Head,
  type PendingWrite,
  type SnapshotInfo,
} from './audience-rows';
import { MAX_TRANSACTION_ACTIONS, type EntityTable, type TableEntity } from './entity-table';

/** Buffers each bucket's rows and writes a bucket (one transaction) as soon as it holds 100. */
export class TableSnapshotWriter implements SnapshotWriter {
  private readonly buffers = new Map<number, Map<string, TableEntity>>();
  private readonly partitions: string[];
  private registered = false;
  private state: 'open' | 'committed' | 'abandoned' = 'open';

  constructor(
    private readonly table: EntityTable,
    private readonly clock: Clock,
    private readonly tenantId: string,
    private readonly rolloutId: string,
    private readonly stageId: string,
    readonly id: string,
  ) {
    this.partitions = buckets().map((b) => audienceMemberPartition(tenantId, rolloutId, stageId, id, b));
  }

  async add(members: readonly AudienceMember[]): Promise<void> {
    this.checkOpen();
    for (const member of members) {
      const bucket = audienceBucket(member.id);
      let buffer = this.buffers.get(bucket);
      if (!buffer) this.buffers.set(bucket, (buffer = new Map()));
      const entity = memberEntity(this.partitions[bucket] ?? '', member);
      buffer.set(entity.rowKey, entity);
      if (buffer.size >= MAX_TRANSACTION_ACTIONS) await this.flush([bucket]);
    }
  }

  async commit(info: Omit<SnapshotInfo, 'id'>): Promise<AudienceSnapshot> {
    this.checkOpen();
    await this.flush([...this.buffers.keys()]);
    const snapshot: SnapshotInfo = { id: this.id, ...info };
    await this.changeHead((head) => ({
      current: snapshot,
      previous: head.current?.id ?? null,
      pending: head.pending.filter((p) => p.id !== this.id),
      garbage: [...new Set([...head.garbage, ...(head.previous ? [head.previous] : [])])],
    }));
    this.state = 'committed';
    return snapshotOf(this.tenantId, this.rolloutId, this.stageId, snapshot);
  }

  async abandon(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'abandoned';
    this.buffers.clear();
    if (!this.registered) return;
    await this.changeHead((head) => ({
      ...head,
      pending: head.pending.filter((p) => p.id !== this.id),
      garbage: [...head.garbage, this.id],
    }));
  }

  /** Writes the buckets' buffered rows, one transaction each, the snapshot registered as pending first. */
  private async flush(bucketIds: number[]): Promise<void> {
    const batches = bucketIds.flatMap((b) => {
      const rows = [...(this.buffers.get(b)?.values() ?? [])];
      this.buffers.delete(b);
      return rows.length > 0 ? [rows] : [];
    });
    if (batches.length === 0) return;
    if (!this.registered) {
      const pending: PendingWrite = { id: this.id, startedAt: this.clock.now().toISOString() };
      await this.changeHead((head) => ({ ...head, pending: [...head.pending, pending] }));
      this.registered = true;
    }
    await Promise.all(
      batches.map((rows) => this.table.submit(rows.map((entity) => ({ kind: 'upsert', entity })))),
    );
  }

  private changeHead(change: (head: Head) => Head): Promise<void> {
    return changeHead(this.table, this.tenantId, this.rolloutId, this.stageId, change);
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new Error(`snapshot ${this.id} is already ${this.state}`);
  }
}
