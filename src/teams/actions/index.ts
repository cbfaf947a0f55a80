import type { ActionHandler } from '../handler';
import { checklistTick } from './checklist-tick';
import { commandRun } from './command-run';

/** Every Action.Execute verb the bot answers. */
export const ACTIONS: readonly ActionHandler[] = [checklistTick, commandRun];
