import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as AC from 'adaptivecards';
import { CARD_NAMES, CARDS, type CardName } from '../../src/teams/cards';
import { CARD_FIXTURES } from './card-fixtures';
import { noticeCard } from '../../src/teams/views/notice-view';

const MAX_CARD_BYTES = 80 * 1024;
const CARDS_DIR = join(__dirname, '..', '..', 'cards');

/**
 * Teams-only elements the `adaptivecards` library does not know. Each is allowed only with a
 * `fallback`, so clients without it (the Agents Playground has no CodeBlock) still show something.
 */
const TEAMS_ONLY = /^(CodeBlock|Chart\.[A-Za-z.]+)$/;

const teamsOnlyWithoutFallback = (node: unknown, out: string[] = []): string[] => {
  if (Array.isArray(node)) node.forEach((n) => teamsOnlyWithoutFallback(n, out));
  else if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && TEAMS_ONLY.test(n.type) && !n.fallback)
      out.push(`${n.type} has no fallback`);
    Object.values(n).forEach((v) => teamsOnlyWithoutFallback(v, out));
  }
  return out;
};

/**
 * Dynamic typeaheads (Teams): Input.ChoiceSets whose choices the bot gives as the person types
 * (`choices.data`, a Data.Query with a dataset), with no static choices and a placeholder for
 * clients without the typeahead. The library knows no Data.Query in a 1.5 card and wants a
 * choice: that one complaint is expected of each of them.
 */
const NO_CHOICE = 'An Input.ChoiceSet must have at least one choice defined.';
const typeaheads = (node: unknown): number => {
  if (Array.isArray(node)) return node.reduce((sum: number, n) => sum + typeaheads(n), 0);
  if (!node || typeof node !== 'object') return 0;
  const n = node as Record<string, unknown>;
  const query = n['choices.data'] as { type?: unknown; dataset?: unknown } | undefined;
  const own =
    n.type === 'Input.ChoiceSet' &&
    query?.type === 'Data.Query' &&
    typeof query.dataset === 'string' &&
    query.dataset !== '' &&
    Array.isArray(n.choices) &&
    n.choices.length === 0 &&
    typeof n.placeholder === 'string'
      ? 1
      : 0;
  return own + Object.values(n).reduce((sum: number, v) => sum + typeaheads(v), 0);
};

/** Parses a card the way a client does and returns every parse and validation complaint. */
const problems = (content: Record<string, unknown>): string[] => {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(content, context);
  const out: string[] = teamsOnlyWithoutFallback(content);
  for (let i = 0; i < context.eventCount; i++) {
    const { message } = context.getEventAt(i);
    const unknown = /^Unknown element type "([^"]+)"/.exec(message);
    if (unknown?.[1] && TEAMS_ONLY.test(unknown[1])) continue; // allowed: checked for a fallback above
    out.push(`parse: ${message}`);
  }
  let expectedNoChoice = typeaheads(content);
  for (const { message } of card.validateProperties().validationEvents) {
    if (message === NO_CHOICE && expectedNoChoice-- > 0) continue;
    out.push(`validate: ${message}`);
  }
  return out;
};

describe('card templates', () => {
  it('every template in cards/ has a typed name and fixture data', () => {
    const files = readdirSync(CARDS_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...CARD_NAMES].sort());
  });

  it.each(CARD_NAMES.map((name) => [name]))(
    '%s expands, parses and validates cleanly, under 80 KB',
    (name: CardName) => {
      const { content } = CARDS[name].render(CARD_FIXTURES[name] as never);
      const json = JSON.stringify(content);
      expect(json).not.toContain('${');
      expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
      expect(problems(content)).toEqual([]);
      expect(Buffer.byteLength(json)).toBeLessThan(MAX_CARD_BYTES);
    },
  );

  it('templates declare schema 1.5', () => {
    for (const name of CARD_NAMES) {
      const template = JSON.parse(readFileSync(join(CARDS_DIR, `${name}.json`), 'utf8')) as Record<
        string,
        unknown
      >;
      expect([name, template.version]).toEqual([name, '1.5']);
    }
  });

  it('the validator catches a broken card (the check can fail)', () => {
    expect(
      problems({
        type: 'AdaptiveCard',
        version: '1.5',
        body: [{ type: 'Chart.Pie' }, { type: 'Foo' }, { type: 'Input.Text' }],
      }),
    ).toEqual([
      'Chart.Pie has no fallback',
      expect.stringContaining('Unknown element type "Foo"'),
      expect.stringContaining('unique Id'),
    ]);
  });

  it('a ChoiceSet without choices passes only as a dynamic typeahead (the check can fail)', () => {
    const picker = {
      type: 'Input.ChoiceSet',
      id: 'picker',
      placeholder: 'Search groups (Teams)',
      choices: [],
      'choices.data': { type: 'Data.Query', dataset: 'entra-groups' },
    };
    const card = (...body: unknown[]) => ({ type: 'AdaptiveCard', version: '1.5', body });
    expect(problems(card(picker))).toEqual([]);
    expect(problems(card(picker, { ...picker, id: 'static', 'choices.data': undefined }))).toEqual([
      `validate: ${NO_CHOICE}`,
    ]);
  });

  it('user text with template-like or markdown characters is shown, not evaluated', () => {
    const { content } = noticeCard.render({ title: '${name}', text: '**bold** <at>x</at>' });
    expect(JSON.stringify(content)).toContain('${name}');
  });
});
