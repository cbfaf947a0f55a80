import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ACData from 'adaptivecards-templating';
import type { CardDataMap, CardName } from './card-data';

/** An expanded Adaptive Card, ready to attach. */
export interface RenderedCard {
  readonly name: CardName;
  readonly content: Record<string, unknown>;
}

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** `cards/` sits at the project root, above both `src/` and `dist/src/`. */
const findCardsDir = (): string => {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'cards');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error('cannot find the cards/ folder');
};

let cardsDir: string | null = null;
const templates = new Map<CardName, ACData.Template>();

export const cardTemplatePath = (name: CardName): string => {
  cardsDir ??= findCardsDir();
  return join(cardsDir, `${name}.json`);
};

const templateFor = (name: CardName): ACData.Template => {
  let template = templates.get(name);
  if (!template) {
    template = new ACData.Template(JSON.parse(readFileSync(cardTemplatePath(name), 'utf8')));
    templates.set(name, template);
  }
  return template;
};

/** Expands the named template in `cards/` with its typed data. */
export const renderCard = <N extends CardName>(name: N, data: CardDataMap[N]): RenderedCard => {
  const content = templateFor(name).expand({ $root: data }) as Record<string, unknown>;
  return { name, content };
};
