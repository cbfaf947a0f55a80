import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { z } from 'zod';
import type { PlanSpec } from '../domain/plan';
import { fromPlanFile } from './plan-file';
import { unknownKeyMessages } from './plan-file-fields';
import { planFileSchema, type PlanFile } from './plan-file-schema';

/** One problem with a plan file: where (1-based line, when known), which field, and what is wrong. */
export interface PlanFileError {
  line: number | null;
  /** The field, e.g. `phases.pilot.waves[0].id`; empty for the file as a whole. */
  path: string;
  message: string;
}

export type PlanYamlResult =
  { ok: true; file: PlanFile; spec: PlanSpec } | { ok: false; errors: PlanFileError[] };

/** Larger input is refused before it is parsed. */
export const MAX_PLAN_FILE_BYTES = 256 * 1024;

/** Aliases expanded at most this many times (a guard against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

/** YAML syntax errors reported at most (each on its own line). */
const MAX_SYNTAX_ERRORS = 5;

/** Errors of the plan file's rules reported at most (a file of thousands of bad keys says so once). */
const MAX_RULE_ERRORS = 100;

/** Deepest nesting of `[` and `{` read; deeper input is refused before it is parsed (the parser recurses). */
export const MAX_PLAN_NESTING = 64;

const NESTED_TOO_DEEP: PlanFileError = {
  line: null,
  path: '',
  message: `the file is nested too deeply; a plan file nests at most ${MAX_PLAN_NESTING} levels`,
};

const HEADER = [
  'Rollout Coordinator plan file: the editable plan of one rollout (settings, phases, waves).',
  'Edit it, then import it: `plan import` in Teams, or',
  '`npm run plan -- apply <file> --rollout <id> --as <your Entra object id>`.',
  'Checklist ticks and goals marked met are not part of this file: they are kept for every',
  'checklist item and goal whose id stays the same. Fields left out get their defaults.',
].join('\n');

/** `phases.pilot.waves[0].id` */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');

const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

/** A mapping's pairs by scalar key (the first of each), built once: one look-up per error stays cheap. */
const pairsOf = (map: YAMLMap): Map<string, Pair> => {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
    }
    pairIndex.set(map, index);
  }
  return index;
};

/**
 * The deepest nesting of flow collections (`[`, `{`) outside quotes and comments: a quick, linear
 * look before parsing, whose recursion would otherwise exhaust the stack on `[[[[…`.
 */
const flowNesting = (text: string): number => {
  let depth = 0;
  let max = 0;
  let quote: string | null = null;
  let comment = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (comment) {
      if (c === '\n') comment = false;
    } else if (quote) {
      if (c === '\\' && quote === '"') i += 1;
      else if (c === quote) quote = null;
    } else if (c === '"' || (c === "'" && /[\s[{,:]/.test(text[i - 1] ?? ' '))) {
      quote = c;
    } else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      comment = true;
    } else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > max) max = depth;
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth -= 1;
    }
  }
  return max;
};

const isStackOverflow = (message: string): boolean => /call stack/i.test(message);
const overflowed = (err: unknown): boolean => err instanceof Error && isStackOverflow(err.message);

/**
 * Keys that appear twice in one mapping, in one linear pass (the parser's own `uniqueKeys` check
 * compares each key with every earlier one: quadratic in a mapping of thousands of keys).
 * YAML 1.1 merge keys (`<<`) may repeat.
 */
const duplicateKeys = (doc: Document.Parsed): { pos: number; message: string }[] => {
  const found: { pos: number; message: string }[] = [];
  const merges = doc.directives?.yaml.version === '1.1';
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value: unknown = pair.key.value;
        if (merges && value === '<<') continue;
        const id = `${typeof value}:${String(value)}`;
        if (seen.has(id)) found.push({ pos: pair.key.range?.[0] ?? 0, message: 'Map keys must be unique' });
        else seen.add(id);
      }
    },
  });
  return found;
};

/** The 1-based line of the node at `path`; for a missing node, the line of its nearest ancestor. */
const lineOf = (doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | null => {
  const lineAt = (node: unknown): number | null => {
    const range = (node as { range?: [number, number, number] | null } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : null;
  };
  let node: unknown = doc.contents;
  let line = lineAt(node);
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(segment));
      if (!pair) break;
      line = lineAt(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      line = lineAt(item) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
};

/** The error for input over MAX_PLAN_FILE_BYTES (refused before it is parsed). */
export const planFileTooLarge = (bytes: number): PlanFileError => ({
  line: null,
  path: '',
  message: `the file is too large (${Math.ceil(bytes / 1024)} KiB); a plan file has at most ${MAX_PLAN_FILE_BYTES / 1024} KiB`,
});

const fail = (errors: PlanFileError[]): PlanYamlResult => ({ ok: false, errors });

const byLine = (a: PlanFileError, b: PlanFileError): number => (a.line ?? 0) - (b.line ?? 0);

type Issue = z.core.$ZodIssue;

/**
 * The issues of the alternative a value was meant as, when it may take one of several forms (a
 * stage's `feedback`: true, false or a mapping of goals): of the alternatives whose own type
 * matched (a mapping for a mapping), the one that knows most of its keys, then the one with the
 * fewest complaints. Null when no alternative's type matched: the union's own message says what
 * is allowed.
 */
const meantAlternative = (issue: Issue): Issue[] | null => {
  if (issue.code !== 'invalid_union') return null;
  const unknownKeys = (issues: Issue[]): number =>
    issues.reduce(
      (n, i) => n + (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys.length : 0),
      0,
    );
  // An alternative refusing the value's type (or, a literal, the value itself) is not what was meant.
  const refused = (i: Issue): boolean =>
    i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
  const candidates = issue.errors.filter((issues) => issues.length > 0 && !issues.some(refused));
  const [best] = candidates.sort((a, b) => unknownKeys(a) - unknownKeys(b) || a.length - b.length);
  return best ?? null;
};

/** Each issue with its full path; an alternative's issues in place of "none of the forms fits". */
const flatIssues = function* (
  issues: readonly Issue[],
  prefix: readonly PropertyKey[] = [],
): Generator<Issue> {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const inner = meantAlternative(issue);
    if (inner) yield* flatIssues(inner, path);
    else yield { ...issue, path };
  }
};

/**
 * Reads a plan file: YAML syntax errors with their line, then every rule of the plan file schema,
 * each error with the line of the field it is about (or of the mapping that misses it).
 */
export const parsePlanYaml = (text: string): PlanYamlResult => {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PLAN_FILE_BYTES) return fail([planFileTooLarge(bytes)]);
  if (flowNesting(text) > MAX_PLAN_NESTING) return fail([NESTED_TOO_DEEP]);
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  let problems: { pos: number; message: string }[];
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    problems = doc.errors.map((err) => ({ pos: err.pos[0], message: err.message }));
    if (problems.length === 0) problems = duplicateKeys(doc);
  } catch (err) {
    // Nesting the quick look did not see (block sequences `- - - …`) exhausts the parser's stack.
    if (overflowed(err)) return fail([NESTED_TOO_DEEP]);
    throw err;
  }
  if (problems.some((p) => isStackOverflow(p.message))) return fail([NESTED_TOO_DEEP]);
  if (problems.length > 0) {
    // One error per line, the first few: later ones are mostly consequences of the first.
    const errors: PlanFileError[] = [];
    const lines = new Set<number>();
    for (const problem of problems) {
      const line = lineCounter.linePos(problem.pos).line;
      if (lines.has(line)) continue;
      lines.add(line);
      errors.push({ line, path: '', message: `YAML syntax: ${problem.message}` });
    }
    const shown = errors.slice(0, MAX_SYNTAX_ERRORS);
    if (errors.length > shown.length) {
      shown.push({
        line: null,
        path: '',
        message: `…and errors on ${errors.length - shown.length} more lines`,
      });
    }
    return fail(shown);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (overflowed(err)) return fail([NESTED_TOO_DEEP]);
    return fail([
      { line: null, path: '', message: `YAML: ${err instanceof Error ? err.message : String(err)}` },
    ]);
  }
  if (data === null || data === undefined) {
    return fail([
      {
        line: null,
        path: '',
        message: 'the file is empty: a plan file is a mapping starting with "version: 1"',
      },
    ]);
  }
  const parsed = planFileSchema.safeParse(data);
  if (parsed.success) return { ok: true, file: parsed.data, spec: fromPlanFile(parsed.data) };

  const errors: PlanFileError[] = [];
  const seen = new Set<string>();
  const add = (path: readonly PropertyKey[], message: string): void => {
    const shown = formatPath(path);
    // One error per field: the first rule it breaks.
    if (seen.has(shown)) return;
    seen.add(shown);
    errors.push({ line: lineOf(doc, lineCounter, path), path: shown, message });
  };
  for (const issue of flatIssues(parsed.error.issues)) {
    if (issue.code === 'unrecognized_keys') {
      const messages = unknownKeyMessages(issue.message, issue.keys);
      issue.keys.forEach((key, i) => add([...issue.path, key], messages[i] ?? ''));
    } else {
      add(issue.path, issue.message);
    }
  }
  errors.sort(byLine);
  if (errors.length > MAX_RULE_ERRORS) {
    const more = errors.length - MAX_RULE_ERRORS;
    return fail([
      ...errors.slice(0, MAX_RULE_ERRORS),
      { line: null, path: '', message: `…and ${more} more error${more === 1 ? '' : 's'}` },
    ]);
  }
  return fail(errors);
};

/**
 * The plan file as YAML: a short header, every field in a stable order (that of `planOf`), no
 * anchors or aliases, a blank line before each phase.
 */
export const stringifyPlan = (file: PlanFile): string => {
  const doc = new Document(file, { aliasDuplicateObjects: false });
  doc.commentBefore = HEADER.split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
  const root = doc.contents;
  if (isMap(root)) {
    const phasesPair = root.items.find((pair) => isScalar(pair.key) && pair.key.value === 'phases');
    if (phasesPair && isScalar(phasesPair.key)) phasesPair.key.spaceBefore = true;
    // Times of day quoted: a YAML 1.1 reader would take 19:00 for a number (base 60).
    visit(root, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && /^\d\d:\d\d$/.test(node.value)) node.type = 'QUOTE_DOUBLE';
      },
    });
    const phases = phasesPair?.value;
    if (isMap(phases)) {
      for (const pair of phases.items.slice(1)) if (isScalar(pair.key)) pair.key.spaceBefore = true;
    }
  }
  return doc.toString({ lineWidth: 100 });
};

/** One line per error: `line 12: phases.pilot.waves[0].id: must be a wave id …`. */
export const formatPlanErrors = (errors: readonly PlanFileError[]): string =>
  errors
    .map((e) => `${e.line === null ? '' : `line ${e.line}: `}${e.path ? `${e.path}: ` : ''}${e.message}`)
    .join('\n');
