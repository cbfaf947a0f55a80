import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS } from '../../src/teams/actions';
import { COMMANDS } from '../../src/teams/commands';
import { SEARCHES } from '../../src/teams/searches';

const CARDS_DIR = join(__dirname, '..', '..', 'cards');

/**
 * Cards whose `command.run` buttons carry a templated command: the choose-rollout card re-runs
 * whichever command found several rollouts (`withRollout(ctx, <its own name>, …)`), so its
 * command is filled at render time. Every other card names its command literally.
 */
const TEMPLATED_COMMAND_CARDS = new Set(['choose-rollout.json']);

interface Execute {
  card: string;
  where: string;
  verb: unknown;
  data: unknown;
}

/** Every Action.Execute in a template (actions, selectActions, refresh.action, inline actions). */
const executes = (card: string, node: unknown, where: string, out: Execute[]): Execute[] => {
  if (Array.isArray(node)) node.forEach((n, i) => executes(card, n, `${where}[${i}]`, out));
  else if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    if (n.type === 'Action.Execute') out.push({ card, where, verb: n.verb, data: n.data });
    for (const [key, value] of Object.entries(n)) executes(card, value, where ? `${where}.${key}` : key, out);
  }
  return out;
};

const cards = readdirSync(CARDS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, json: JSON.parse(readFileSync(join(CARDS_DIR, file), 'utf8')) as unknown }));
const all = cards.flatMap(({ file, json }) => executes(file, json, '', []));
const registered = ACTIONS.map((a) => a.verb);
const commandNames = COMMANDS.map((c) => c.name);
const at = (e: Execute) => `${e.card} ${e.where}`;

describe('card verbs', () => {
  it('the cards hold Action.Execute buttons to check (the guard is not vacuous)', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it('every Action.Execute verb is a literal string (no templated verbs)', () => {
    const bad = all.filter((e) => typeof e.verb !== 'string' || e.verb === '' || e.verb.includes('${'));
    expect(bad.map(at)).toEqual([]);
  });

  it('every verb in a card (refresh.action included) has a registered handler in ACTIONS', () => {
    const unknown = all.filter((e) => typeof e.verb === 'string' && !registered.includes(e.verb));
    expect(unknown.map((e) => `${at(e)}: ${String(e.verb)}`)).toEqual([]);
  });

  it('a refresh, when a card has one, is an Action.Execute with a literal, registered verb', () => {
    const refreshes: { card: string; action: unknown }[] = [];
    const find = (card: string, node: unknown) => {
      if (Array.isArray(node)) node.forEach((n) => find(card, n));
      else if (node && typeof node === 'object') {
        const n = node as Record<string, unknown>;
        if (n.refresh && typeof n.refresh === 'object')
          refreshes.push({ card, action: (n.refresh as Record<string, unknown>).action });
        Object.values(n).forEach((v) => find(card, v));
      }
    };
    cards.forEach(({ file, json }) => find(file, json));
    for (const { card, action } of refreshes) {
      const a = action as Record<string, unknown> | undefined;
      expect([card, a?.type]).toEqual([card, 'Action.Execute']);
      expect([card, typeof a?.verb === 'string' && registered.includes(a.verb)]).toEqual([card, true]);
    }
  });

  it('every registered verb is used by some card', () => {
    const used = new Set(all.map((e) => e.verb));
    expect(registered.filter((verb) => !used.has(verb))).toEqual([]);
  });

  it('every command.run button names a registered command (literal, or the choose-rollout template)', () => {
    const runs = all.filter((e) => e.verb === 'command.run');
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      const command = (run.data as Record<string, unknown> | undefined)?.command;
      expect([at(run), typeof command]).toEqual([at(run), 'string']);
      if (typeof command !== 'string') continue;
      if (command.includes('${')) {
        expect([at(run), TEMPLATED_COMMAND_CARDS.has(run.card)]).toEqual([at(run), true]);
        continue;
      }
      expect([at(run), commandNames.includes(command)]).toEqual([at(run), true]);
    }
  });

  it('every typeahead (Data.Query) in a card searches a dataset the bot answers, and each is used', () => {
    const datasets: string[] = [];
    const find = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(find);
      else if (node && typeof node === 'object') {
        const n = node as Record<string, unknown>;
        const query = n['choices.data'] as { type?: unknown; dataset?: unknown } | undefined;
        if (query?.type === 'Data.Query') datasets.push(String(query.dataset));
        Object.values(n).forEach(find);
      }
    };
    cards.forEach(({ json }) => find(json));
    const answered = SEARCHES.map((s) => s.dataset);
    expect(datasets.length).toBeGreaterThan(0);
    expect(datasets.filter((d) => !answered.includes(d))).toEqual([]);
    expect(answered.filter((d) => !datasets.includes(d))).toEqual([]);
  });

  it('the walk finds verbs in refresh.action and flags unknown and templated ones (the check can fail)', () => {
    const found = executes(
      'test.json',
      {
        refresh: { action: { type: 'Action.Execute', verb: 'status.refresh' } },
        actions: [{ type: 'Action.Execute', verb: '${verb}' }],
      },
      '',
      [],
    );
    expect(found.map((e) => [e.where, e.verb])).toEqual([
      ['refresh.action', 'status.refresh'],
      ['actions[0]', '${verb}'],
    ]);
    expect(registered).not.toContain('status.refresh');
  });
});
