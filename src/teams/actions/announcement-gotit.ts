import { z } from 'zod';
import { ANNOUNCE_UNAVAILABLE } from '../../app/announce/announce-common';
import { recordGotIt } from '../../app/announce/announce-gotit';
import { defineAction } from '../handler';
import { announcementPersonalCard, announcementPersonalData } from '../views/announcement-view';

export const TEST_GOT_IT = 'This was a test: nothing is counted, and no one else got it.';

/**
 * `announcement.gotit` on a personal announcement card: recorded once for the person who clicked
 * (from the activity; the card only names the announcement and partition), then the card says thanks.
 */
export const announcementGotIt = defineAction({
  verb: 'announcement.gotit',
  retrySafe: 'Clicking again is safe: it counts once.',
  schema: z.object({
    announcementId: z.string().min(1).max(100),
    /** -1 on a test card ("Send a test to me"), which names no delivery. */
    part: z.number().int().min(-1).max(100_000),
    test: z.boolean().optional(),
  }),
  async run(ctx, data) {
    const { announce } = ctx.deps;
    if (!announce) return { message: ANNOUNCE_UNAVAILABLE };
    if (data.test || data.part < 0) return { message: TEST_GOT_IT };
    const outcome = await recordGotIt(
      { announce, clock: ctx.deps.clock },
      {
        tenantId: ctx.turn.tenantId,
        announcementId: data.announcementId,
        part: data.part,
        by: ctx.turn.from,
      },
    );
    if (outcome.kind === 'not-found') return { message: outcome.message };
    // The posts' "got it" count follows (at most every few seconds).
    if (outcome.first) ctx.turn.defer(() => announce.progress?.(ctx.turn.tenantId, data.announcementId));
    return {
      card: announcementPersonalCard.render(
        announcementPersonalData(outcome.announcement, data.part, 'thanked'),
      ),
    };
  },
});
