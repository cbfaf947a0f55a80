import { z } from 'zod';
import { ANNOUNCE_UNAVAILABLE, type AnnounceUseDeps } from '../../app/announce/announce-common';
import {
  previewOf,
  publishAnnouncement,
  sendAnnouncement,
  skipAnnouncement,
  testAnnouncement,
  type ClickOutcome,
  type PreviewClick,
} from '../../app/announce/announce-send';
import { defineAction, type ActionContext, type ActionResult } from '../handler';
import { announcementPreviewCard, announcementPreviewData } from '../views/announcement-view';

/** What the preview card's buttons carry (checked here; the person comes from the activity). */
const previewData = z.object({
  announcementId: z.string().min(1).max(100),
  rolloutId: z.string().min(1).max(100),
  stageId: z.string().min(1).max(140),
  /** The preview's `--at` (ISO instant). */
  at: z.iso.datetime().nullish(),
});
type PreviewData = z.infer<typeof previewData>;

const clickOf = (ctx: ActionContext, data: PreviewData): PreviewClick => ({
  tenantId: ctx.turn.tenantId,
  rolloutId: data.rolloutId,
  stageId: data.stageId,
  announcementId: data.announcementId,
  at: data.at ?? null,
  by: ctx.turn.from,
  activityKey: ctx.turn.activityKey,
});

const depsOf = (ctx: ActionContext): AnnounceUseDeps | null =>
  ctx.deps.announce ? { ...ctx.deps, announce: ctx.deps.announce } : null;

/**
 * The preview once decided: its buttons gone, saying what happened, for everyone (the clicked
 * message, updated in place) and for the clicker (the invoke's answer).
 */
const decided = async (
  ctx: ActionContext,
  deps: AnnounceUseDeps,
  outcome: Extract<ClickOutcome, { kind: 'done' | 'exists' }>,
): Promise<ActionResult> => {
  const preview = await previewOf(deps, outcome.announcement);
  const card = announcementPreviewCard.render(announcementPreviewData(preview, { decided: outcome.message }));
  const messageId = ctx.turn.clickedMessageId;
  // Within the invoke: the turn's context is gone after the reply.
  if (messageId && outcome.kind === 'done') {
    try {
      await ctx.turn.update(messageId, { card });
    } catch (err) {
      // Decided all the same: the clicker's card says so, the others' say it when clicked.
      ctx.deps.log.warn(
        { err, announcementId: outcome.announcement.id },
        'announcement preview: not updated',
      );
    }
  }
  return { card };
};

/**
 * A click of a button that decides the preview (Send, Skip): `apply` to the click, then the
 * preview decided; a refusal (or no announcements on this bot) is said as a message instead.
 */
const decide = async (
  ctx: ActionContext,
  data: PreviewData,
  apply: (deps: AnnounceUseDeps, click: PreviewClick) => Promise<ClickOutcome>,
): Promise<ActionResult> => {
  const deps = depsOf(ctx);
  if (!deps) return { message: ANNOUNCE_UNAVAILABLE };
  const outcome = await apply(deps, clickOf(ctx, data));
  if (outcome.kind === 'refused') return { message: outcome.message };
  return decided(ctx, deps, outcome);
};

/**
 * `announcement.send`: creates the announcement (once: a double click or a redelivered click
 * finds it made and changes nothing), answers at once, then posts and starts it after the reply.
 */
export const announcementSend = defineAction({
  verb: 'announcement.send',
  retrySafe: 'Sending again is safe: the announcement is made once.',
  schema: previewData,
  run: (ctx, data) =>
    decide(ctx, data, async (deps, click) => {
      const outcome = await sendAnnouncement(deps, click);
      if (outcome.kind === 'done') {
        const { announcement } = outcome;
        ctx.turn.defer(() => publishAnnouncement({ ...deps, log: ctx.deps.log }, announcement));
      }
      return outcome;
    }),
});

/** `announcement.skip`: recorded as skipped (a later Send of this preview is refused). */
export const announcementSkip = defineAction({
  verb: 'announcement.skip',
  retrySafe: 'Skipping again is safe.',
  schema: previewData,
  run: (ctx, data) => decide(ctx, data, skipAnnouncement),
});

/** `announcement.test`: the personal card to the clicking admin alone; the preview stays as it is. */
export const announcementTest = defineAction({
  verb: 'announcement.test',
  schema: previewData,
  async run(ctx, data) {
    const deps = depsOf(ctx);
    if (!deps) return { message: ANNOUNCE_UNAVAILABLE };
    const outcome = await testAnnouncement(deps, clickOf(ctx, data), ctx.turn.conversation.serviceUrl);
    return { message: outcome.message };
  },
});
