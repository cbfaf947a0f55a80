/**
 * Turns the text of a Teams message into command words, positional arguments and flags.
 * Grammar: `<command words> [rollout] [--flag value …]`; case-insensitive command words; a
 * leading `/` is optional; @mentions (`<at>…</at>`) are stripped; straight and typographic
 * quotes both group words.
 */
export interface ParsedText {
  /** The cleaned text, mentions and leading slash removed. */
  text: string;
  tokens: Token[];
}

export interface Token {
  value: string;
  quoted: boolean;
  /** Offset of the token's first character in `text`. */
  start: number;
}

const QUOTES: Readonly<Record<string, string>> = {
  '“': '"',
  '”': '"',
  '„': '"',
  '‟': '"',
  '«': '"',
  '»': '"',
  '‘': "'",
  '’': "'",
  '‚': "'",
};

const decodeEntities = (text: string): string =>
  text
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Replaces each `<at …>…</at>` mention by a space, in one forward pass: the first `</at>` after an
 * opening tag closes it, as the lazy pattern `<at\b[^>]*>.*?<\/at>` would, but without rescanning
 * the rest of the text for every `<at` (that pattern is quadratic on text full of `<at`).
 */
export const stripMentions = (raw: string): string => {
  const open = /<at\b/gi;
  const close = /<\/at>/gi;
  let out = '';
  let from = 0;
  for (;;) {
    open.lastIndex = from;
    const start = open.exec(raw)?.index;
    if (start === undefined) break;
    const tagEnd = raw.indexOf('>', start + 3);
    // No '>' or no '</at>' after this tag: none after any later tag either.
    if (tagEnd < 0) break;
    close.lastIndex = tagEnd + 1;
    const end = close.exec(raw)?.index;
    if (end === undefined) break;
    out += `${raw.slice(from, start)} `;
    from = end + 5;
  }
  return out + raw.slice(from);
};

export const cleanText = (raw: string): string =>
  decodeEntities(stripMentions(raw))
    .replace(/[“”„‟«»‘’‚]/g, (c) => QUOTES[c] ?? c)
    .replace(/\u00a0/g, ' ')
    .trim()
    .replace(/^\/+\s*/, '');

export const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  // --flag="quoted value" | "quoted" | 'quoted' | word. An apostrophe inside a word (don't) is
  // not a quote: only a token that starts with one.
  const pattern = /(--?[A-Za-z][\w-]*=)(?:"([^"]*)"?|'([^']*)'?)|"([^"]*)"?|'([^']*)'?|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    const start = match.index ?? 0;
    const [, flag, flagDouble, flagSingle, double, single, word] = match;
    if (flag !== undefined)
      tokens.push({ value: `${flag}${flagDouble ?? flagSingle ?? ''}`, quoted: false, start });
    else if (double !== undefined || single !== undefined)
      tokens.push({ value: double ?? single ?? '', quoted: true, start });
    else tokens.push({ value: word ?? '', quoted: false, start });
  }
  return tokens;
};

export const parseText = (raw: string): ParsedText => {
  const text = cleanText(raw);
  return { text, tokens: tokenize(text) };
};

export type FlagKind = 'boolean' | 'value';

export interface CommandArgs {
  /** Positional arguments after the command words. */
  positional: string[];
  flags: Record<string, string | true>;
  /** The text after the command words and before the first flag, as typed. */
  rest: string;
}

export type ArgsResult = { ok: true; args: CommandArgs } | { ok: false; message: string };

/** Splits what follows the command words into positional arguments and declared flags. */
export const parseArgs = (
  parsed: ParsedText,
  commandWordCount: number,
  flags: Readonly<Record<string, FlagKind>>,
): ArgsResult => {
  const tokens = parsed.tokens.slice(commandWordCount);
  const positional: string[] = [];
  const values: Record<string, string | true> = {};
  const firstFlag = tokens.findIndex((t) => !t.quoted && /^--?[a-z]/i.test(t.value));
  const restEnd = firstFlag >= 0 ? tokens[firstFlag]?.start : parsed.text.length;
  const restStart = tokens[0]?.start ?? parsed.text.length;
  const rest = parsed.text.slice(restStart, restEnd).trim();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) continue;
    if (token.quoted || !/^--?[a-z]/i.test(token.value)) {
      positional.push(token.value);
      continue;
    }
    const [rawName = '', inline] = token.value.replace(/^--?/, '').split(/=(.*)/s, 2);
    const name = rawName.toLowerCase();
    const kind = flags[name];
    if (!kind) {
      const known = Object.keys(flags);
      const hint = known.length ? ` This command takes ${known.map((f) => `--${f}`).join(', ')}.` : '';
      return { ok: false, message: `Unknown flag --${name}.${hint}` };
    }
    if (kind === 'boolean') {
      values[name] = true;
      continue;
    }
    const value = inline ?? tokens[i + 1]?.value;
    const next = tokens[i + 1];
    if (inline === undefined) {
      if (!next || (!next.quoted && /^--?[a-z]/i.test(next.value))) {
        return { ok: false, message: `The flag --${name} needs a value, e.g. --${name} "…".` };
      }
      i++;
    }
    values[name] = value ?? '';
  }
  return { ok: true, args: { positional, flags: values, rest } };
};
