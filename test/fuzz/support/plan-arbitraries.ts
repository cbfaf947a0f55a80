import fc from 'fast-check';
import { stringify } from 'yaml';
import { toPlanFile } from '../../../src/plan/plan-file';
import { stringifyPlan } from '../../../src/plan/plan-yaml';
import { createdRollout } from '../../plan/support';
import {
  hostileJson,
  hostileText,
  LONE_SURROGATES,
  objectOf,
  POISON_KEYS,
  TRICKY_CHARS,
  type Json,
} from './arbitraries';

/** Plan files as people (and attackers) write them: valid exports, edited, broken and hostile. */
type JsonObject = { [key: string]: Json };

export const exportedPlans = (['app', 'enrollment'] as const).map((t) =>
  stringifyPlan(toPlanFile(createdRollout(t))),
);
const exportedFiles = (['app', 'enrollment'] as const).map(
  (t) => JSON.parse(JSON.stringify(toPlanFile(createdRollout(t)))) as JsonObject,
);

/** Every path (object keys and array indexes) in a value, to pick one to change. */
const pathsOf = (
  value: Json,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] => {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
};
const filePaths = exportedFiles.map((f) => pathsOf(f).filter((p) => p.length > 0));

const setPath = (root: Json, path: readonly (string | number)[], value: Json | undefined): Json => {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
};

const fieldValue: fc.Arbitrary<Json | undefined> = fc.oneof(
  { weight: 6, arbitrary: hostileJson() },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Json>(
      '',
      'x'.repeat(70_000),
      '2026-02-30',
      '2026-13-01 25:61',
      '9999-12-31',
      'scope',
      'pilot',
    ),
  },
);

/** An exported plan with a few fields replaced (wrong types, hostile values) or removed, as YAML or JSON. */
const editedPlan: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: exportedFiles.length - 1 })
  .chain((i) =>
    fc.tuple(
      fc.constant(exportedFiles[i] as Json),
      fc.array(fc.tuple(fc.constantFrom(...(filePaths[i] ?? [])), fieldValue), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.constantFrom('yaml', 'json', 'json-compact'),
    ),
  )
  .map(([file, edits, format]) => {
    let edited = file;
    for (const [path, value] of edits) {
      try {
        edited = setPath(edited, path, value);
      } catch {
        /* an earlier edit removed the parent */
      }
    }
    if (format === 'json') return JSON.stringify(edited, null, 2);
    if (format === 'json-compact') return JSON.stringify(edited);
    return stringify(edited, { aliasDuplicateObjects: false });
  });

/** Text-level damage to an exported plan: lines inserted, removed, swapped, indentation broken. */
const damagedText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...exportedPlans),
    fc.array(
      fc.record({
        at: fc.nat(),
        op: fc.constantFrom('insert', 'delete', 'duplicate', 'indent', 'dedent', 'tab', 'truncate'),
        text: fc.oneof(
          hostileText(4),
          fc.constantFrom(
            'version: 1',
            'phases:',
            'name: x',
            '  - id: a',
            '? [a]',
            ': x',
            '- !!binary AAAA',
            '&a x',
            '*a',
            '<<: *a',
            '%YAML 1.1',
            '---',
            '...',
            '{',
            '[',
            '"',
            "'",
            '|',
            '>',
            '#',
          ),
        ),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  )
  .map(([text, ops]) => {
    let lines = text.split('\n');
    for (const { at, op, text: extra } of ops) {
      const i = lines.length === 0 ? 0 : at % lines.length;
      if (op === 'insert') lines.splice(i, 0, extra);
      else if (op === 'delete') lines.splice(i, 1);
      else if (op === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
      else if (op === 'indent') lines[i] = `   ${lines[i] ?? ''}`;
      else if (op === 'dedent') lines[i] = (lines[i] ?? '').trimStart();
      else if (op === 'tab') lines[i] = `\t${lines[i] ?? ''}`;
      else lines = lines.slice(0, i);
    }
    return lines.join('\n');
  });

/** Billion laughs: `levels` anchors, each a list of `fanout` aliases of the one before. */
export const billionLaughs = (levels: number, fanout: number, inPlan: boolean): string => {
  const lines = [inPlan ? 'version: 1' : '', 'l0: &l0 "lol"'];
  for (let level = 1; level <= levels; level += 1) {
    lines.push(
      `l${level}: &l${level} [${Array.from({ length: fanout }, () => `*l${level - 1}`).join(', ')}]`,
    );
  }
  if (inPlan) lines.push(`name: *l${levels}`);
  return lines.join('\n');
};

/** Merge-key bombs: each mapping merges the one before `fanout` times (YAML 1.1 `<<`). */
export const mergeBomb = (levels: number, fanout: number): string => {
  const lines = ['%YAML 1.1', '---', 'm0: &m0 {a: lol, b: lol}'];
  for (let level = 1; level <= levels; level += 1) {
    const merges = Array.from({ length: fanout }, () => `*m${level - 1}`).join(', ');
    lines.push(`m${level}: &m${level} {<<: [${merges}], k${level}: x}`);
  }
  return lines.join('\n');
};

const bombs: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.boolean())
    .map(([levels, fanout, inPlan]) => billionLaughs(levels, fanout, inPlan)),
  fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 2, max: 8 })).map(([l, f]) => mergeBomb(l, f)),
  // One anchor, many aliases: linear, but many of them.
  fc
    .constantFrom(50, 99, 100, 101, 5_000)
    .map((n) => `a: &a {x: 1}\nlist: [${Array.from({ length: n }, () => '*a').join(', ')}]`),
  // A recursive alias (an anchor used inside its own node).
  fc.constantFrom('a: &a [*a]', '&a [*a, *a]', 'a: &a {b: *a}', 'x: *undefined_anchor', '&a a: *a'),
);

/** Deep nesting in every YAML form, around and far beyond any sensible depth. */
const deep: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(50, 500, 5_000, 50_000, 120_000),
    fc.constantFrom('flow-seq', 'flow-map', 'block-seq', 'block-map', 'mixed', 'unclosed'),
  )
  .map(([depth, kind]) => {
    switch (kind) {
      case 'flow-seq':
        return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
      case 'flow-map':
        return `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
      case 'block-seq':
        return `${'- '.repeat(Math.min(depth, 60_000))}x`;
      case 'block-map': {
        const n = Math.min(depth, 700);
        return Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' x';
      }
      case 'mixed':
        return `version: 1\nphases: ${'[{a: '.repeat(Math.floor(depth / 2))}1${'}]'.repeat(Math.floor(depth / 2))}`;
      default:
        return '['.repeat(depth);
    }
  });

/** Large documents: many keys, long scalars, many waves, many errors, around the size limit. */
const huge: fc.Arbitrary<string> = fc.oneof(
  fc
    .constantFrom(1_000, 20_000, 60_000)
    .map((n) =>
      `version: 1\n${Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n')}`.slice(0, 262_000),
    ),
  fc
    .constantFrom(255 * 1024, 256 * 1024, 256 * 1024 + 1, 600 * 1024)
    .map((size) => `version: 1\nname: "${'x'.repeat(Math.max(0, size - 20))}"`),
  fc.constantFrom(40, 201, 2_000).map((n) => {
    const waves = Array.from({ length: n }, (_, i) => `      - id: w${i}\n        name: Wave ${i}`).join(
      '\n',
    );
    return (exportedPlans[0] as string).replace(
      /(\n {2}enterprise:\n(?:.*\n)*? {4}waves:)( \[\])?/,
      `$1\n${waves}`,
    );
  }),
  fc
    .constantFrom(500, 5_000)
    .map((n) => `version: 1\nphases:\n${Array.from({ length: n }, (_, i) => `  bogus${i}: {}`).join('\n')}`),
  fc.constantFrom(1_000, 10_000).map((n) => Array.from({ length: n }, () => '{').join('\n')),
);

/** Duplicate keys, odd scalars, tags, directives, multiple documents, prototype keys. */
const odd: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'version: 1\nversion: 1',
    'version: 1\nname: a\nname: b',
    'version: 1\n? name\n: a\n? name\n: b',
    'version: !!binary AAAA',
    'version: !!timestamp 2026-01-01',
    'version: !!set {a, b}',
    'version: !!omap [a: 1]',
    'version: !!js/function "function(){}"',
    'version: !custom 1',
    'version: !!int "1"',
    'version: !!float 1',
    'version: 0x1',
    'version: 0o1',
    'version: 1.0',
    'version: 1e0',
    'version: +1',
    'version: .inf',
    'version: .nan',
    'version: ~',
    'version: null',
    'version: yes',
    '%YAML 1.1\n---\nversion: 1\nname: no',
    '%YAML 1.1\n---\nversion: 1:00',
    '%YAML 9.9\n---\nversion: 1',
    '%TAG ! tag:evil.com,2000:\n---\nversion: !x 1',
    'version: 1\n---\nversion: 1',
    '---\n...\n---',
    '',
    '   ',
    '#just a comment',
    '"just a string"',
    '[1, 2, 3]',
    '42',
    'true',
    '\uFEFFversion: 1',
    'version: 1\r\nname: crlf\r\n',
    'version:\t1',
    'version: 1\u0000',
    '? [a, b]\n: complex key',
    '? {a: 1}\n: complex key',
    '1: numeric key\ntrue: boolean key\nnull: null key',
    '__proto__: {polluted: true}\nversion: 1',
    'version: 1\nconstructor: {prototype: {polluted: true}}',
    'version: 1\nphases: {__proto__: {polluted: true}}',
    'version: 1\n<<: {polluted: true}',
    'version: 1\nname: "\\ud800"',
    'version: 1\nname: "\\x00"',
    `version: 1\nname: ${'a'.repeat(1024 * 64)}`,
    `version: 1\n${'x'.repeat(2000)}: long key`,
  ),
  fc.tuple(fc.constantFrom(...POISON_KEYS), hostileJson()).map(([key, value]) =>
    stringify(
      objectOf([
        ['version', 1],
        [key, value],
      ]),
    ),
  ),
  fc
    .tuple(
      fc.constantFrom(...[...TRICKY_CHARS, ...LONE_SURROGATES]),
      fc.constantFrom(...exportedPlans),
      fc.nat(),
    )
    .map(([ch, plan, at]) => plan.slice(0, at % plan.length) + ch + plan.slice(at % plan.length)),
);

/** Any plan file text the suite throws at the parser. */
export const planText = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...exportedPlans) },
    { weight: 5, arbitrary: editedPlan },
    { weight: 4, arbitrary: damagedText },
    { weight: 3, arbitrary: bombs },
    { weight: 2, arbitrary: deep },
    { weight: 1, arbitrary: huge },
    { weight: 3, arbitrary: odd },
    { weight: 1, arbitrary: hostileText(20) },
  );
