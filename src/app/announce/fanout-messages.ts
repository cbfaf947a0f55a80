/**
 * The fan-out's queue messages: a 'start' expands an announcement into partitions, a 'part' sends
 * one partition. Only work, never the truth of who was reached (see `fanout-part.ts`).
 */
import { MAX_VISIBILITY_SECONDS } from '../ports-queue';
import type { FanoutMessage, WorkQueue } from '../ports';

/** Queue delays stop this short of the service's 7 days (a scheduled start is re-delayed). */
const DELAY_MARGIN_SECONDS = 3600;
export const MAX_DELAY_SECONDS = MAX_VISIBILITY_SECONDS - DELAY_MARGIN_SECONDS;
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

/** The delay that makes a message visible at `at` (at least 1 s, at most MAX_DELAY_SECONDS). */
export const delaySecondsUntil = (at: number, now: number): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((at - now) / 1000)));
