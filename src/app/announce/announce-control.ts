/**
 * `announce cancel` and `announce retry`: an admin stops the rollout's running announcement (what
 * was sent stays sent), or sends its failed deliveries again.
 */
import type { Announcement } from '../../domain/announcement';
import { cancelDelivery, retryDelivery } from '../../domain/announcement';
import type { Rollout } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import { isConcurrencyError } from '../errors';
import type { FanoutMessage } from '../ports';
import {
  changePart,
  latestAnnouncement,
  NO_ANNOUNCEMENT,
  RUNNING,
  type AnnounceUseDeps,
} from './announce-common';

export type ControlOutcome =
  { kind: 'done'; announcement: Announcement; message: string } | { kind: 'unchanged'; message: string };

/** Tries of a state change when the worker writes the announcement at the same moment. */
const STATE_ATTEMPTS = 6;

/**
 * Re-reads and changes the announcement until its ETag holds; `change` answering a string: nothing
 * to do, that reason returned; the same announcement: nothing written.
 */
const changeAnnouncement = async (
  deps: AnnounceUseDeps,
  tenantId: string,
  id: string,
  change: (a: Announcement) => Announcement | string,
): Promise<Announcement | string> => {
  const { store } = deps.announce;
  for (let attempt = 1; ; attempt++) {
    const stored = await store.get(tenantId, id);
    if (!stored) return 'That announcement no longer exists.';
    const next = change(stored.value);
    if (typeof next === 'string' || next === stored.value) return next;
    try {
      return (await store.update(next, stored.etag)).value;
    } catch (err) {
      if (!isConcurrencyError(err) || attempt >= STATE_ATTEMPTS) throw err;
    }
  }
};

/**
 * Cancel: the rollout's newest scheduled, expanding or sending announcement becomes `cancelled`
 * (the worker sends nothing more of a cancelled one); its pending deliveries are then marked
 * cancelled by `cancelPending`, after the reply. The caller checked that `by` is an admin.
 */
export const cancelAnnouncement = async (
  deps: AnnounceUseDeps,
  rollout: Rollout,
  by: Person,
): Promise<ControlOutcome> => {
  const latest = await latestAnnouncement(deps, rollout, RUNNING);
  if (!latest) {
    return { kind: 'unchanged', message: `“${rollout.name}” has no announcement being sent or scheduled.` };
  }
  const now = deps.clock.now().toISOString();
  const changed = await changeAnnouncement(deps, rollout.tenantId, latest.id, (a) =>
    RUNNING.includes(a.state)
      ? { ...a, state: 'cancelled', cancelledBy: by, completedAt: now }
      : `The announcement of ${a.text.stageLabel} is ${a.state} already.`,
  );
  if (typeof changed === 'string') return { kind: 'unchanged', message: changed };
  return {
    kind: 'done',
    announcement: changed,
    message: `Cancelled the announcement of ${changed.text.stageLabel}: nothing more will be sent. What was sent stays sent.`,
  };
};

/** Partitions a cancel or retry walks: every partition written (and 0 for one still expanding). */
const partitionsOf = (a: Announcement): number[] => Array.from({ length: Math.max(a.parts, 1) }, (_, i) => i);

/**
 * After a cancel's reply: each partition's pending deliveries marked cancelled (sent, failed,
 * blocked stay as they are), counts recomputed; a partition the sender is writing is read again.
 * Returns how many deliveries were cancelled.
 */
export const cancelPending = async (deps: AnnounceUseDeps, announcement: Announcement): Promise<number> => {
  const now = deps.clock.now();
  let cancelled = 0;
  let failure: unknown = null;
  for (const part of partitionsOf(announcement)) {
    try {
      const changed = await changePart(deps, announcement.tenantId, announcement.id, part, (d) =>
        d.status === 'pending' ? cancelDelivery(d, now) : null,
      );
      cancelled += changed.length;
    } catch (err) {
      // The other partitions still: the announcement is cancelled already, so the worker sends
      // nothing more of this one either; its pending rows only stay pending in the report.
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return cancelled;
};

/**
 * Retry: the rollout's newest announcement (not a cancelled or unsent one) when some of its
 * deliveries failed; `requeueFailed` does the work after the reply. The caller checked that the
 * person is an admin.
 */
export const retryAnnouncement = async (deps: AnnounceUseDeps, rollout: Rollout): Promise<ControlOutcome> => {
  const latest = await latestAnnouncement(deps, rollout);
  if (!latest) return { kind: 'unchanged', message: NO_ANNOUNCEMENT(rollout) };
  const label = latest.text.stageLabel;
  if (latest.state === 'cancelled') {
    return { kind: 'unchanged', message: `The announcement of ${label} was cancelled: nothing to retry.` };
  }
  if (latest.state === 'scheduled' || latest.state === 'expanding') {
    return {
      kind: 'unchanged',
      message: `The announcement of ${label} has not been sent yet: nothing to retry.`,
    };
  }
  const { counts } = await deps.announce.store.counts(rollout.tenantId, latest.id);
  if (counts.failed === 0) {
    return {
      kind: 'unchanged',
      message: `No delivery of the announcement of ${label} failed: nothing to retry.`,
    };
  }
  const what = `${counts.failed} failed deliver${counts.failed === 1 ? 'y' : 'ies'}`;
  return {
    kind: 'done',
    announcement: latest,
    message: `Sending the ${what} of the announcement of ${label} again.`,
  };
};

/**
 * After a retry's reply: each partition's failed deliveries back to pending (their attempts start
 * again), then the announcement back to `sending` (in this order: a worker finding a `done` one
 * with nothing pending would mark it done again before the deliveries were pending), then a
 * 'part' message for each partition touched, and the worker woken. Returns the partitions queued.
 */
export const requeueFailed = async (deps: AnnounceUseDeps, announcement: Announcement): Promise<number[]> => {
  const { tenantId, id } = announcement;
  const touched: number[] = [];
  for (const part of partitionsOf(announcement)) {
    const changed = await changePart(deps, tenantId, id, part, (d) =>
      d.status === 'failed' ? retryDelivery(d) : null,
    );
    if (changed.length > 0) touched.push(part);
  }
  if (touched.length === 0) return [];
  const resumed = await changeAnnouncement(deps, tenantId, id, (a) =>
    a.state === 'cancelled'
      ? 'cancelled meanwhile'
      : a.state === 'sending'
        ? a
        : { ...a, state: 'sending', completedAt: null },
  );
  if (typeof resumed === 'string') return [];
  for (const part of touched) {
    const message: FanoutMessage = { v: 1, kind: 'part', tenantId, announcementId: id, part };
    await deps.announce.queue.send(JSON.stringify(message));
  }
  deps.announce.kick();
  return touched;
};
