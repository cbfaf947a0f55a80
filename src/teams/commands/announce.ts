import { ANNOUNCE_UNAVAILABLE, type AnnounceUseDeps } from '../../app/announce/announce-common';
import {
  cancelAnnouncement,
  cancelPending,
  requeueFailed,
  retryAnnouncement,
} from '../../app/announce/announce-control';
import { previewAnnouncement } from '../../app/announce/announce-preview';
import { announcementReport, NAMED_LIMIT, REASONS } from '../../app/announce/announce-report';
import type { AnnouncementCounts, Delivery } from '../../domain/announcement';
import { countsLine } from '../views/announce-status';
import { announcementPreviewCard, announcementPreviewData } from '../views/announcement-view';
import type { Rollout } from '../../domain/rollout';
import type { CommandArgs } from '../command-parser';
import type { CommandContext, CommandHandler } from '../handler';
import { withAdminRollout } from '../replies';
import { EXPORT_SENT_PRIVATELY } from './feedback-export';
import { formatInstant, plain } from '../views/format';

/** The announce commands' deps with announcements, or null (then the person was told). */
const announceDeps = async (ctx: CommandContext): Promise<AnnounceUseDeps | null> => {
  const { announce } = ctx.deps;
  if (announce) return { ...ctx.deps, announce };
  await ctx.turn.send({ text: ANNOUNCE_UNAVAILABLE });
  return null;
};

/** The rollout an admin's announce command is about, with the announce deps; null: a message was sent. */
const adminAnnounce = async (
  ctx: CommandContext,
  command: string,
  args: CommandArgs,
): Promise<{ rollout: Rollout; deps: AnnounceUseDeps } | null> => {
  const rollout = await withAdminRollout(ctx, command, args);
  if (!rollout) return null;
  const deps = await announceDeps(ctx);
  return deps ? { rollout, deps } : null;
};

const flag = (args: CommandArgs, name: string): string | null => {
  const value = args.flags[name];
  return typeof value === 'string' ? value : null;
};

/**
 * `announce [rollout] [--stage id] [--at "YYYY-MM-DD HH:mm"]` (admins): the preview of a stage's
 * announcement, posted here with Send / Send a test to me / Skip. Nothing is sent yet.
 */
export const announce: CommandHandler = {
  name: 'announce',
  usage: 'announce [rollout] [--stage id] [--at "YYYY-MM-DD HH:mm"]',
  description:
    'Preview the announcement of the current phase or wave (or `--stage`) to its people, to send now or at `--at` (the rollout’s time zone).',
  adminOnly: true,
  flags: { stage: 'value', at: 'value' },
  async run(ctx, args) {
    const found = await adminAnnounce(ctx, 'announce', args);
    if (!found) return;
    const { rollout, deps } = found;
    const { turn } = ctx;
    const outcome = await previewAnnouncement(deps, {
      rollout,
      stageId: flag(args, 'stage'),
      at: flag(args, 'at'),
      by: turn.from,
    });
    if (outcome.kind === 'invalid') return void (await turn.send({ text: outcome.message }));
    // The same card an advance into an `announce: prompt` stage posts, here as the reply.
    await turn.send({ card: announcementPreviewCard.render(announcementPreviewData(outcome.preview)) });
  },
};

/** `announce cancel [rollout]` (admins): stops the running or scheduled announcement. */
export const announceCancel: CommandHandler = {
  name: 'announce cancel',
  usage: 'announce cancel [rollout]',
  description:
    'Stop the announcement being sent or scheduled: no one else gets it; what was sent stays sent.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const found = await adminAnnounce(ctx, 'announce cancel', args);
    if (!found) return;
    const { rollout, deps } = found;
    const outcome = await cancelAnnouncement(deps, rollout, ctx.turn.from);
    if (outcome.kind === 'done') {
      const { announcement } = outcome;
      ctx.turn.defer(async () => {
        await cancelPending(deps, announcement);
        // The final, cancelled counts on the posts (the fan-out no longer reports this one).
        deps.announce.progress?.(announcement.tenantId, announcement.id);
      });
    }
    await ctx.turn.send({ text: outcome.message });
  },
};

/** `announce retry [rollout]` (admins): sends the failed deliveries again. */
export const announceRetry: CommandHandler = {
  name: 'announce retry',
  usage: 'announce retry [rollout]',
  description: 'Send the latest announcement again to the people it failed to reach.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const found = await adminAnnounce(ctx, 'announce retry', args);
    if (!found) return;
    const { rollout, deps } = found;
    const outcome = await retryAnnouncement(deps, rollout);
    if (outcome.kind === 'done') {
      const { announcement } = outcome;
      ctx.turn.defer(() => requeueFailed(deps, announcement));
    }
    await ctx.turn.send({ text: outcome.message });
  },
};

const reasonOf = (d: Delivery): string => {
  if (d.status === 'sent') return 'sent';
  const reason = REASONS[d.status];
  return d.lastStatus && d.status !== 'pending' && d.status !== 'cancelled'
    ? `${reason} (${plain(d.lastStatus)})`
    : reason;
};

const byReason = (c: AnnouncementCounts): string =>
  (
    [
      [REASONS.blocked, c.blocked],
      [REASONS['not-installed'], c.notInstalled],
      [REASONS.failed, c.failed],
      [REASONS.pending, c.pending],
      [REASONS.cancelled, c.cancelled],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `- ${reason}: ${n}`)
    .join('\n');

export const EXPORT_NOT_DELIVERED =
  'I could not message you privately, and the download link is for you alone: add Rollout Coordinator as a personal app, then type `announce report` in your chat with me.';

/**
 * `announce report [rollout]` (admins): who the latest announcement did not reach and why (names
 * up to NAMED_LIMIT, else counts by reason), and a CSV of every delivery through a signed link
 * that works once, sent to the admin alone (as `feedback export`'s).
 */
export const announceReport: CommandHandler = {
  name: 'announce report',
  usage: 'announce report [rollout]',
  description:
    'Who the latest announcement did not reach, and why; every delivery as a CSV file through a link that works once.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const found = await adminAnnounce(ctx, 'announce report', args);
    if (!found) return;
    const { rollout, deps } = found;
    const { turn } = ctx;
    const report = await announcementReport(deps, rollout);
    if (report.kind === 'none') return void (await turn.send({ text: report.message }));
    const { announcement: a, counts, named, notReached } = report;
    const head = `**Announcement of ${plain(a.text.stageLabel)}** of “${plain(rollout.name)}”, ${a.state}, by ${plain(a.by.name)} ${formatInstant(a.createdAt, rollout.timeZone)}: ${countsLine(counts)}.`;
    const body =
      notReached === 0
        ? 'Everyone was reached.'
        : notReached <= NAMED_LIMIT
          ? [
              `Not reached (${notReached}):`,
              ...named.map((d) => `- ${plain(d.name || d.personId)}: ${reasonOf(d)}`),
            ].join('\n')
          : `Not reached: ${notReached}\n${byReason(counts)}`;
    await turn.send({ text: `${head}\n\n${body}` });
    const link = ctx.deps.exportLinks.issue(turn.tenantId, rollout.id, {
      kind: 'deliveries',
      announcementId: a.id,
    });
    const linkReply = {
      text: `[Download every delivery of the announcement of ${plain(a.text.stageLabel)} as CSV](${link.url}): the link is for you alone, works once and expires ${formatInstant(link.expiresAt, rollout.timeZone)}.`,
    };
    if (!(await turn.sendPrivately(linkReply))) return void (await turn.send({ text: EXPORT_NOT_DELIVERED }));
    if (turn.conversation.type !== 'personal') await turn.send({ text: EXPORT_SENT_PRIVATELY });
  },
};
