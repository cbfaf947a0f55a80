import type { ActionHandler } from '../handler';
import { announcementGotIt } from './announcement-gotit';
import { announcementSend, announcementSkip, announcementTest } from './announcement-preview';
import { blockerReopen, blockerResolve } from './blocker-resolve';
import { checklistTick } from './checklist-tick';
import { commandRun } from './command-run';
import { criterionMark } from './criterion-mark';
import { feedbackEdit } from './feedback-edit';
import { feedbackSubmit } from './feedback-submit';
import { planEdit } from './plan-edit';
import { planImportAction } from './plan-import';
import { planMove } from './plan-move';
import { planReorder } from './plan-reorder';
import { planSave } from './plan-save';
import { planView } from './plan-view';
import { remindersStop } from './reminders-stop';
import { signoffAnswer, signoffViewAction } from './signoff-answer';

/** Every Action.Execute verb the bot answers. */
export const ACTIONS: readonly ActionHandler[] = [
  checklistTick,
  commandRun,
  criterionMark,
  planView,
  planEdit,
  planSave,
  planMove,
  planReorder,
  planImportAction,
  feedbackSubmit,
  feedbackEdit,
  blockerResolve,
  blockerReopen,
  signoffAnswer,
  signoffViewAction,
  announcementSend,
  announcementTest,
  announcementSkip,
  announcementGotIt,
  remindersStop,
];
