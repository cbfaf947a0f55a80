import type { Announcement, AnnouncementCounts, AnnouncementText } from '../../src/domain/announcement';
import { feedbackNudgeData, signoffReminderData } from '../../src/teams/views/reminder-view';
import {
  announcementPersonalData,
  announcementPostData,
  announcementPreviewData,
} from '../../src/teams/views/announcement-view';

const long = (n: number, c = 'x') => c.repeat(n);

/** An announcement's text; `longest` makes every text as long as the plan file allows. */
export const anAnnouncementText = (overrides: Partial<AnnouncementText> = {}): AnnouncementText => ({
  rolloutName: 'Teams Premium',
  stageId: 'enterprise/w2',
  stageLabel: 'Enterprise rollout · Sales "EMEA" & <APAC>',
  timeFrame: { start: '2026-03-01T09:00', end: '2026-03-15T17:00' },
  timeZone: 'Europe/Amsterdam',
  enrollment: 'self-service',
  whatIsDeployed: 'Teams Premium licences and the new meeting features.',
  howAndWhen: 'Assigned overnight; restart Teams the next morning.',
  businessPurpose: 'Fewer meeting tools to pay for.',
  selfHelpUrl: 'https://help.example.com/teams-premium',
  helpDeskContact: 'Call 1234 or write to helpdesk@example.com',
  takesFeedback: true,
  ...overrides,
});

export const longestText = (): AnnouncementText =>
  anAnnouncementText({
    rolloutName: long(80, 'N'),
    stageLabel: `${long(80, 'P')} · ${long(80, 'W')}`,
    whatIsDeployed: long(2000, 'd'),
    howAndWhen: long(2000, 'h'),
    businessPurpose: long(2000, 'b'),
    selfHelpUrl: `https://help.example.com/${long(100)}`,
    helpDeskContact: long(2000, 'c'),
  });

export const anAnnouncement = (overrides: Partial<Announcement> = {}): Announcement => ({
  id: 'ann-1',
  tenantId: 'tenant-1',
  rolloutId: 'ro-1',
  stageId: 'enterprise/w2',
  text: anAnnouncementText(),
  by: { id: 'admin-1', name: 'Ada Admin' },
  createdAt: '2026-02-28T08:00:00.000Z',
  scheduledAt: null,
  state: 'sending',
  audience: 'snapshot',
  recipients: 120_000,
  parts: 2400,
  coordination: null,
  helpdesk: null,
  countsUpdatedAt: null,
  completedAt: null,
  cancelledBy: null,
  ...overrides,
});

export const bigCounts = (): AnnouncementCounts => ({
  recipients: 120_000,
  pending: 10_000,
  sent: 100_000,
  failed: 1_234,
  blocked: 567,
  notInstalled: 8_199,
  cancelled: 0,
  gotIt: 45_678,
  possibleDuplicates: 12,
});

/** The announcement cards' fixtures: every text at its longest, every optional part shown. */
export const ANNOUNCEMENT_FIXTURES = {
  'announcement-personal': announcementPersonalData(anAnnouncement({ text: longestText() }), 17),
  'announcement-post': announcementPostData({
    announcement: anAnnouncement({
      text: longestText(),
      state: 'cancelled',
      cancelledBy: { id: 'a', name: long(70) },
    }),
    counts: { ...bigCounts(), cancelled: 10_000 },
  }),
  'announcement-preview': announcementPreviewData(
    {
      announcementId: 'ann-1',
      tenantId: 'tenant-1',
      rolloutId: 'ro-1',
      text: longestText(),
      audience: 'snapshot',
      recipients: 120_000,
      scheduledAt: '2026-03-01T08:00:00.000Z',
      by: { id: 'admin-1', name: 'Ada Admin' },
    },
    { notice: 'The audience changed since the preview was made: check the count.' },
  ),
  'feedback-nudge': feedbackNudgeData(
    anAnnouncement({
      text: longestText(),
      purpose: { kind: 'feedback-nudge', n: 2 },
      reminder: { app: long(80, 'A') },
    }),
  ),
  'signoff-reminder': signoffReminderData(
    anAnnouncement({
      text: longestText(),
      purpose: { kind: 'signoff-reminder', requestId: 'req-1', n: 1 },
      reminder: { deadline: '2026-03-02T07:00:00.000Z' },
    }),
    'req-1',
  ),
};
