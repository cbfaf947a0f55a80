import { cardText, findAction } from './activities';

export type Card = Record<string, unknown>;

/** The Action.Execute with this verb (and matching data) on a card; fails the test when absent. */
export const requireAction = (
  card: Card,
  verb: string,
  where: (d: Record<string, unknown>) => boolean = () => true,
): { verb: string; data: Record<string, unknown>; title?: string } => {
  const found = findAction(card, verb, where);
  if (!found) throw new Error(`no ${verb} on the card: ${cardText(card).slice(0, 400)}`);
  return found;
};

/** The values a form shows, keyed by input id, as a client would submit them. */
export const formValues = (card: Card): Record<string, string> => {
  const values: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && n.type.startsWith('Input.') && typeof n.id === 'string') {
      values[n.id] = n.value === undefined ? '' : String(n.value);
    }
    Object.values(n).forEach(walk);
  };
  walk(card);
  return values;
};
