import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { projectRoot } from '../project-root';

/** An expanded Adaptive Card, ready to attach. */
export interface RenderedCard {
  /** The template's name: `cards/<name>.json`. */
  readonly name: string;
  readonly content: Record<string, unknown>;
}

/** A template in `cards/` and the data it is expanded with; define one with `defineCard`. */
export interface Card<N extends string, Data> {
  readonly name: N;
  /** Expands `cards/<name>.json` with `data`. */
  render(data: Data): RenderedCard;
}

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

const templates = new Map<string, ACData.Template>();

export const cardTemplatePath = (name: string): string => join(projectRoot(), 'cards', `${name}.json`);

const templateFor = (name: string): ACData.Template => {
  let template = templates.get(name);
  if (!template) {
    template = new ACData.Template(JSON.parse(readFileSync(cardTemplatePath(name), 'utf8')));
    templates.set(name, template);
  }
  return template;
};

/**
 * Optional card properties a template leaves out with `$when`: the templating library leaves them
 * as `null`, but Teams reads a present `refresh` (or `userIds`) as meant, so they are removed.
 */
const OPTIONAL_PROPERTIES = new Set(['refresh', 'userIds']);

const withoutNullOptionals = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutNullOptionals);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(value === null && OPTIONAL_PROPERTIES.has(key)))
      .map(([key, value]) => [key, withoutNullOptionals(value)]),
  );
};

const render = (name: string, data: unknown): RenderedCard => {
  const content = withoutNullOptionals(templateFor(name).expand({ $root: data })) as Record<string, unknown>;
  return { name, content };
};

/**
 * The card whose template is `cards/<name>.json`, expanded with `Data`:
 * `export const statusCard = defineCard<StatusCardData>()('status')` in the view module that
 * builds the data, then one line in the registry (`src/teams/cards.ts`).
 */
export const defineCard =
  <Data>() =>
  <N extends string>(name: N): Card<N, Data> => ({ name, render: (data) => render(name, data) });
