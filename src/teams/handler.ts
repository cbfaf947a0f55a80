import type { z } from 'zod';
import type { Deps } from '../app/ports';
import type { CommandArgs, FlagKind } from './command-parser';
import type { RenderedCard } from './render-card';
import type { Reply, Turn } from './turn';

export interface CommandContext {
  turn: Turn;
  deps: Deps;
}

/** One typed command, e.g. `advance phase [rollout] [--force "reason"]`. */
export interface CommandHandler {
  /** The command words, lower case, as typed: `advance phase`. */
  name: string;
  /** Usage line for help: `advance phase [rollout] [--force "reason"]`. */
  usage: string;
  description: string;
  adminOnly: boolean;
  flags: Readonly<Record<string, FlagKind>>;
  run(ctx: CommandContext, args: CommandArgs): Promise<void>;
}

/** What a card action answers with: the card that replaces the clicked one, or a short message. */
export type ActionResult = { card: RenderedCard } | { message: string };

export interface ActionContext extends CommandContext {
  /** Runs a typed command as this person and returns its replies instead of sending them. */
  runCommand(text: string): Promise<Reply[] | null>;
}

export interface ActionHandler<S extends z.ZodType = z.ZodType> {
  /** The Action.Execute verb, e.g. `checklist.tick`. */
  verb: string;
  /** Parses the action's data at the edge; identity never comes from here. */
  schema: S;
  /**
   * Set when doing the action twice acts once (it edits the same row): said to the person when
   * storage was too slow to confirm it, e.g. "Sending the same card again is safe."
   */
  retrySafe?: string;
  run(ctx: ActionContext, data: z.infer<S>): Promise<ActionResult>;
}

/** Keeps the handler's data type while listing handlers of different verbs together. */
export const defineAction = <S extends z.ZodType>(handler: ActionHandler<S>): ActionHandler<S> => handler;

/** What a typeahead search asks for: the trimmed text (1–SEARCH_TEXT_MAX characters) and a page. */
export interface SearchQuery {
  text: string;
  skip: number;
  top: number;
}

/** One choice of a typeahead: what the person reads, and the value the input submits. */
export interface SearchChoice {
  title: string;
  value: string;
}

/** What a search answers with: its choices, or an error the client shows instead. */
export type SearchResult =
  { choices: SearchChoice[] } | { error: { statusCode: 400 | 500; code: string; message: string } };

/** One `Data.Query` dataset of a dynamic typeahead (`application/search` invoke), e.g. `entra-groups`. */
export interface SearchHandler {
  dataset: string;
  run(ctx: CommandContext, query: SearchQuery): Promise<SearchResult>;
}
