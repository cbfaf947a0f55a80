import type { CardDataMap } from '../../src/teams/card-data';
import { checklistCardData } from '../../src/teams/views/checklist-view';
import { statusCardData } from '../../src/teams/views/status-view';
import { planCardData } from '../../src/teams/views/plan-view';
import { phaseFormData, settingsFormData, waveFormData } from '../../src/teams/views/plan-form-view';
import { evaluateExitCriteria, NO_MEASUREMENTS } from '../../src/domain/criteria';
import { aRollout, ADMIN, OTHER, tallyOf, withWaves } from '../domain/fixtures';
import {
  answerValues,
  feedbackExportData,
  feedbackFormData,
  feedbackIssueData,
  feedbackSummaryData,
  feedbackThanksData,
} from '../../src/teams/views/feedback-view';
import { addTallies, type FeedbackAnswer, type FeedbackEntry } from '../../src/domain/feedback';

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

/** The largest plausible summary: 20 phases and waves with long names, 5 comments of 500 characters. */
const largestSummary = () =>
  feedbackSummaryData({
    rollout: { ...rollout, name: long(80, 'N') },
    stages: Array.from({ length: 20 }, (_, i) => ({
      stageId: `enterprise/w${i}`,
      label: `Enterprise rollout — wave ${i + 1} of 20: ${long(80, 'W')}`,
      tally: addTallies(
        tallyOf(1234, { rating: 4 }),
        tallyOf(56, { rating: 1, installed: 'no', severity: 'blocker' }),
      ),
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

/** Representative data for every card, produced by the same view functions the bot uses. */
export const CARD_FIXTURES: { [N in keyof CardDataMap]: CardDataMap[N] } = {
  status: statusCardData({
    rollout,
    criteria: evaluateExitCriteria(rollout, NO_MEASUREMENTS),
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
  }),
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
  plan: planCardData(
    {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key !== 'enterprise'
          ? p
          : {
              ...p,
              waves: p.waves.map((w, i) => ({
                ...w,
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
    errors: { minAverageRating: 'Must be a number from 1 to 5, or empty for no such goal.' },
  }),
  'plan-wave-form': waveFormData(rollout, 'enterprise', 'w3'),
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
    personKey: '0123456789abcdef0123456789abcdef',
    notice: 'Resolving an issue needs a note: what fixed it?',
  }),
  'feedback-export': feedbackExportData({
    rollout,
    count: 1234,
    url: 'https://bot.example.com/exports/feedback/token',
    expiresAt: '2026-02-10T17:40:00.000Z',
  }),
};
