import type { CardDataMap } from '../../src/teams/cards';
import { dashboardLink } from '../../src/app-package/dashboard-link';
import { checklistCardData } from '../../src/teams/views/checklist-view';
import { statusCardData } from '../../src/teams/views/status-view';
import { planCardData } from '../../src/teams/views/plan-view';
import { phaseFormData, settingsFormData, waveFormData } from '../../src/teams/views/plan-form-view';
import { evaluateExitCriteria, NO_MEASUREMENTS } from '../../src/domain/criteria';
import { aRollout, ADMIN, OTHER, tallyOf, withWaves } from '../domain/fixtures';
import { feedbackIssueData } from '../../src/teams/views/feedback-issue-view';
import { feedbackExportData, feedbackSummaryData } from '../../src/teams/views/feedback-report-view';
import { answerValues, feedbackFormData, feedbackThanksData } from '../../src/teams/views/feedback-view';
import {
  CATEGORIES,
  contribution,
  PLATFORMS,
  RATINGS,
  sumTallies,
  type FeedbackAnswer,
  type FeedbackEntry,
  type FeedbackTally,
} from '../../src/domain/feedback';
import { AesRefSealer } from '../../src/app/sealed-ref';
import type { AudienceSnapshot, SignoffView } from '../../src/app/ports';
import { audienceCardData } from '../../src/teams/views/audience-view';
import { MAX_MEMBERS, MAX_REASON_LENGTH, type SignoffRequest } from '../../src/domain/signoff';
import { signoffCardData } from '../../src/teams/views/signoff-view';
import { ANNOUNCEMENT_FIXTURES } from './announcement-fixtures';
import { DIGEST_FIXTURES } from './digest-fixtures';

const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 1 } }), [
  'HR',
  'Sales "EMEA" & <APAC>',
]);

const answer: FeedbackAnswer = {
  rating: 2,
  installed: 'partly',
  category: 'sign-in',
  severity: 'blocker',
  platform: 'macos',
  comment: 'Sign-in loops after the update: "Sales & <EMEA>" **again**',
  shareName: true,
};

const entry: FeedbackEntry = {
  rolloutId: rollout.id,
  stageId: 'enterprise/w2',
  person: OTHER,
  answer,
  submittedAt: '2026-02-10T17:30:00.000Z',
  updatedAt: '2026-02-10T17:30:00.000Z',
  resolution: null,
  activities: ['a1'],
};

const long = (n: number, c = 'x') => c.repeat(n);

/** Every count of a tally times `k` (large counts without summing that many answers). */
const scaled = (tally: FeedbackTally, k: number): FeedbackTally =>
  JSON.parse(JSON.stringify(tally), (_key, value: unknown) =>
    typeof value === 'number' ? value * k : value,
  ) as FeedbackTally;

/** Answers from every platform about every category: each stage's distribution line at its longest. */
const everyKind = (): FeedbackTally =>
  sumTallies(
    PLATFORMS.flatMap((platform) =>
      CATEGORIES.map((category) =>
        contribution({ ...entry, answer: { ...answer, platform, category, severity: 'none' } }),
      ),
    ),
  );

/**
 * The largest plausible summary: 20 phases and waves with long names, every rating, platform and
 * category counted in six figures, 5 comments of 500 characters.
 */
const largestSummary = () =>
  feedbackSummaryData({
    rollout: { ...rollout, name: long(80, 'N') },
    stages: Array.from({ length: 20 }, (_, i) => ({
      stageId: `enterprise/w${i}`,
      label: `Enterprise rollout — wave ${i + 1} of 20: ${long(80, 'W')}`,
      tally: sumTallies([
        tallyOf(1234, { rating: 4 }),
        tallyOf(56, { rating: 1, installed: 'no', severity: 'blocker' }),
        scaled(everyKind(), 33_333),
        ...RATINGS.map((rating) => scaled(tallyOf(1, { rating }), 100_000)),
      ]),
      audience: 100_000,
    })),
    comments: Array.from({ length: 5 }, (_, i) => ({
      stageId: `enterprise/w${i}`,
      name: i % 2 ? null : long(80, 'P'),
      rating: 3 as const,
      comment: long(500, 'c'),
      at: '2026-02-10T17:30:00.000Z',
    })),
    timeZone: 'Europe/Amsterdam',
  });

/** A help-desk member's Entra object id. */
export const memberId = (i: number): string => `dddddddd-0000-4000-8000-${String(i).padStart(12, '0')}`;

/**
 * The largest plausible readiness request: the most members a request takes (200), 60 of them
 * Not ready with reasons at their longest, long names and the longest plan texts; an open request
 * seen by a member, with a notice.
 */
export const largestSignoff = (): SignoffView => {
  const members = Array.from({ length: MAX_MEMBERS }, (_, i) => memberId(i));
  const request: SignoffRequest = {
    id: 'req-1',
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId: 'enterprise/w2',
    stageLabel: `Enterprise rollout — wave 2 of 2: ${long(80, 'W')}`,
    policy: { kind: 'quorum', n: 3 },
    allowNotReady: false,
    members,
    deadline: '2026-02-12T17:00:00.000Z',
    fingerprint: '{}',
    status: 'open',
    supersededBy: null,
    createdBy: ADMIN,
    createdAt: '2026-02-10T09:00:00.000Z',
    postedTo: null,
    messageId: null,
  };
  const comms = {
    whatIsDeployed: long(2000, 'd'),
    howAndWhen: long(2000, 'h'),
    businessPurpose: long(2000, 'b'),
    selfHelpUrl: `https://help.example.com/${long(100)}`,
    helpDeskContact: long(2000, 'c'),
  };
  return {
    rollout: {
      ...rollout,
      name: long(80, 'N'),
      timeZone: 'Europe/Amsterdam',
      phases: rollout.phases.map((p) =>
        p.key !== 'enterprise'
          ? p
          : {
              ...p,
              communication: comms,
              waves: p.waves.map((w) => ({
                ...w,
                name: long(80, 'W'),
                timeFrame: { start: '2026-03-01T09:00', end: '2026-03-15T17:00' },
                targetGroups: Array.from({ length: 20 }, (_, i) => `${i}${long(99, 'g')}`),
                users: 1_000_000,
                devices: 1_000_000,
                platforms: ['windows', 'macos', 'ios', 'android', 'linux', 'web'],
                enrollment: 'tech-fair' as const,
              })),
            },
      ),
    },
    request,
    answers: members.slice(0, 60).map((id, i) => ({
      person: { id, name: `${long(70, 'P')}${i}` },
      ready: false,
      reason: long(MAX_REASON_LENGTH, 'r'),
      at: `2026-02-11T${String(8 + Math.floor(i / 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`,
      activities: [`a${i}`],
    })),
    feedback: {
      openBlockers: 12,
      openMajors: 34,
      topCategories: [
        { category: 'Sign-in', count: 1234 },
        { category: 'Installation', count: 56 },
        { category: 'Other', count: 7 },
      ],
    },
    now: '2026-02-11T12:00:00.000Z',
  };
};

/** A snapshot with every breakdown full (50 long keys each) and the longest names. */
function largestSnapshot(): AudienceSnapshot {
  const many = (prefix: string) =>
    Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${long(100, prefix)}${i}`, 50_000 - i]));
  return {
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId: 'enterprise',
    id: 'snap-1',
    fingerprint: '[]',
    resolvedAt: '2026-02-11T12:00:00.000Z',
    counts: {
      people: 50_000,
      byDepartment: many('D'),
      byCountry: many('C'),
      byPlatform: { windows: 40_000, macos: 5_000, ios: 20_000, android: 9_000, linux: 100 },
      devicesByOs: many('O'),
      withoutDevice: 4_000,
      leftOut: { guest: 120, disabled: 30, filtered: 9_000, noDevice: 4_000 },
      nonUsers: 12,
    },
    sample: Array.from({ length: 5 }, (_, i) => `${long(200, 'P')}${i}`),
    warnings: ['devices could not be read: DeviceManagementManagedDevices.Read.All is missing'],
  };
}

/** Representative data for every card, produced by the same view functions the bot uses. */
export const CARD_FIXTURES: { [N in keyof CardDataMap]: CardDataMap[N] } = {
  status: statusCardData(
    {
      rollout,
      criteria: evaluateExitCriteria(rollout, NO_MEASUREMENTS, null),
      recent: [
        {
          rolloutId: rollout.id,
          type: 'phase-advanced',
          by: ADMIN,
          at: '2026-02-10T17:30:00.000Z',
          summary: 'Advanced Pilot → Enterprise rollout (forced: vendor sign-off)',
          from: 'Pilot',
          to: 'Enterprise rollout',
          reason: 'vendor sign-off',
          before: null,
          after: null,
        },
      ],
    },
    {
      state: {
        tenantId: rollout.tenantId,
        rolloutId: rollout.id,
        appId: 'a1b2c3d4-0000-4000-8000-00000000a991',
        assignments: [
          { id: 'as-1', target: 'include', groupId: 'g-pilot', intent: 'required' },
          { id: 'as-2', target: 'exclude', groupId: 'g-vip', intent: 'required' },
        ],
        assignmentCount: 2,
        readAt: '2026-02-10T17:31:00.000Z',
        latest: {
          jobId: 'job-1',
          stageId: 'enterprise/w2',
          appId: 'a1b2c3d4-0000-4000-8000-00000000a991',
          intent: 'required',
          state: 'failed',
          assigned: [],
          leftAlone: [],
          conflicts: [],
          warnings: [],
          error: 'Entra ID has no group g-sales: fix the audience of enterprise/w2.',
          attempt: 1,
          at: '2026-02-10T17:31:00.000Z',
        },
        job: null,
      },
      pending: null,
    },
    undefined,
    // With "Open dashboard": the Teams deep link, the longest the button's address gets.
    dashboardLink(
      { TABS: true, MicrosoftAppId: '11111111-2222-4333-8444-555555555555', TEAMS_APP_ID: undefined },
      () => 'unused',
    ) ?? undefined,
  ),
  checklist: checklistCardData(rollout, 'That checklist is no longer current.'),
  'choose-rollout': {
    prompt: 'Several rollouts match. Choose one to run `advance phase --force x` on.',
    choices: [
      {
        name: 'Alpha',
        id: 'ro-1',
        detail: 'Pilot · Active',
        command: 'advance phase',
        rolloutId: 'ro-1',
        args: '--force x',
      },
      {
        name: 'Beta',
        id: 'ro-2',
        detail: 'Project scope · Paused',
        command: 'advance phase',
        rolloutId: 'ro-2',
        args: '--force x',
      },
    ],
  },
  'rollout-list': {
    title: 'Rollouts in this conversation',
    empty: false,
    rollouts: [{ name: 'Alpha', id: 'ro-1', detail: 'Pilot · Active' }],
  },
  notice: { title: 'advance phase ro-1', text: 'Done.' },
  // Each kind of feedback: the pilot's default goals, a wave's own goals, a wave that takes none.
  // Each kind of sign-off to enter: everyone with a deadline (the pilot), a quorum that allows Not
  // ready answers, the first answer, none by default (the other phases: "none (default)"). Each
  // announcement setting: auto (the pilot), off (the first wave), prompt by default (the rest).
  plan: planCardData(
    {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'pilot'
          ? {
              ...p,
              announce: 'auto' as const,
              readiness: {
                policy: { kind: 'everyone' as const },
                allowNotReady: false,
                members: [],
                deadline: '2026-05-01T17:00',
              },
            }
          : p.key !== 'enterprise'
            ? p
            : {
                ...p,
                waves: p.waves.map((w, i) => ({
                  ...w,
                  ...(i === 0 ? { announce: 'off' as const } : {}),
                  readiness: {
                    policy: i === 0 ? { kind: 'quorum' as const, n: 2 } : { kind: 'first' as const },
                    allowNotReady: i === 0,
                    members: [],
                    deadline: null,
                  },
                  feedback:
                    i === 0
                      ? {
                          goals: {
                            minResponses: 5,
                            minResponsePercent: null,
                            minAverageRating: 4.5,
                            minInstallSuccess: null,
                            maxOpenBlockers: 2,
                          },
                        }
                      : null,
                })),
              },
      ),
    },
    'Saved.',
  ),
  'plan-settings-form': settingsFormData(rollout, {
    errors: { timeZone: 'must be an IANA time zone' },
    formError: 'Nothing was saved.',
  }),
  'plan-phase-form': phaseFormData(rollout, 'enterprise', {
    errors: {
      minAverageRating: 'Must be a number from 1 to 5, or empty for no such goal.',
      signoffDeadlineTime: 'A deadline needs a time of day.',
    },
    resolved: largestSnapshot(),
  }),
  'plan-wave-form': waveFormData(rollout, 'enterprise', 'w3', { resolved: largestSnapshot() }),
  'plan-export': { name: rollout.name, yaml: 'version: 1\nname: Teams Premium\n', revision: 3 },
  'plan-import': {
    rolloutId: rollout.id,
    revision: 3,
    name: rollout.name,
    yaml: '',
    errors: 'line 2: name: too long',
    hasErrors: true,
  },
  'feedback-form': feedbackFormData({
    rollout,
    stageId: 'enterprise/w2',
    stageLabel: 'Enterprise rollout — wave 2 of 2: Sales',
    values: { ...answerValues(answer), rating: '' },
    errors: {
      rating: 'Choose a rating from 1 to 5.',
      comment: 'A comment can have at most 2,000 characters.',
    },
    formError: 'Some answers need another look: see below.',
  }),
  'feedback-thanks': feedbackThanksData({
    rollout,
    stageId: 'enterprise/w2',
    stageLabel: 'Enterprise rollout — wave 2 of 2: Sales',
    entry,
    notice: 'Thanks for flagging it: the rollout team has been told about the issue.',
  }),
  'feedback-summary': largestSummary(),
  'feedback-issue': feedbackIssueData({
    rollout,
    stageLabel: 'Enterprise rollout — wave 2 of 2: Sales',
    entry,
    ref: new AesRefSealer('card-fixtures').seal(
      JSON.stringify({ stageId: 'enterprise/w2', personKey: '0123456789abcdef0123456789abcdef' }),
      `tenant|${rollout.id}`,
    ),
    notice: 'Resolving an issue needs a note: what fixed it?',
  }),
  'feedback-export': feedbackExportData({
    rollout,
    count: 1234,
    url: 'https://bot.example.com/exports/feedback/token',
    expiresAt: '2026-02-10T17:40:00.000Z',
  }),
  // The largest request, seen by a member who answered Not ready, with a notice: every part shown.
  'signoff-request': signoffCardData(largestSignoff(), {
    viewer: { id: memberId(0), name: `${long(70, 'P')}0` },
    notice: 'Not ready needs a reason: what is missing?',
  }),
  audience: audienceCardData({
    rollout,
    stageId: 'enterprise',
    stageLabel: 'Enterprise rollout',
    snapshot: largestSnapshot(),
    stale: true,
    showNames: true,
    canRefresh: true,
    graph: true,
    notice: long(200, 'N'),
  }),
  ...ANNOUNCEMENT_FIXTURES,
  ...DIGEST_FIXTURES,
};
