import type { AnnouncementStatus } from '../../app/announce/announce-report';
import type { AnnouncementCounts } from '../../domain/announcement';
import { formatInstant } from './format';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The counts as the report and the status card say them: the zero ones of trouble left out. */
export const countsLine = (c: AnnouncementCounts): string =>
  [
    plural(c.recipients, 'recipient'),
    `${c.sent} sent`,
    `${c.gotIt} got it`,
    ...(c.pending ? [`${c.pending} pending`] : []),
    ...(c.failed ? [`${c.failed} failed`] : []),
    ...(c.blocked ? [`${c.blocked} blocked`] : []),
    ...(c.notInstalled ? [`${c.notInstalled} not installed`] : []),
    ...(c.cancelled ? [`${c.cancelled} cancelled`] : []),
    ...(c.possibleDuplicates ? [plural(c.possibleDuplicates, 'possible duplicate')] : []),
  ].join(' · ');

export const STORE_UNAVAILABLE_LINE = 'Announcements: paused: storage unavailable.';

/** The status card's announcement line; '' when there is none to show. */
export const announcementStatusLine = (status: AnnouncementStatus | null | undefined): string => {
  if (!status) return '';
  if (status.kind === 'unavailable') return STORE_UNAVAILABLE_LINE;
  const { announcement: a, counts } = status;
  if (a.state === 'scheduled' && a.scheduledAt) {
    return `Announcement of ${a.text.stageLabel}: scheduled for ${formatInstant(a.scheduledAt, a.text.timeZone)}`;
  }
  const line = `Announcement of ${a.text.stageLabel} (${a.state}): ${countsLine(counts)}`;
  return status.pausedSince && a.state === 'sending'
    ? `${line} · paused since ${formatInstant(status.pausedSince, a.text.timeZone)}: the queue or storage is unavailable; it resumes by itself`
    : line;
};
