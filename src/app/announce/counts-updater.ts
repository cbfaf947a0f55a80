import { COUNTS_UPDATE_MS, type Announcement } from '../../domain/announcement';
import { isConcurrencyError } from '../errors';
import type { AnnouncementRepository, Announcer, Clock, Log } from '../ports';

export interface CountsUpdaterOptions {
  announcements: AnnouncementRepository;
  announcer: Announcer;
  clock: Clock;
  /** Waits `ms` (injected: tests run on simulated time). */
  wait: (ms: number) => Promise<void>;
  log: Log;
  /** Default COUNTS_UPDATE_MS. */
  intervalMs?: number;
}

/** ETag races on the announcement before this update is left to the next progress. */
const TRIES = 4;

type Outcome = { kind: 'posted' | 'skipped' } | { kind: 'later'; at: number };

const isFinal = (a: Announcement): boolean => a.state === 'done' || a.state === 'cancelled';

/**
 * Keeps an announcement's coordination and help-desk posts' counts up to date as the fan-out
 * reports progress (`progress` is the worker's `onProgress`): at most every `intervalMs` per
 * announcement across instances, and once more at the end (done or cancelled) whenever that
 * comes. The guard is the announcement's `countsUpdatedAt`, written with its ETag before posting:
 * the instance that wins the write posts, the others leave it (someone else is updating). A
 * progress that comes too soon is not lost: one trailing update follows when the interval is up.
 * The final state (done or cancelled) is posted at once, however soon after the last update, and
 * marked `countsFinal`; a "Got it" after it updates the posts again, throttled like the rest.
 * A failed post is logged; the next progress posts the counts again.
 */
export class CountsUpdater {
  private readonly intervalMs: number;
  /** Announcements being updated now, and whether progress came meanwhile. */
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();
  /** Announcements with a trailing update waiting. */
  private readonly trailing = new Set<string>();
  private readonly work = new Set<Promise<void>>();

  constructor(private readonly options: CountsUpdaterOptions) {
    this.intervalMs = options.intervalMs ?? COUNTS_UPDATE_MS;
  }

  /** Progress of an announcement: its posts are updated now, or when the interval allows. */
  progress = (tenantId: string, announcementId: string): void => {
    const key = `${tenantId}|${announcementId}`;
    const run = this.running.get(key);
    if (run) {
      run.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = this.track(this.runFor(tenantId, announcementId, key, state));
    this.running.set(key, state);
  };

  /** Resolves when no update is under way or waiting (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.work.size) await Promise.all(this.work);
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.work.delete(tracked));
    this.work.add(tracked);
    return tracked;
  }

  private async runFor(
    tenantId: string,
    announcementId: string,
    key: string,
    state: { again: boolean },
  ): Promise<void> {
    try {
      let outcome: Outcome;
      do {
        state.again = false;
        outcome = await this.update(tenantId, announcementId);
      } while (state.again && outcome.kind !== 'later');
      if (outcome.kind === 'later') this.later(tenantId, announcementId, key, outcome.at);
    } catch (err) {
      this.options.log.warn({ err, tenantId, announcementId }, 'announcement counts not updated');
    } finally {
      this.running.delete(key);
    }
  }

  /** One trailing update per announcement when the interval is up. */
  private later(tenantId: string, announcementId: string, key: string, at: number): void {
    if (this.trailing.has(key)) return;
    this.trailing.add(key);
    const ms = Math.max(1, at - this.options.clock.now().getTime());
    void this.track(
      this.options.wait(ms).then(() => {
        this.trailing.delete(key);
        this.progress(tenantId, announcementId);
      }),
    );
  }

  private async update(tenantId: string, announcementId: string): Promise<Outcome> {
    const { announcements, announcer, clock, log } = this.options;
    for (let tries = 0; tries < TRIES; tries++) {
      const got = await announcements.get(tenantId, announcementId);
      if (!got) return { kind: 'skipped' };
      const a = got.value;
      const now = clock.now();
      const last = a.countsUpdatedAt ? Date.parse(a.countsUpdatedAt) : null;
      // The final state is posted at once; anything else (and "Got it" after the end) at most every interval.
      const final = isFinal(a) && !a.countsFinal;
      if (!final && last !== null && now.getTime() - last < this.intervalMs) {
        return { kind: 'later', at: last + this.intervalMs };
      }
      let updated: Announcement;
      try {
        const next = { ...a, countsUpdatedAt: now.toISOString(), ...(final ? { countsFinal: true } : {}) };
        updated = (await announcements.update(next, got.etag)).value;
      } catch (err) {
        if (!isConcurrencyError(err)) throw err;
        continue;
      }
      const { counts } = await announcements.counts(tenantId, announcementId);
      for (const post of [updated.coordination, updated.helpdesk]) {
        if (!post?.messageId) continue;
        try {
          await announcer.update(tenantId, post.conversation, post.messageId, {
            announcement: updated,
            counts,
          });
        } catch (err) {
          log.warn(
            { err, tenantId, announcementId, conversationId: post.conversation.conversationId },
            'announcement post not updated',
          );
        }
      }
      return { kind: 'posted' };
    }
    return { kind: 'skipped' };
  }
}
