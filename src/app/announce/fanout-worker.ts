/**
 * The fan-out: the queue worker that turns an announcement into one personal card per recipient.
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
  partitionRecipients,
  MAX_DELIVERY_ATTEMPTS,
  type Announcement,
  type Delivery,
  type SendOutcome,
} from '../../domain/announcement';
import { isConcurrencyError, QueueReceiptError } from '../errors';
import { MAX_RECEIVE_MESSAGES, MAX_VISIBILITY_SECONDS } from '../ports-queue';
import type {
  AnnouncementRepository,
  Announcer,
  Clock,
  FanoutMessage,
  Log,
  QueueHold,
  ReceivedMessage,
  Recipient,
  StoredPart,
  WorkQueue,
} from '../ports';
import type { RateController } from './rate-control';

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_VISIBILITY_SECONDS = 30;
/** How long a claim holds a row: well past a chunk's sends, short enough that a dead sender's rows come back soon. */
export const DEFAULT_CLAIM_MS = 90_000;
/** A send is not started with less than this left of its claim (it could outlast it). */
export const SEND_MARGIN_MS = 30_000;
export const DEFAULT_CHUNK_SIZE = 10;
/** Queue delays stop this short of the service's 7 days (a scheduled start is re-delayed). */
const DELAY_MARGIN_SECONDS = 3600;
export const MAX_DELAY_SECONDS = MAX_VISIBILITY_SECONDS - DELAY_MARGIN_SECONDS;
/** The empty queue is polled at first after this, doubling up to POLL_MAX_MS (a kick wakes it). */
export const POLL_MIN_MS = 1000;
export const POLL_MAX_MS = 30_000;
/** How often the instance says it is alive, and for how long it counts as a sender. */
/**
 * How often a sender says it is alive (and re-reads how many share the tenant's rate): short, so
 * that a joining instance is counted by the others within seconds. Two calls per interval.
 */
export const HEARTBEAT_MS = 5_000;
export const HEARTBEAT_TTL_MS = 15_000;
/**
 * How long a sender that becomes busy waits while others are sending: two heartbeats, since a
 * loop with every slot taken heartbeats only when a message is done (a partition takes seconds).
 */
export const JOIN_WAIT_MS = 2 * HEARTBEAT_MS;
/** ETag-guarded writes tried this often before the work is left for the message's next delivery. */
const WRITE_TRIES = 8;
/** 'part' messages sent at once (an announcement of 10,000 people has 200). */
const SEND_BATCH = 16;

/** The fan-out's message, or null for text that is not one (dropped, logged). */
export const parseFanoutMessage = (text: string): FanoutMessage | null => {
  try {
    const m = JSON.parse(text) as Partial<Record<string, unknown>>;
    if (m.v !== 1 || typeof m.tenantId !== 'string' || typeof m.announcementId !== 'string') return null;
    if (m.kind === 'start')
      return { v: 1, kind: 'start', tenantId: m.tenantId, announcementId: m.announcementId };
    if (m.kind === 'part' && Number.isInteger(m.part) && (m.part as number) >= 0) {
      return {
        v: 1,
        kind: 'part',
        tenantId: m.tenantId,
        announcementId: m.announcementId,
        part: m.part as number,
      };
    }
    return null;
  } catch {
    return null;
  }
};

export const startMessage = (tenantId: string, announcementId: string): FanoutMessage => ({
  v: 1,
  kind: 'start',
  tenantId,
  announcementId,
});

export const partMessage = (tenantId: string, announcementId: string, part: number): FanoutMessage => ({
  v: 1,
  kind: 'part',
  tenantId,
  announcementId,
  part,
});

/** Sends each message (a bounded number at once). */
export const sendAll = async (
  queue: WorkQueue,
  messages: readonly FanoutMessage[],
  delaySeconds = 0,
): Promise<void> => {
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    await Promise.all(
      messages.slice(i, i + SEND_BATCH).map((m) => queue.send(JSON.stringify(m), { delaySeconds })),
    );
  }
};

const delaySecondsUntil = (at: number, now: number): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((at - now) / 1000)));

/** See `FanoutWorker.health`. */
export interface FanoutHealth {
  pausedSince: string | null;
}

export interface FanoutWorkerOptions {
  queue: WorkQueue;
  announcements: AnnouncementRepository;
  announcer: Announcer;
  rate: RateController;
  /** Who the announcement goes to (its stage's audience, resolved elsewhere). */
  recipientsOf: (announcement: Announcement) => Promise<Recipient[]>;
  /** The service URL personal sends go through (the coordination conversation's). */
  serviceUrlOf: (announcement: Announcement) => string;
  /** After every commit of a partition's outcomes, and when the announcement is done. */
  onProgress?: (tenantId: string, announcementId: string) => void;
  clock: Clock;
  /** Waits `ms` (injected: tests run on simulated time). */
  wait: (ms: number) => Promise<void>;
  log: Log;
  /** This process's sender id (claims name it): unique per start. */
  instanceId: string;
  /** Messages worked on at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Visibility time-out of a received message, extended while it is worked on (default 30 s). */
  visibilitySeconds?: number;
  /** How long a claim holds a row (default DEFAULT_CLAIM_MS). */
  claimMs?: number;
  /** Rows claimed and sent at a time per partition (default DEFAULT_CHUNK_SIZE). */
  chunkSize?: number;
  maxAttempts?: number;
  /** For the back-off's jitter. */
  random?: () => number;
}

/** A received message and the latest receipt that holds it (extended at checkpoints). */
class Held {
  private hold: QueueHold;
  private extendedAt: number;
  lost = false;

  constructor(
    readonly message: ReceivedMessage,
    private readonly queue: WorkQueue,
    private readonly clock: Clock,
    private readonly visibilitySeconds: number,
  ) {
    this.hold = { id: message.id, receipt: message.receipt };
    this.extendedAt = clock.now().getTime();
  }

  /** Extends the hold when a third of its time-out has passed; false when it is no longer ours. */
  async keep(): Promise<boolean> {
    if (this.lost) return false;
    const now = this.clock.now().getTime();
    if (now - this.extendedAt < (this.visibilitySeconds * 1000) / 3) return true;
    try {
      this.hold = await this.queue.extend(this.hold, this.visibilitySeconds);
      this.extendedAt = now;
      return true;
    } catch (err) {
      if (!(err instanceof QueueReceiptError)) throw err;
      this.lost = true;
      return false;
    }
  }

  async delete(): Promise<void> {
    if (this.lost) return;
    try {
      await this.queue.delete(this.hold);
    } catch (err) {
      // Received again meanwhile: the new holder decides.
      if (!(err instanceof QueueReceiptError)) throw err;
    }
  }
}

/** One claimed row and what its send gave (null: not started, the row is released). */
interface Sent {
  claimed: Delivery;
  outcome: SendOutcome | null;
}

/** The queue worker of the fan-out; see the order of operations above. */
export class FanoutWorker {
  private readonly concurrency: number;
  private readonly visibilitySeconds: number;
  private readonly claimMs: number;
  private readonly chunkSize: number;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly active = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private kicked = false;
  /** When the earliest message this instance delayed becomes visible (null: none known). */
  private visibleAt: number | null = null;
  private heartbeatAt = -Infinity;
  /** What the latest heartbeat said: busy senders take a share of the tenant's rate. */
  private busyReported = false;
  /** Since when the queue or the store has been failing the loop (null: it works). */
  private failingSince: Date | null = null;

  constructor(private readonly options: FanoutWorkerOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.visibilitySeconds = options.visibilitySeconds ?? DEFAULT_VISIBILITY_SECONDS;
    this.claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.maxAttempts = options.maxAttempts ?? MAX_DELIVERY_ATTEMPTS;
    this.random = options.random ?? Math.random;
  }

  /** Runs the receive loop until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.receiveLoop();
  }

  /** Ends the loop; resolves when the messages under way are handled. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.all(this.active);
  }

  /** Polls the queue at once (work was just queued). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Receives what is visible (up to `concurrency`) and handles it; resolves with how many. */
  async runOnce(): Promise<number> {
    const messages = await this.options.queue.receive(
      Math.min(this.concurrency, MAX_RECEIVE_MESSAGES),
      this.visibilitySeconds,
    );
    await Promise.all(messages.map((m) => this.handle(m)));
    return messages.length;
  }

  /**
   * Whether the fan-out is held up on this instance: since when the queue or the store kept
   * failing its loop (`status` says so; the loop goes on trying and resumes by itself).
   */
  health(): FanoutHealth {
    return { pausedSince: this.failingSince?.toISOString() ?? null };
  }

  /**
   * Says this instance is alive (and whether it has work in hand) and shares the tenant rate
   * among the busy senders alive.
   */
  async heartbeat(busy = true): Promise<number> {
    const senders = await this.options.announcements.heartbeat(
      this.options.instanceId,
      this.options.clock.now(),
      HEARTBEAT_TTL_MS,
      busy,
    );
    this.busyReported = busy;
    this.options.rate.setShare(senders);
    return senders;
  }

  private async receiveLoop(): Promise<void> {
    const { queue, log, clock } = this.options;
    let idleMs = POLL_MIN_MS;
    while (this.running) {
      try {
        const now = clock.now().getTime();
        if (now - this.heartbeatAt >= HEARTBEAT_MS) {
          this.heartbeatAt = now;
          await this.heartbeat(this.active.size > 0);
        }
        const free = this.concurrency - this.active.size;
        if (free <= 0) {
          await Promise.race(this.active);
          continue;
        }
        const messages = await queue.receive(Math.min(free, MAX_RECEIVE_MESSAGES), this.visibilitySeconds);
        this.failingSince = null;
        if (!messages.length) {
          await this.pause(idleMs);
          idleMs = Math.min(POLL_MAX_MS, idleMs * 2);
          continue;
        }
        idleMs = POLL_MIN_MS;
        if (!this.busyReported) {
          // Idle until now, it took no share: say it is busy, and when others are sending, wait
          // until they have counted it (their next heartbeats), so the shares never add up to more
          // than the ceiling. The messages are held meanwhile (well within their time-out).
          this.heartbeatAt = clock.now().getTime();
          if ((await this.heartbeat(true)) > 1) await this.options.wait(JOIN_WAIT_MS);
        }
        for (const m of messages) {
          const work: Promise<void> = this.handle(m).finally(() => this.active.delete(work));
          this.active.add(work);
        }
      } catch (err) {
        this.failingSince ??= clock.now();
        log.warn({ err, retryInMs: idleMs }, 'announcement queue or store failed; the fan-out pauses');
        await this.pause(idleMs);
        idleMs = Math.min(POLL_MAX_MS, idleMs * 2);
      }
    }
  }

  /** Waits `ms`, or less when kicked or stopped. */
  private async pause(ms: number): Promise<void> {
    // A kick while the loop was busy (not waiting) counts for this pause.
    if (!this.running || this.kicked) {
      this.kicked = false;
      return;
    }
    // A message this instance delayed becomes visible sooner than the poll would look: look then.
    const now = this.options.clock.now().getTime();
    if (this.visibleAt !== null && this.visibleAt <= now + ms) {
      ms = Math.max(0, this.visibleAt - now);
      this.visibleAt = null;
    }
    await new Promise<void>((done) => {
      this.wake = done;
      void this.options.wait(ms).then(done);
    });
    this.wake = null;
    this.kicked = false;
  }

  /** Notes when a message this instance queued with a delay becomes visible (the earliest wins). */
  private expectAt(at: number): void {
    const now = this.options.clock.now().getTime();
    if (this.visibleAt === null || this.visibleAt <= now || at < this.visibleAt) this.visibleAt = at;
  }

  /** Handles one message; never throws (a failure leaves it to come back after its time-out). */
  private async handle(received: ReceivedMessage): Promise<void> {
    const { queue, clock, log } = this.options;
    const held = new Held(received, queue, clock, this.visibilitySeconds);
    const message = parseFanoutMessage(received.text);
    try {
      if (!message) {
        log.error({ messageId: received.id }, 'not a fan-out message; dropped');
        return await held.delete();
      }
      if (message.kind === 'start') await this.start1(message.tenantId, message.announcementId, held);
      else await this.part(message.tenantId, message.announcementId, message.part, held);
    } catch (err) {
      log.warn(
        { err, messageId: received.id, dequeueCount: received.dequeueCount, ...message },
        'announcement work failed; its message comes back after its time-out',
      );
    }
  }

  /** Changes the announcement while `still` holds, re-reading on lost races; the stored one, or null. */
  private async change(
    tenantId: string,
    announcementId: string,
    still: (a: Announcement) => boolean,
    apply: (a: Announcement) => Announcement,
  ): Promise<Announcement | null> {
    const { announcements } = this.options;
    for (let tries = 0; tries < WRITE_TRIES; tries++) {
      const got = await announcements.get(tenantId, announcementId);
      if (!got || !still(got.value)) return null;
      try {
        return (await announcements.update(apply(got.value), got.etag)).value;
      } catch (err) {
        if (!isConcurrencyError(err)) throw err;
      }
    }
    throw new Error(`announcement ${announcementId} kept changing; left for the next try`);
  }

  private async start1(tenantId: string, announcementId: string, held: Held): Promise<void> {
    const { announcements, queue, clock, log } = this.options;
    const got = await announcements.get(tenantId, announcementId);
    const a = got?.value;
    if (!a || a.state === 'cancelled' || a.state === 'skipped' || a.state === 'done') return held.delete();
    const now = clock.now().getTime();
    if (a.state === 'sending') {
      // A start that had already queued its partitions (and crashed before deleting this).
      const { pendingParts } = await announcements.counts(tenantId, announcementId);
      await sendAll(
        queue,
        pendingParts.map((p) => partMessage(tenantId, announcementId, p)),
      );
      return held.delete();
    }
    if (a.state === 'scheduled' && a.scheduledAt && Date.parse(a.scheduledAt) > now) {
      await queue.send(JSON.stringify(startMessage(tenantId, announcementId)), {
        delaySeconds: delaySecondsUntil(Date.parse(a.scheduledAt), now),
      });
      return held.delete();
    }
    const expanding =
      a.state === 'expanding'
        ? a
        : await this.change(
            tenantId,
            announcementId,
            (x) => x.state === 'scheduled',
            (x) => ({ ...x, state: 'expanding' }),
          );
    if (!expanding) return this.start1(tenantId, announcementId, held);
    const parts = partitionRecipients(await this.options.recipientsOf(expanding));
    for (let i = 0; i < parts.length; i++) {
      await announcements.writePart(tenantId, announcementId, i, parts[i] ?? []);
      if (!(await held.keep())) return;
    }
    const recipients = parts.reduce((sum, p) => sum + p.length, 0);
    const at = clock.now().toISOString();
    const sending = await this.change(
      tenantId,
      announcementId,
      (x) => x.state === 'expanding',
      (x) =>
        recipients
          ? { ...x, recipients, parts: parts.length, state: 'sending' }
          : { ...x, recipients: 0, parts: 0, state: 'done', completedAt: at },
    );
    if (!sending) return this.start1(tenantId, announcementId, held);
    log.info({ tenantId, announcementId, recipients, parts: parts.length }, 'announcement expanded');
    if (sending.state === 'done') {
      this.options.onProgress?.(tenantId, announcementId);
      return held.delete();
    }
    await sendAll(
      queue,
      parts.map((_, i) => partMessage(tenantId, announcementId, i)),
    );
    // Its partitions are queued: the loop need not wait for its next poll.
    this.kick();
    return held.delete();
  }

  private async part(tenantId: string, announcementId: string, part: number, held: Held): Promise<void> {
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
          this.expectAt(now.getTime() + delaySeconds * 1000);
        } else {
          await this.complete(tenantId, announcementId);
        }
        return held.delete();
      }
      const until = new Date(now.getTime() + this.claimMs);
      const claimed = due
        .slice(0, this.chunkSize)
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
        await rate.acquire(a.tenantId);
        if (clock.now().getTime() + SEND_MARGIN_MS > until.getTime()) return { claimed: d, outcome: null };
        let outcome: SendOutcome;
        try {
          outcome = await announcer.sendPersonal(serviceUrl, {
            announcement: a,
            part,
            recipient: { personId: d.personId, name: d.name },
          });
        } catch (err) {
          // The port says it never throws; if it does, the card may have left.
          log.warn({ err, announcementId: a.id }, 'personal send threw; counted as an unknown outcome');
          outcome = { kind: 'transient', status: 'error', unknown: true };
        }
        rate.report(a.tenantId, outcome);
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
    const { announcements, clock, instanceId } = this.options;
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
            ? nextDelivery(row, s.outcome, now, this.random, this.maxAttempts)
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
    const done = await this.change(
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
