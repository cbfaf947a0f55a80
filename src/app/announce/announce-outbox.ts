/**
 * The announcements advances commit (`announce: auto`, see `announce-entry.ts`), made and started
 * after the reply.
 *
 * Order of operations, for one outbox row:
 *
 * 1. the advance, its audit, its marker and the row (`PendingAnnouncement`: id, stage, text as
 *    entered) commit in one transaction;
 * 2. the person is answered;
 * 3. after the reply, one row at a time:
 *    a. the announcement is created under the row's id (`expanding`: the fan-out worker takes it
 *       from its 'start' message at once; recipients and partitions are the worker's to write);
 *       one with that id made already (an earlier run, a crash) is the one there;
 *    b. `publishAnnouncement`: posted to the coordination and help-desk conversations where no
 *       post is recorded yet, the message ids recorded (ETag-guarded), the 'start' message queued
 *       and the worker woken;
 *    c. the row is deleted.
 * 4. Crashes: anywhere before 3c the row survives, and `recover()` (start-up, the sweep) runs it
 *    again: 3a finds the announcement made (never a second one), 3b posts only where no message
 *    id is recorded and queues another 'start' (harmless: the worker takes an announcement
 *    already expanding or sending where it stands). Only a crash between a post and the record of
 *    its id posts it twice. Storage failing leaves the row for the next sweep, as a crash does.
 *
 * Runs are serial within one instance (a row queued twice runs once); two instances running the
 * same row at once make one announcement, and could each post it.
 */
import type { Announcement, AnnouncementPost } from '../../domain/announcement';
import type { Coordination } from '../../domain/rollout';
import { isConcurrencyError } from '../errors';
import { RECOVERY_BATCH } from '../notice-dispatcher';
import type { AnnouncementSink, Deps, PendingAnnouncement } from '../ports';
import { SerialQueue } from '../serial-queue';
import { RUNNING, type AnnounceUseDeps } from './announce-common';
import { announcementAudience } from './announce-recipients';
import { publishAnnouncement } from './announce-send';

/** What the dispatcher needs: the rollouts (their outbox), the audiences, the announcements' side. */
export type DispatcherDeps = AnnounceUseDeps & Pick<Deps, 'log'>;

const post = (conversation: Coordination | null | undefined): AnnouncementPost | null =>
  conversation ? { conversation, messageId: null } : null;

/** Makes and starts committed announcements after the reply; see the order of operations above. */
export class AnnouncementDispatcher implements AnnouncementSink {
  private readonly queue: SerialQueue<PendingAnnouncement>;

  constructor(private readonly deps: DispatcherDeps) {
    this.queue = new SerialQueue(
      (pending) => this.run(pending),
      (err, pending) =>
        deps.log.error(
          { err, announcementId: pending.id, rolloutId: pending.rolloutId },
          'announcement not started; it stays in the outbox for the next sweep',
        ),
    );
  }

  enqueue(pending: PendingAnnouncement): void {
    this.queue.add(pending);
  }

  /** Queues what a previous run (or a crash) left in the outbox; returns how many. */
  async recover(): Promise<number> {
    const pending = await this.deps.rollouts.pendingAnnouncements(RECOVERY_BATCH);
    for (const p of pending) this.enqueue(p);
    return pending.length;
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async run(pending: PendingAnnouncement): Promise<void> {
    const { rollouts, log } = this.deps;
    const rollout = (await rollouts.get(pending.tenantId, pending.rolloutId))?.value;
    if (!rollout) {
      log.warn(
        { announcementId: pending.id, rolloutId: pending.rolloutId },
        'the rollout of a committed announcement is gone; nothing is announced',
      );
      return rollouts.clearAnnouncement(pending);
    }
    const announcement = await this.createOnce({
      id: pending.id,
      tenantId: pending.tenantId,
      rolloutId: pending.rolloutId,
      stageId: pending.stageId,
      text: pending.text,
      by: pending.by,
      createdAt: pending.at,
      scheduledAt: null,
      state: 'expanding',
      audience: (await announcementAudience(this.deps, rollout, pending.stageId)).kind,
      recipients: 0,
      parts: 0,
      coordination: post(rollout.coordination),
      helpdesk: post(rollout.helpdesk),
      countsUpdatedAt: null,
      completedAt: null,
      cancelledBy: null,
    });
    // Cancelled (or done) before a crashed run got this far: there is nothing left to start.
    if (RUNNING.includes(announcement.state)) await publishAnnouncement(this.deps, announcement);
    await rollouts.clearAnnouncement(pending);
    log.info(
      { announcementId: pending.id, rolloutId: pending.rolloutId, stageId: pending.stageId },
      'announcement of the stage entered started',
    );
  }

  /** Creates it; the one stored when its id is taken (an earlier run of the same row). */
  private async createOnce(announcement: Announcement): Promise<Announcement> {
    const { store } = this.deps.announce;
    try {
      return (await store.create(announcement)).value;
    } catch (err) {
      if (!(isConcurrencyError(err) && err.reason === 'already-exists')) throw err;
      const existing = await store.get(announcement.tenantId, announcement.id);
      if (!existing) throw err;
      return existing.value;
    }
  }
}
