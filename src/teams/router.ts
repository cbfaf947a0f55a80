import type { Logger } from 'pino';
import { z } from 'zod';
import type { Deps } from '../app/ports';
import { parseArgs, parseText, type ParsedText } from './command-parser';
import { helpText } from './commands/help';
import type {
  ActionContext,
  ActionHandler,
  ActionResult,
  CommandHandler,
  SearchChoice,
  SearchHandler,
} from './handler';
import { CARD_CONTENT_TYPE } from './render-card';
import { SEARCHES } from './searches';
import type { Reply, Turn } from './turn';

/** The body of an `adaptiveCard/action` or `application/search` invoke response (Universal Actions). */
export type InvokeResponseBody =
  | { statusCode: 200; type: typeof CARD_CONTENT_TYPE; value: Record<string, unknown> }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | {
      statusCode: 200;
      type: 'application/vnd.microsoft.search.searchResponse';
      value: { results: SearchChoice[] };
    }
  | {
      statusCode: 400 | 500;
      type: 'application/vnd.microsoft.error';
      value: { code: string; message: string };
    };

export const errorBody = (statusCode: 400 | 500, code: string, message: string): InvokeResponseBody => ({
  statusCode,
  type: 'application/vnd.microsoft.error',
  value: { code, message },
});

/** A short message Teams shows to the person who clicked. */
export const messageBody = (message: string): InvokeResponseBody => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.activity.message',
  value: message,
});

/** The choices of a typeahead search (dynamic `Input.ChoiceSet`). */
export const searchBody = (results: SearchChoice[]): InvokeResponseBody => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.search.searchResponse',
  value: { results },
});

/** Longest search text (after trimming) and most choices a search answers with. */
export const SEARCH_TEXT_MAX = 100;
export const SEARCH_TOP_MAX = 25;
/** Choices asked for when the client does not say (Teams shows at most 15). */
const SEARCH_TOP_DEFAULT = 15;

/** An `application/search` invoke's value; page options of the wrong type fall back to the defaults. */
const SEARCH_VALUE = z.looseObject({
  dataset: z.string().max(100),
  queryText: z.string().max(10_000).default(''),
  queryOptions: z
    .looseObject({
      skip: z.number().int().min(0).catch(0),
      top: z.number().int().min(1).catch(SEARCH_TOP_DEFAULT),
    })
    .catch({ skip: 0, top: SEARCH_TOP_DEFAULT }),
});

const issuesOf = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ');

const resultBody = (result: ActionResult): InvokeResponseBody =>
  'card' in result
    ? { statusCode: 200, type: CARD_CONTENT_TYPE, value: result.card.content }
    : messageBody(result.message);

const verbOf = (value: unknown): string | null => {
  const verb = (value as { action?: { verb?: unknown } } | null)?.action?.verb;
  return typeof verb === 'string' ? verb : null;
};

const words = (name: string): string[] => name.split(' ');

/**
 * Dispatches typed commands and card actions to their handlers by name (as Slack Bolt does):
 * the longest matching command words win; unknown commands get the help text; unknown verbs
 * get an explicit error.
 */
export class Router {
  private readonly commands: readonly CommandHandler[];
  private readonly actions = new Map<string, ActionHandler>();
  private readonly searches = new Map<string, SearchHandler>();

  constructor(
    commands: readonly CommandHandler[],
    actions: readonly ActionHandler[],
    private readonly deps: Deps,
    private readonly logger: Logger,
    searches: readonly SearchHandler[] = SEARCHES,
  ) {
    this.commands = [...commands].sort((a, b) => words(b.name).length - words(a.name).length);
    for (const action of actions) {
      if (this.actions.has(action.verb)) throw new Error(`duplicate action verb ${action.verb}`);
      this.actions.set(action.verb, action);
    }
    for (const search of searches) {
      if (this.searches.has(search.dataset)) throw new Error(`duplicate search dataset ${search.dataset}`);
      this.searches.set(search.dataset, search);
    }
  }

  get commandNames(): string[] {
    return this.commands.map((c) => c.name);
  }

  get verbs(): string[] {
    return [...this.actions.keys()];
  }

  get datasets(): string[] {
    return [...this.searches.keys()];
  }

  match(parsed: ParsedText): CommandHandler | null {
    const typed = parsed.tokens.map((t) => (t.quoted ? '' : t.value.toLowerCase()));
    return (
      this.commands.find((c) => {
        const w = words(c.name);
        return w.every((word, i) => typed[i] === word);
      }) ?? null
    );
  }

  /** Runs a typed command; returns false when no command matches (the caller shows help). */
  async runCommand(turn: Turn, raw: string): Promise<boolean> {
    const parsed = parseText(raw);
    const handler = this.match(parsed);
    if (!handler) return false;
    const args = parseArgs(parsed, words(handler.name).length, handler.flags);
    this.logger.info({ activityId: turn.activityId, command: handler.name }, 'command');
    if (!args.ok) {
      await turn.send({ text: `${args.message}\n\nUsage: \`${handler.usage}\`` });
      return true;
    }
    await handler.run({ turn, deps: await this.depsFor(turn) }, args.args);
    return true;
  }

  /**
   * The dependencies for one turn: the person's group-derived roles resolved first (cached), so
   * the domain decides on facts; when Graph cannot answer, the turn's access says so (fail closed).
   */
  private async depsFor(turn: Turn): Promise<Deps> {
    const { facts } = this.deps;
    const access = await facts.accessFor(this.deps.access, turn.tenantId, turn.from);
    return access === this.deps.access ? this.deps : { ...this.deps, access };
  }

  async handleMessage(turn: Turn, raw: string): Promise<void> {
    if (await this.runCommand(turn, raw)) return;
    const typed = parseText(raw).text;
    const intro = typed ? `I don’t know “${typed.slice(0, 60)}”. ` : '';
    await turn.send({ text: `${intro}Here is what I can do:\n\n${helpText(this.commands)}` });
  }

  /** What the person may be told about retrying a card action whose outcome is unknown. */
  retryHint(value: unknown): string | null {
    const verb = verbOf(value);
    return (verb && this.actions.get(verb)?.retrySafe) || null;
  }

  async handleAction(turn: Turn, value: unknown): Promise<InvokeResponseBody> {
    const action = (value as { action?: { data?: unknown } } | null)?.action;
    const verb = verbOf(value);
    if (!verb) return errorBody(400, 'BadRequest', 'The card action has no verb.');
    const handler = this.actions.get(verb);
    if (!handler) return errorBody(400, 'BadRequest', `Unknown card action “${verb.slice(0, 60)}”.`);
    const data = handler.schema.safeParse(action?.data ?? {});
    if (!data.success) {
      return errorBody(400, 'BadRequest', `This card's data is not valid (${issuesOf(data.error)}).`);
    }
    this.logger.info({ activityId: turn.activityId, verb }, 'card action');
    const ctx: ActionContext = {
      turn,
      deps: await this.depsFor(turn),
      runCommand: async (text) => {
        const replies: Reply[] = [];
        const capture: Turn = { ...turn, send: async (reply) => void replies.push(reply) };
        return (await this.runCommand(capture, text)) ? replies : null;
      },
    };
    return resultBody(await handler.run(ctx, data.data));
  }

  /**
   * Answers a typeahead search (`application/search`) from the handler of its dataset: the text
   * trimmed and at most SEARCH_TEXT_MAX characters (none: no choices, nothing asked), at most
   * SEARCH_TOP_MAX choices a page. The searcher's roles are resolved first, as for a card action.
   */
  async handleSearch(turn: Turn, value: unknown): Promise<InvokeResponseBody> {
    const parsed = SEARCH_VALUE.safeParse(value);
    if (!parsed.success) {
      return errorBody(400, 'BadRequest', `This search is not valid (${issuesOf(parsed.error)}).`);
    }
    const { dataset, queryText, queryOptions } = parsed.data;
    const handler = this.searches.get(dataset);
    if (!handler) return errorBody(400, 'BadRequest', `Unknown search “${dataset.slice(0, 60)}”.`);
    const text = queryText.trim();
    if (text.length > SEARCH_TEXT_MAX) {
      return errorBody(400, 'BadRequest', `Type at most ${SEARCH_TEXT_MAX} characters to search.`);
    }
    if (!text) return searchBody([]);
    this.logger.info({ activityId: turn.activityId, dataset }, 'search');
    const result = await handler.run(
      { turn, deps: await this.depsFor(turn) },
      { text, skip: queryOptions.skip, top: Math.min(queryOptions.top, SEARCH_TOP_MAX) },
    );
    return 'error' in result
      ? errorBody(result.error.statusCode, result.error.code, result.error.message)
      : searchBody(result.choices);
  }
}
