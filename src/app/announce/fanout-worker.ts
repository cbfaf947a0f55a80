/**
 * The fan-out: the queue worker that turns an announcement into one personal card per recipient.
 *
 * A 'start' message expands the announcement into partitions and queues a 'part' message for
 * each; a 'part' message sends its partition's due rows (`FanoutPart`, where the order of claims,
 * sends and commits is). The worker receives them, a bounded number at once, keeps them held while
 * they are worked on, and says by heartbeat whether it is sending (the tenant's rate is shared).
 */
import { partitionRecipients, MAX_DELIVERY_ATTEMPTS, type Announcement } from '../../domain/announcement';
import { MAX_RECEIVE_MESSAGES } from '../ports-queue';
import type {
  AnnouncementRepository,
  Announcer,
  Clock,
  Log,
  ReceivedMessage,
  Recipient,
  WorkQueue,
} from '../ports';
import { Held } from './fanout-held';
import { delaySecondsUntil, parseFanoutMessage, partMessage, sendAll, startMessage } from './fanout-messages';
import { FanoutPart } from './fanout-part';
import { changeAnnouncement } from './fanout-writes';
import type { RateController } from './rate-control';

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_VISIBILITY_SECONDS = 30;
/** How long a claim holds a row: well past a chunk's sends, short enough that a dead sender's rows come back soon. */
export const DEFAULT_CLAIM_MS = 90_000;
export const DEFAULT_CHUNK_SIZE = 10;
/** The empty queue is polled at first after this, doubling up to POLL_MAX_MS (a kick wakes it). */
export const POLL_MIN_MS = 1000;
export const POLL_MAX_MS = 30_000;
/**
 * How often a sender says it is alive (and re-reads how many share the tenant's rate): short, so
 * that a joining instance is counted by the others within seconds. Two calls per interval.
 */
export const HEARTBEAT_MS = 2_000;
export const HEARTBEAT_TTL_MS = 8_000;
/**
 * How long a sender that becomes busy waits while others are sending: two heartbeats, since a
 * loop with every slot taken heartbeats only when a message is done (a partition takes seconds).
 */
export const JOIN_WAIT_MS = 2 * HEARTBEAT_MS;
/** See `FanoutWorker.health`. */
export interface FanoutHealth {
  pausedSince: string | null;
}

export interface FanoutWorkerOptions {
  queue: WorkQueue;
  announcements: AnnouncementRepository;
  announcer: Announcer;
  rate: RateController;
  /**
   * The announcer waits for the tenant's rate itself, right before each of its connector requests
   * (the server's TeamsAnnouncer: a new chat costs two, and a storage read before the first one
   * would bunch sends paced earlier): the worker then takes no token of its own.
   */
  pacedByAnnouncer?: boolean;
  /** Who the announcement goes to (its stage's audience, resolved elsewhere). */
  recipientsOf: (announcement: Announcement) => Promise<Recipient[]>;
  /**
   * Who a reminder (an announcement with a `purpose`) goes to, by its purpose
   * (`reminderRecipientsOf` in reminders.ts). Absent: a reminder's start fails (logged, its
   * message comes back), never sent to the whole audience.
   */
  reminderRecipientsOf?: (announcement: Announcement) => Promise<Recipient[]>;
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

/** The queue worker of the fan-out; see the order of operations in `FanoutPart`. */
export class FanoutWorker {
  private readonly concurrency: number;
  private readonly visibilitySeconds: number;
  private readonly parts: FanoutPart;
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
    this.parts = new FanoutPart({
      ...options,
      claimMs: options.claimMs ?? DEFAULT_CLAIM_MS,
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      maxAttempts: options.maxAttempts ?? MAX_DELIVERY_ATTEMPTS,
      random: options.random ?? Math.random,
      expectAt: (at) => this.expectAt(at),
    });
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
          // Every slot busy: wait for one, but heartbeat on time meanwhile (a partition may take
          // longer than the heartbeat's time to live; the others would take the whole rate).
          await Promise.race([...this.active, this.options.wait(HEARTBEAT_MS)]);
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
          const work: Promise<void> = this.handle(m).finally(() => {
            this.active.delete(work);
            if (this.active.size === 0) this.idleNow();
          });
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

  /** Out of work: says so at once, so the senders still busy take its share at their next heartbeat. */
  private idleNow(): void {
    if (!this.busyReported) return;
    this.heartbeatAt = this.options.clock.now().getTime();
    void this.heartbeat(false).catch((err: unknown) =>
      this.options.log.warn({ err }, 'announcement sender heartbeat failed'),
    );
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
      else await this.parts.handle(message.tenantId, message.announcementId, message.part, held);
    } catch (err) {
      log.warn(
        { err, messageId: received.id, dequeueCount: received.dequeueCount, ...message },
        'announcement work failed; its message comes back after its time-out',
      );
    }
  }

  /**
   * The announcement's partitions: those an earlier expansion wrote (a crash, or another instance
   * at work: partitions are written in order, so they are a prefix), kept as they are, then the
   * recipients none of them holds, partitioned after them. An audience that changed meanwhile
   * therefore neither moves anyone to a second partition nor leaves anyone out.
   */
  private async expansion(a: Announcement, recipients: readonly Recipient[]): Promise<Recipient[][]> {
    const written: Recipient[][] = [];
    for (;;) {
      const part = await this.options.announcements.readPart(a.tenantId, a.id, written.length);
      if (!part.counts) break;
      written.push(
        part.deliveries.map(({ value }) => ({
          personId: value.personId,
          name: value.name,
          ...(value.ref !== undefined ? { ref: value.ref } : {}),
        })),
      );
    }
    if (written.length === 0) return partitionRecipients(recipients);
    const known = new Set(written.flat().map((r) => r.personId));
    return [
      ...written,
      ...partitionRecipients(recipients.filter((r) => !known.has(r.personId.trim().toLowerCase()))),
    ];
  }

  /** A phase announcement's recipients, or a reminder's by its purpose. */
  private async recipientsOf(a: Announcement): Promise<Recipient[]> {
    if (!a.purpose) return this.options.recipientsOf(a);
    const { reminderRecipientsOf } = this.options;
    if (!reminderRecipientsOf) throw new Error(`announcement ${a.id} is a reminder: no reminderRecipientsOf`);
    return reminderRecipientsOf(a);
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
        : await changeAnnouncement(
            announcements,
            tenantId,
            announcementId,
            (x) => x.state === 'scheduled',
            (x) => ({ ...x, state: 'expanding' }),
          );
    if (!expanding) return this.start1(tenantId, announcementId, held);
    const parts = await this.expansion(expanding, await this.recipientsOf(expanding));
    for (let i = 0; i < parts.length; i++) {
      await announcements.writePart(tenantId, announcementId, i, parts[i] ?? []);
      if (!(await held.keep())) return;
    }
    const recipients = parts.reduce((sum, p) => sum + p.length, 0);
    const at = clock.now().toISOString();
    const sending = await changeAnnouncement(
      announcements,
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
}
