/**
 * Every Adaptive Card the bot sends, by name: the one list the card names and their data types
 * come from.
 *
 * A new card = `cards/<name>.json` + a view module (in `src/teams/views/`) that owns its data type
 * and exports `defineCard<…>()('<name>')` + one line here + a fixture in
 * `test/cards/card-fixtures.ts`. Send it with `<card>.render(data)`; `test/cards/` checks that the
 * templates in `cards/` are exactly these names and that each expands and validates.
 */
import type { Card } from './render-card';
import {
  announcementPersonalCard,
  announcementPostCard,
  announcementPreviewCard,
} from './views/announcement-view';
import { audienceCard } from './views/audience-view';
import { checklistCard } from './views/checklist-view';
import { digestCard } from './views/digest-view';
import { feedbackIssueCard } from './views/feedback-issue-view';
import { feedbackExportCard, feedbackSummaryCard } from './views/feedback-report-view';
import { feedbackFormCard, feedbackThanksCard } from './views/feedback-view';
import { noticeCard } from './views/notice-view';
import { planExportCard, planImportCard } from './views/plan-file-view';
import { planPhaseFormCard, planSettingsFormCard, planWaveFormCard } from './views/plan-form-view';
import { planCard } from './views/plan-view';
import { feedbackNudgeCard, signoffReminderCard } from './views/reminder-view';
import { chooseRolloutCard, rolloutListCard } from './views/rollout-list-view';
import { signoffRequestCard } from './views/signoff-view';
import { statusCard } from './views/status-view';

/** Accepts the registry only when each entry's key is its card's name. */
const registry = <T extends { readonly [K in keyof T]: { readonly name: K } }>(cards: T): T => cards;

export const CARDS = registry({
  status: statusCard,
  checklist: checklistCard,
  'choose-rollout': chooseRolloutCard,
  'rollout-list': rolloutListCard,
  notice: noticeCard,
  plan: planCard,
  'plan-settings-form': planSettingsFormCard,
  'plan-phase-form': planPhaseFormCard,
  'plan-wave-form': planWaveFormCard,
  'plan-export': planExportCard,
  'plan-import': planImportCard,
  'feedback-form': feedbackFormCard,
  'feedback-thanks': feedbackThanksCard,
  'feedback-summary': feedbackSummaryCard,
  'feedback-issue': feedbackIssueCard,
  'feedback-export': feedbackExportCard,
  'signoff-request': signoffRequestCard,
  audience: audienceCard,
  'announcement-personal': announcementPersonalCard,
  'announcement-post': announcementPostCard,
  'announcement-preview': announcementPreviewCard,
  digest: digestCard,
  'feedback-nudge': feedbackNudgeCard,
  'signoff-reminder': signoffReminderCard,
});

export type CardName = keyof typeof CARDS;

/** The data each card's template is expanded with. */
export type CardDataMap = {
  [N in CardName]: (typeof CARDS)[N] extends Card<N, infer Data> ? Data : never;
};

export const CARD_NAMES = Object.keys(CARDS) as CardName[];
