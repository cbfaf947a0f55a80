import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { PlanSpec } from '../domain/plan';
import { fromPlanFile } from './plan-file';
import { unknownKeyMessage } from './plan-file-fields';
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
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
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
  const candidates = issue.errors.filter(
    (issues) => issues.length > 0 && !issues.some((i) => i.path.length === 0 && i.code === 'invalid_type'),
  );
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One error per line, the first few: later ones are mostly consequences of the first.
    const errors: PlanFileError[] = [];
    for (const err of doc.errors) {
      const line = lineCounter.linePos(err.pos[0]).line;
      if (errors.some((e) => e.line === line)) continue;
      errors.push({ line, path: '', message: `YAML syntax: ${err.message}` });
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
      for (const key of issue.keys) add([...issue.path, key], unknownKeyMessage(issue.message, key));
    } else {
      add(issue.path, issue.message);
    }
  }
  return fail(errors.sort(byLine));
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
