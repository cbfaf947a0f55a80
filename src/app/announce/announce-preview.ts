/**
 * `announce`: the preview an admin confirms. Nothing is stored: the preview carries a new
 * announcement id, so that Send (however often it is clicked or redelivered) makes one.
 */
import { randomUUID } from 'node:crypto';
import { announcementText } from '../../domain/announcement-text';
import { currentStageId, findStage, stageIds } from '../../domain/feedback-goals';
import type { Rollout } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import { isLocalDateTime, localToInstant } from '../../domain/time';
import type { AnnouncementPreview } from '../ports';
import type { AnnounceUseDeps } from './announce-common';
import { announcementAudience } from './announce-recipients';

export const AT_EXAMPLE = '2026-03-02 09:00';

/** `--at` as typed (`YYYY-MM-DD HH:mm`, or with a `T`), in the rollout's zone, as an instant in the future. */
export const parseAt = (
  typed: string,
  timeZone: string,
  now: Date,
): { ok: true; at: string } | { ok: false; message: string } => {
  const local = typed.trim().replace(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/, '$1T$2');
  if (local.length !== 16 || !isLocalDateTime(local)) {
    return {
      ok: false,
      message: `\`--at\` takes a date and time in the rollout's time zone (${timeZone}), like \`--at "${AT_EXAMPLE}"\`; “${typed.slice(0, 40)}” is not one.`,
    };
  }
  const at = localToInstant(local, timeZone);
  if (at.getTime() <= now.getTime()) {
    return {
      ok: false,
      message: `${local.replace('T', ' ')} (${timeZone}) has passed. Give a time to come, or leave \`--at\` out to send at once.`,
    };
  }
  return { ok: true, at: at.toISOString() };
};

export interface PreviewRequest {
  rollout: Rollout;
  /** `--stage`; null: the current stage. */
  stageId: string | null;
  /** `--at` as typed; null: at once. */
  at: string | null;
  by: Person;
}

export type PreviewOutcome =
  { kind: 'preview'; preview: AnnouncementPreview } | { kind: 'invalid'; message: string };

/** A closed rollout announces nothing more. */
export const completedMessage = (rollout: Rollout): string =>
  `“${rollout.name}” is closed: there is nothing more to announce.`;

/** Stage not in the plan: the stages there are. */
export const unknownStage = (rollout: Rollout, stageId: string): string =>
  `“${rollout.name}” has no phase or wave “${stageId.slice(0, 100)}”. Use one of: ${stageIds(rollout)
    .map((id) => `\`${id}\``)
    .join(', ')}.`;

/**
 * The preview of the stage's announcement: its text from the plan as it is now, its recipients as
 * far as they are known (a fresh Graph snapshot's count, or the listed members; `none` when neither),
 * and when it goes. The caller checked that the person is an admin.
 */
export const previewAnnouncement = async (
  deps: Pick<AnnounceUseDeps, 'audiences' | 'clock'>,
  request: PreviewRequest,
): Promise<PreviewOutcome> => {
  const { rollout } = request;
  if (rollout.status === 'completed') return { kind: 'invalid', message: completedMessage(rollout) };
  const stageId = request.stageId?.trim() || currentStageId(rollout);
  const text = findStage(rollout, stageId) ? announcementText(rollout, stageId) : null;
  if (!text) return { kind: 'invalid', message: unknownStage(rollout, stageId) };
  let scheduledAt: string | null = null;
  if (request.at !== null) {
    const parsed = parseAt(request.at, rollout.timeZone, deps.clock.now());
    if (!parsed.ok) return { kind: 'invalid', message: parsed.message };
    scheduledAt = parsed.at;
  }
  const audience = await announcementAudience(deps, rollout, stageId);
  return {
    kind: 'preview',
    preview: {
      announcementId: randomUUID(),
      tenantId: rollout.tenantId,
      rolloutId: rollout.id,
      text,
      audience: audience.kind,
      recipients: audience.count,
      scheduledAt,
      by: request.by,
    },
  };
};
