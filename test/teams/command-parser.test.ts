import { cleanText, parseArgs, parseText } from '../../src/teams/command-parser';

describe('cleaning message text', () => {
  it.each([
    ['<at>Rollout</at> advance phase', 'advance phase'],
    ['<at>Rollout Bot</at>&nbsp;status', 'status'],
    ['  /status  ', 'status'],
    ['//status', 'status'],
    ['status “Windows 11”', 'status "Windows 11"'],
    ['status ‘Windows 11’', "status 'Windows 11'"],
    ['status &quot;x&quot;', 'status "x"'],
  ])('%j → %j', (raw, clean) => {
    expect(cleanText(raw)).toBe(clean);
  });
});

describe('parsing arguments', () => {
  const parse = (text: string, words: number, flags: Record<string, 'boolean' | 'value'> = {}) =>
    parseArgs(parseText(text), words, flags);

  it.each<[string, number, Record<string, 'boolean' | 'value'>, string[], Record<string, string | true>]>([
    ['advance phase', 2, { force: 'value' }, [], {}],
    ['advance phase Alpha', 2, { force: 'value' }, ['Alpha'], {}],
    [
      'advance phase "Windows 11" --force "vendor ok"',
      2,
      { force: 'value' },
      ['Windows 11'],
      { force: 'vendor ok' },
    ],
    ['advance phase --force=“late but fine”', 2, { force: 'value' }, [], { force: 'late but fine' }],
    ['advance phase --FORCE now', 2, { force: 'value' }, [], { force: 'now' }],
    ['rollout list --all', 2, { all: 'boolean' }, [], { all: true }],
    ["status 'Intune pilot'", 1, {}, ['Intune pilot'], {}],
  ])('%s', (text, words, flags, positional, values) => {
    const result = parse(text, words, flags);
    expect(result).toEqual({ ok: true, args: expect.objectContaining({ positional, flags: values }) });
  });

  it.each<[string, Record<string, 'boolean' | 'value'>, string]>([
    ['advance phase --force', { force: 'value' }, 'The flag --force needs a value'],
    ['advance phase --force --all', { force: 'value', all: 'boolean' }, 'The flag --force needs a value'],
    ['advance phase --nope', { force: 'value' }, 'Unknown flag --nope. This command takes --force.'],
    ['status --x', {}, 'Unknown flag --x.'],
  ])('%s is an error naming the flag', (text, flags, message) => {
    const result = parse(text, text.startsWith('status') ? 1 : 2, flags);
    expect(result.ok ? '' : result.message).toContain(message);
  });

  it('keeps the rest of the line as typed, up to the first flag (names with spaces)', () => {
    const result = parse('rollout new Windows 11 upgrade — wave A --template app', 2, { template: 'value' });
    expect(result.ok && result.args.rest).toBe('Windows 11 upgrade — wave A');
  });

  it('a quoted "--flag" is an argument, not a flag', () => {
    const result = parse('status "--all"', 1, {});
    expect(result.ok && result.args.positional).toEqual(['--all']);
  });
});
