import type { CommandHandler } from '../handler';
import { advancePhase } from './advance-phase';
import { pause, resume, rolloutClose } from './change-status';
import { checklist } from './checklist';
import { helpCommand } from './help';
import { plan } from './plan';
import { planExport } from './plan-export';
import { planImport } from './plan-import';
import { rolloutList } from './rollout-list';
import { rolloutNew } from './rollout-new';
import { status } from './status';

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
  pause,
  resume,
  rolloutClose,
  helpCommand(() => COMMANDS),
];
