import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Deps } from '../../src/app/ports';
import { ACTIONS } from '../../src/teams/actions';
import { parseText } from '../../src/teams/command-parser';
import { COMMANDS } from '../../src/teams/commands';
import { helpText } from '../../src/teams/commands/help';
import { Router } from '../../src/teams/router';

interface CommandList {
  scopes: string[];
  commands: { title: string; description: string }[];
}

const template = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'manifest', 'manifest.json'), 'utf8'),
) as {
  bots: { scopes: string[]; commandLists: CommandList[] }[];
};
const [bot] = template.bots;
const lists = bot?.commandLists ?? [];
const names = COMMANDS.map((c) => c.name);
// Only matching is used: no handler runs, so no port is needed.
const router = new Router(COMMANDS, ACTIONS, {} as Deps, pino({ level: 'silent' }));

describe('the manifest command lists', () => {
  it('there is one list per scope the bot is installed in: personal, team and group chat', () => {
    expect(bot?.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const list of lists) expect(list.scopes).toHaveLength(1);
  });

  it.each(lists.map((l) => [l.scopes.join(', '), l]))(
    '%s: at most 10 commands (Teams), each one the router knows, once, with help among them',
    (_scope, list: CommandList) => {
      const titles = list.commands.map((c) => c.title);
      expect(titles.length).toBeLessThanOrEqual(10);
      expect(new Set(titles).size).toBe(titles.length);
      // Choosing an entry sends its title: the router must run the command of that name.
      for (const title of titles)
        expect([title, router.match(parseText(title))?.name]).toEqual([title, title]);
      expect(titles).toContain('help');
      for (const { title, description } of list.commands) {
        // Teams' documented limits for a command menu entry.
        expect([title, title.length <= 32]).toEqual([title, true]);
        expect([title, description.length > 0 && description.length <= 128]).toEqual([title, true]);
      }
    },
  );

  // More commands than a menu holds (10): each menu ends with `help`, which lists them all.
  it.each(lists.map((l) => [l.scopes.join(', '), l]))(
    '%s: the help entry says it lists every command',
    (_scope, list: CommandList) => {
      expect(list.commands.at(-1)?.title).toBe('help');
      expect(list.commands.at(-1)?.description).toMatch(/^Every command/);
    },
  );

  it('help lists every router command, so whatever a menu leaves out is one word away', () => {
    const text = helpText(COMMANDS);
    for (const command of COMMANDS)
      expect([command.name, text.includes(`\`${command.usage}\``)]).toEqual([command.name, true]);
    // Every command the router knows is in some menu or in help; help is in every menu.
    const listed = new Set(lists.flatMap((l) => l.commands.map((c) => c.title)));
    for (const name of names) expect([name, listed.has(name) || text.includes(name)]).toEqual([name, true]);
  });
});
