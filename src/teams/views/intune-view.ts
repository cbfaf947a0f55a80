import { groupCount, type IntuneView } from '../../app/intune-status';
import type { AssignmentResult } from '../../app/ports';
import type { Rollout } from '../../domain/rollout';
import type { NoticeCardData } from './notice-view';
import { formatInstant, plain } from './format';

/** Groups named in one line at most. */
const SHOWN_GROUPS = 10;

const groupList = (ids: readonly string[]): string => {
  const rest = ids.length - SHOWN_GROUPS;
  return `${ids.slice(0, SHOWN_GROUPS).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
};

/**
 * A group whose members are all or mostly not users is a device group (an app assigned to it goes
 * to its devices); a mixed one says how many members are not users. Neither counts them as users.
 */
const nonUserLine = ({
  groupId,
  users,
  nonUsers,
}: NonNullable<AssignmentResult['nonUserGroups']>[number]): string => {
  if (nonUsers <= users) {
    const are = nonUsers === 1 ? 'is not a user' : 'are not users';
    return `${groupId}: ${nonUsers} of ${users + nonUsers} members ${are} (devices) — not counted as users.`;
  }
  const devices = `${nonUsers} device${nonUsers === 1 ? '' : 's'}`;
  const alsoUsers = users > 0 ? ` (and ${users} user${users === 1 ? '' : 's'})` : '';
  return `${groupId}: ${devices}${alsoUsers} — assigned to its devices; not counted as users.`;
};

/** What the coordination conversation is told after an assignment ran. */
export const intuneNoticeData = (
  rollout: Rollout,
  result: AssignmentResult,
  stage: string,
): NoticeCardData => {
  const lines = [
    result.assigned.length > 0
      ? `Assigned (${result.intent}) to ${groupList(result.assigned)}.`
      : 'Assigned to no new group.',
    ...(result.leftAlone.length > 0 ? [`Already assigned, left alone: ${groupList(result.leftAlone)}.`] : []),
    ...(result.conflicts.length > 0
      ? [
          `Left as they are (not ${result.intent}): ${result.conflicts
            .slice(0, SHOWN_GROUPS)
            .map((c) => `${c.groupId} (${c.found})`)
            .join(', ')}.`,
        ]
      : []),
    ...(result.nonUserGroups ?? []).slice(0, SHOWN_GROUPS).map(nonUserLine),
    ...result.warnings.map((w) => `Warning: ${w}.`),
    ...(result.error ? [`Failed: ${result.error} \`intune retry\` tries again.`] : []),
  ];
  return {
    title: `${result.state === 'ok' ? '✅' : '⚠️'} Intune: app ${result.appId} for ${stage} (“${plain(rollout.name)}”)`,
    text: lines.join('\n\n'),
  };
};

/** The Intune section of the status card: the assignments as last read, and a failure to retry. */
export const intuneStatus = (
  rollout: Rollout,
  { state, pending }: IntuneView,
): { summary: string; failure: string } | null => {
  const appId = rollout.app.intuneAppId?.trim() || state?.appId;
  if (!appId) return null;
  const read = state?.appId === appId ? state : null;
  const included = (read?.assignments ?? []).filter((a) => a.target === 'include' && a.groupId);
  const byIntent = new Map<string, number>();
  for (const a of included) byIntent.set(a.intent, (byIntent.get(a.intent) ?? 0) + 1);
  const assigned = read?.assignments
    ? byIntent.size > 0
      ? `assigned to ${[...byIntent].map(([intent, n]) => `${groupCount(n)} (${intent})`).join(', ')}`
      : 'assigned to no group'
    : 'assignments not read yet';
  const when = read?.readAt ? ` · last read ${formatInstant(read.readAt, rollout.timeZone)}` : '';
  const latest = pending ? null : read?.latest;
  const waiting = pending ? ` · assignment for ${pending.stageId} pending` : '';
  return {
    summary: `Intune: ${appId} — ${assigned}${when}${waiting}`,
    failure: latest?.state === 'failed' ? `failed: ${latest.error ?? 'unknown'} — \`intune retry\`` : '',
  };
};
