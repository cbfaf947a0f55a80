import type { CommandHandler } from '../handler';

/** The help text: every command, its usage and who may use it, plus the grammar. */
export const helpText = (commands: readonly CommandHandler[]): string => {
  const lines = commands.map((c) => `- \`${c.usage}\`: ${c.description}${c.adminOnly ? ' *(admins)*' : ''}`);
  return [
    '**Rollout Coordinator** moves a rollout through project scope → proof of concept → pilot → enterprise rollout (in waves) → operations and maintenance.',
    '',
    ...lines,
    '',
    '`[rollout]` is a rollout’s name or id, in quotes when it has spaces; with one rollout in this conversation you can leave it out. Flags follow it: `--flag value`, or `--flag "text with spaces"`. A leading `/` is optional; in channels, @mention me first.',
  ].join('\n');
};

export const helpCommand = (commands: () => readonly CommandHandler[]): CommandHandler => ({
  name: 'help',
  usage: 'help',
  description: 'Show this list.',
  adminOnly: false,
  flags: {},
  async run({ turn }) {
    await turn.send({ text: helpText(commands()) });
  },
});
