/**
 * A 'part' message of the fan-out: the sends of one partition's due rows.
 *
 * Delivery rows are the truth of who was reached; queue messages are only work, and any of them
 * may be lost (recovery re-queues), duplicated or handled by two senders at once (claims keep a
 * row to one sender). The order for one partition, per chunk of `chunkSize` due rows:
 *
 * 1. the rows are claimed (`claimDelivery`: by this instance until now + `claimMs`, the attempt
 *    counted) in one ETag-guarded transaction with the partition's counts; a lost race re-reads;
 * 2. each claimed row is sent (paced by the tenant's `RateController`), in parallel in the chunk;
 *    a send that could no longer finish within its claim is not started and its row released;
 * 3. the outcomes are committed (`nextDelivery`) to the rows still claimed by this instance, as
 *    read again (a "Got it" or a cancel meanwhile is kept), with the counts recomputed.
 *
 * A sender that dies after 1 leaves claims that lapse: the next sender takes the rows again,
 * marked possible duplicates (the card may have left). A sent row is never claimed again. Rows
 * waiting for a back-off (or for another sender's claim) are left to a delayed 'part' message.
 */
import {
  claimDelivery,
  countDeliveries,
  isDue,
  nextDelivery,
  type Announcement,
  type Delivery,
  type SendOutcome,
} from '../../domain/announcement';
import { isConcurrencyError } from '../errors';
import type { AnnouncementRepository, Announcer, Clock, Log, StoredPart, WorkQueue } from '../ports';
import { delaySecondsUntil, partMessage } from './fanout-messages';
import type { Held } from './fanout-held';
import { changeAnnouncement, WRITE_TRIES } from './fanout-writes';
import type { RateController } from './rate-control';

/** A send is not started with less than this left of its claim (it could outlast it). */
export const SEND_MARGIN_MS = 30_000;

/** What a partition's sends need: the fan-out worker's options, its defaults resolved. */
export interface FanoutPartOptions {
  queue: WorkQueue;
  announcements: AnnouncementRepository;
  announcer: Announcer;
  rate: RateController;
  /** The announcer paces its own requests (see FanoutWorkerOptions): no token taken here. */
  pacedByAnnouncer?: boolean;
  /** The service URL personal sends go through (the coordination conversation's). */
  serviceUrlOf: (announcement: Announcement) => string;
  /** After every commit of a partition's outcomes, and when the announcement is done. */
  onProgress?: (tenantId: string, announcementId: string) => void;
  clock: Clock;
  log: Log;
  /** This process's sender id (claims name it). */
  instanceId: string;
  /** How long a claim holds a row. */
  claimMs: number;
  /** Rows claimed and sent at a time. */
  chunkSize: number;
  maxAttempts: number;
  /** For the back-off's jitter. */
  random: () => number;
  /** Notes when a message this instance queued with a delay becomes visible (the worker looks then). */
  expectAt: (at: number) => void;
}

/** One claimed row and what its send gave (null: not started, the row is released). */
interface Sent {
  claimed: Delivery;
  outcome: SendOutcome | null;
}

/** Handles 'part' messages; see the order of operations above. */
export class FanoutPart {
  constructor(private readonly options: FanoutPartOptions) {}

  /** Sends the partition's due rows, chunk by chunk, until none is due; then re-queues or completes. */
  async handle(tenantId: string, announcementId: string, part: number, held: Held): Promise<void> {
    const { announcements, queue, clock } = this.options;
    for (;;) {
      if (!(await held.keep())) return;
      const a = (await announcements.get(tenantId, announcementId))?.value;
      if (!a || a.state !== 'sending') return held.delete();
      const stored = await announcements.readPart(tenantId, announcementId, part);
      if (!stored.counts) return held.delete();
      const now = clock.now();
      const due = stored.deliveries.filter((d) => isDue(d.value, now));
      if (!due.length) {
        const next = this.nextDue(stored, now.getTime());
        if (next !== null) {
          const delaySeconds = delaySecondsUntil(next, now.getTime());
          await queue.send(JSON.stringify(partMessage(tenantId, announcementId, part)), { delaySeconds });
          this.options.expectAt(now.getTime() + delaySeconds * 1000);
        } else {
          await this.complete(tenantId, announcementId);
        }
        return held.delete();
      }
      const until = new Date(now.getTime() + this.options.claimMs);
      const claimed = due
        .slice(0, this.options.chunkSize)
        .map((d) => ({ value: claimDelivery(d.value, this.options.instanceId, until), etag: d.etag }));
      if (!(await this.commit(tenantId, announcementId, part, stored, claimed))) continue;
      const sent = await this.send(
        a,
        part,
        claimed.map((c) => c.value),
        until,
      );
      await this.settle(tenantId, announcementId, part, until, sent);
      this.options.onProgress?.(tenantId, announcementId);
    }
  }

  /** When a pending row that is not due now becomes due (back-off or a live claim), or null. */
  private nextDue(stored: StoredPart, now: number): number | null {
    let next: number | null = null;
    for (const { value: d } of stored.deliveries) {
      if (d.status !== 'pending') continue;
      const at = Math.max(d.retryAt ? Date.parse(d.retryAt) : now, d.claim ? Date.parse(d.claim.until) : now);
      next = next === null ? at : Math.min(next, at);
    }
    return next;
  }

  /** Commits `changes` with the partition's counts recomputed; false when it lost a race. */
  private async commit(
    tenantId: string,
    announcementId: string,
    part: number,
    stored: StoredPart,
    changes: { value: Delivery; etag: string }[],
  ): Promise<boolean> {
    if (!stored.counts) return false;
    const changed = new Map(changes.map((c) => [c.value.personId, c.value]));
    const rows = stored.deliveries.map((d) => changed.get(d.value.personId) ?? d.value);
    try {
      await this.options.announcements.commitPart(tenantId, announcementId, part, changes, {
        value: countDeliveries(rows),
        etag: stored.counts.etag,
      });
      return true;
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
      return false;
    }
  }

  private async send(a: Announcement, part: number, claimed: Delivery[], until: Date): Promise<Sent[]> {
    const { rate, announcer, clock, log } = this.options;
    const serviceUrl = this.options.serviceUrlOf(a);
    return Promise.all(
      claimed.map(async (d): Promise<Sent> => {
        if (!this.options.pacedByAnnouncer) await rate.acquire(a.tenantId);
        if (clock.now().getTime() + SEND_MARGIN_MS > until.getTime()) return { claimed: d, outcome: null };
        let outcome: SendOutcome;
        try {
          outcome = await announcer.sendPersonal(serviceUrl, {
            announcement: a,
            part,
            recipient: { personId: d.personId, name: d.name, ...(d.ref !== undefined ? { ref: d.ref } : {}) },
          });
        } catch (err) {
          // The port says it never throws; if it does, the card may have left.
          log.warn({ err, announcementId: a.id }, 'personal send threw; counted as an unknown outcome');
          outcome = { kind: 'transient', status: 'error', unknown: true };
        }
        if (!this.options.pacedByAnnouncer) rate.report(a.tenantId, outcome);
        return { claimed: d, outcome };
      }),
    );
  }

  /** Commits the outcomes to the rows this instance still holds by this claim (read again each try). */
  private async settle(
    tenantId: string,
    announcementId: string,
    part: number,
    until: Date,
    sent: Sent[],
  ): Promise<void> {
    const { announcements, clock, instanceId, random, maxAttempts } = this.options;
    const byId = new Map(sent.map((s) => [s.claimed.personId, s]));
    const claimUntil = until.toISOString();
    for (let tries = 0; tries < WRITE_TRIES; tries++) {
      const stored = await announcements.readPart(tenantId, announcementId, part);
      const now = clock.now();
      const changes: { value: Delivery; etag: string }[] = [];
      for (const { value: row, etag } of stored.deliveries) {
        const s = byId.get(row.personId);
        if (!s) continue;
        const ours =
          row.status === 'pending' && row.claim?.by === instanceId && row.claim.until === claimUntil;
        if (ours) {
          const next = s.outcome
            ? nextDelivery(row, s.outcome, now, random, maxAttempts)
            : { ...row, claim: null, attempts: Math.max(0, row.attempts - 1) };
          changes.push({ value: next, etag });
        } else if (
          row.status === 'cancelled' &&
          s.outcome?.kind === 'sent' &&
          row.attempts === s.claimed.attempts
        ) {
          // Cancelled while the card was on its way: it was delivered all the same.
          changes.push({
            value: { ...row, status: 'sent', lastStatus: 'sent', at: now.toISOString() },
            etag,
          });
        }
      }
      if (!changes.length) return;
      if (await this.commit(tenantId, announcementId, part, stored, changes)) return;
    }
    throw new Error(
      `partition ${part} of announcement ${announcementId} kept changing; its claims will lapse`,
    );
  }

  /** Done when no delivery is pending any more (another sender may get there first: fine). */
  private async complete(tenantId: string, announcementId: string): Promise<void> {
    const { counts } = await this.options.announcements.counts(tenantId, announcementId);
    if (counts.pending > 0) return;
    const at = this.options.clock.now().toISOString();
    const done = await changeAnnouncement(
      this.options.announcements,
      tenantId,
      announcementId,
      (a) => a.state === 'sending',
      (a) => ({ ...a, state: 'done', completedAt: at }),
    );
    if (done) {
      this.options.log.info({ tenantId, announcementId, ...counts }, 'announcement done');
      this.options.onProgress?.(tenantId, announcementId);
    }
  }
}
