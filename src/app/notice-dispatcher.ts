import { stageLabel } from '../domain/feedback-access';
import { findStage } from '../domain/feedback-goals';
import { DeliveryError } from './errors';
import { sealIssueRef } from './issue-ref';
import { SerialQueue } from './serial-queue';
import type { Rollout } from '../domain/rollout';
import type {
  FeedbackRepository,
  Log,
  Messenger,
  Notice,
  NoticeContent,
  NoticeSink,
  RefSealer,
  RolloutRepository,
  ScheduleRepository,
  SignoffRepository,
} from './ports';

export interface DispatcherOptions {
  rollouts: RolloutRepository;
  feedback: FeedbackRepository;
  signoffs: SignoffRepository;
  /** The scheduler's outbox (absent: no scheduled notices). */
  schedules?: ScheduleRepository;
  messenger: Messenger;
  /** Seals the reference an issue card carries to name its answer (a fresh one per card). */
  sealer: RefSealer;
  log: Log;
  /** Waits between attempts (injected so tests do not sleep). */
  wait: (ms: number) => Promise<void>;
  /** Attempts per notice before it is left in the outbox for the next start. */
  maxAttempts?: number;
}

export const DEFAULT_NOTICE_ATTEMPTS = 8;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;
/** Notices picked up from the outbox at start-up, at most. */
export const RECOVERY_BATCH = 500;

/** Exponential back-off with full jitter, or the service's Retry-After when it gave one. */
export const retryDelay = (
  attempt: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number => retryAfterMs ?? Math.round(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));

/**
 * Sends committed notices to their rollout's coordination conversation, one at a time (the Bot
 * Connector limits messages per conversation), after the person who caused them was answered.
 * A notice leaves the outbox only once sent, or when delivery can never succeed (the bot was
 * removed or blocked), which is logged as an error. A failed send is retried with back-off;
 * after the last attempt the notice stays in the outbox and is sent at the next start.
 * Delivery is at least once: a crash between sending and clearing sends it again.
 */
export class NoticeDispatcher implements NoticeSink {
  private readonly queue: SerialQueue<Notice>;
  private readonly maxAttempts: number;

  constructor(private readonly options: DispatcherOptions) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_NOTICE_ATTEMPTS;
    this.queue = new SerialQueue(
      (notice) => this.deliver(notice),
      (err, notice) =>
        options.log.error({ err, noticeId: notice.id }, 'notice failed; it stays in the outbox'),
    );
  }

  enqueue(notice: Notice): void {
    this.queue.add(notice);
  }

  /** Queues what a previous run left in the outbox; returns how many. */
  async recover(): Promise<number> {
    const pending = [
      ...(await this.options.feedback.pendingNotices(RECOVERY_BATCH)),
      ...(await this.options.signoffs.pendingNotices(RECOVERY_BATCH)),
      ...((await this.options.schedules?.pendingNotices(RECOVERY_BATCH)) ?? []),
    ];
    for (const notice of pending) this.enqueue(notice);
    return pending.length;
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Removes a notice from the outbox it was written to. */
  private async clear(notice: Notice): Promise<void> {
    if (notice.kind === 'feedback-issue') return this.options.feedback.clearNotice(notice);
    if (notice.kind === 'scheduled') return this.options.schedules?.clearNotice(notice);
    return this.options.signoffs.clearNotice(notice);
  }

  /** What the notice says, read now; null when what it is about was deleted meanwhile. */
  private async content(notice: Notice, rollout: Rollout): Promise<NoticeContent | null> {
    if (notice.kind === 'scheduled') {
      // Made when it was decided (a digest reads as of its time).
      return { kind: 'scheduled', rollout, topic: notice.topic, data: JSON.parse(notice.data) as unknown };
    }
    if (notice.kind === 'feedback-issue') {
      const { feedback } = this.options;
      const entry = (await feedback.get(notice.tenantId, notice.rolloutId, notice.stageId, notice.personKey))
        ?.value;
      const found = findStage(rollout, notice.stageId);
      if (!entry || !found) return null;
      return {
        kind: notice.kind,
        rollout,
        entry,
        // The card names the answer only sealed: no key that links one person's answers across stages.
        ref: sealIssueRef(this.options.sealer, notice.tenantId, notice.rolloutId, notice),
        stageLabel: stageLabel(rollout, found),
      };
    }
    const state = await this.options.signoffs.get(notice.tenantId, notice.rolloutId, notice.requestId);
    const answer = state?.answers.find((a) => a.person.id === notice.personId);
    return state && answer ? { kind: notice.kind, rollout, request: state.request.value, answer } : null;
  }

  private async deliver(notice: Notice): Promise<void> {
    const { rollouts, messenger, log } = this.options;
    const rollout = (await rollouts.get(notice.tenantId, notice.rolloutId))?.value;
    const content = rollout ? await this.content(notice, rollout) : null;
    if (!rollout || !content) {
      log.warn(
        { noticeId: notice.id, rolloutId: notice.rolloutId },
        'notice about something deleted; dropped',
      );
      return this.clear(notice);
    }
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      try {
        await messenger.notify(notice.tenantId, rollout.coordination, content);
        log.info({ noticeId: notice.id, rolloutId: rollout.id }, 'notice sent');
        return this.clear(notice);
      } catch (err) {
        if (!(err instanceof DeliveryError)) throw err;
        if (err.permanent) {
          log.error(
            {
              err,
              noticeId: notice.id,
              rolloutId: rollout.id,
              conversationId: rollout.coordination.conversationId,
            },
            'notice cannot be delivered to the coordination conversation (bot removed or blocked); dropped',
          );
          return this.clear(notice);
        }
        const delay = retryDelay(attempt, err.retryAfterMs);
        log.warn(
          { err, noticeId: notice.id, attempt: attempt + 1, retryInMs: delay },
          'notice not delivered; retrying',
        );
        if (attempt + 1 < this.maxAttempts) await this.options.wait(delay);
      }
    }
    log.error(
      { noticeId: notice.id, rolloutId: rollout.id },
      'notice still not delivered; it stays in the outbox for the next start',
    );
  }
}
