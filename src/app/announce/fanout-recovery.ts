import type { AnnouncementRepository, Log, WorkQueue } from '../ports';
import { partMessage, sendAll, startMessage } from './fanout-messages';

/** Unfinished announcements re-queued at start-up, at most (the next start takes the rest). */
export const FANOUT_RECOVERY_LIMIT = 500;

export interface FanoutRecoveryOptions {
  announcements: AnnouncementRepository;
  queue: WorkQueue;
  log: Log;
  /** Default FANOUT_RECOVERY_LIMIT. */
  limit?: number;
}

/**
 * Re-queues the work of every unfinished announcement at start-up, since queue messages may have
 * been lost (a queue emptied or recreated, a crash between a state change and its messages):
 * scheduled or expanding → a 'start' (it waits for its time or expands again, idempotently);
 * sending → a 'part' for every partition with pending deliveries (partition 0 when none is
 * pending, so that the announcement is marked done). Duplicates of messages still queued are
 * harmless: claims keep each delivery to one sender. A failure for one announcement is logged and
 * the others go on. Resolves with how many messages were queued.
 */
export const recoverFanout = async (
  options: FanoutRecoveryOptions,
): Promise<{ starts: number; parts: number }> => {
  const { announcements, queue, log } = options;
  const unfinished = await announcements.unfinished(options.limit ?? FANOUT_RECOVERY_LIMIT);
  let starts = 0;
  let parts = 0;
  for (const a of unfinished) {
    try {
      if (a.state === 'scheduled' || a.state === 'expanding') {
        await sendAll(queue, [startMessage(a.tenantId, a.id)]);
        starts++;
      } else if (a.state === 'sending') {
        const { pendingParts } = await announcements.counts(a.tenantId, a.id);
        const todo = pendingParts.length ? pendingParts : [0];
        await sendAll(
          queue,
          todo.map((p) => partMessage(a.tenantId, a.id, p)),
        );
        parts += todo.length;
      }
    } catch (err) {
      log.warn(
        { err, tenantId: a.tenantId, announcementId: a.id },
        'announcement not re-queued; the next start tries again',
      );
    }
  }
  if (unfinished.length)
    log.info({ announcements: unfinished.length, starts, parts }, 'announcement work re-queued');
  return { starts, parts };
};
