import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { projectRoot } from '../project-root';
import type { CardDataMap, CardName } from './card-data';

/** An expanded Adaptive Card, ready to attach. */
export interface RenderedCard {
  readonly name: CardName;
  readonly content: Record<string, unknown>;
}

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

const templates = new Map<CardName, ACData.Template>();

export const cardTemplatePath = (name: CardName): string => join(projectRoot(), 'cards', `${name}.json`);

const templateFor = (name: CardName): ACData.Template => {
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

/** Expands the named template in `cards/` with its typed data. */
export const renderCard = <N extends CardName>(name: N, data: CardDataMap[N]): RenderedCard => {
  const content = withoutNullOptionals(templateFor(name).expand({ $root: data })) as Record<string, unknown>;
  return { name, content };
};
