import type { CommandHandler } from '../handler';
import { advancePhase } from './advance-phase';
import { announce, announceCancel, announceReport, announceRetry } from './announce';
import { pause, resume, rolloutClose } from './change-status';
import { audience, audienceRefresh } from './audience';
import { checklist } from './checklist';
import { feedback } from './feedback';
import { feedbackExport } from './feedback-export';
import { feedbackPost } from './feedback-post';
import { feedbackSummaryCommand } from './feedback-summary';
import { helpCommand } from './help';
import { intuneRetry } from './intune-retry';
import { plan } from './plan';
import { planExport } from './plan-export';
import { planImport } from './plan-import';
import { remindersOn } from './reminders';
import { rolloutList } from './rollout-list';
import { rolloutNew } from './rollout-new';
import { rolloutBindHelpdesk, rolloutUnbindHelpdesk, signoffExtend, signoffRequest } from './signoff';
import { status } from './status';
import { scheduleCommand } from './schedule';
import { UPCOMING_SOURCES } from '../../app/schedule/sources';

/** Every command the bot understands, in the order `help` lists them. */
export const COMMANDS: readonly CommandHandler[] = [
  rolloutNew,
  rolloutList,
  status,
  checklist,
  plan,
  planExport,
  planImport,
  advancePhase,
  audience,
  audienceRefresh,
  intuneRetry,
  announce,
  announceCancel,
  announceRetry,
  announceReport,
  feedback,
  feedbackPost,
  feedbackSummaryCommand,
  feedbackExport,
  remindersOn,
  signoffRequest,
  signoffExtend,
  rolloutBindHelpdesk,
  rolloutUnbindHelpdesk,
  pause,
  resume,
  rolloutClose,
  scheduleCommand(UPCOMING_SOURCES),
  helpCommand(() => COMMANDS),
];
