import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatJson, planJsonSchema, planJsonSchemaText } from '../../src/plan/plan-json-schema';

const ROOT = join(__dirname, '..', '..');
const COMMITTED = join(ROOT, 'schema', 'plan.schema.json');
const REGENERATE = 'npm run build && npm run --silent plan -- schema > schema/plan.schema.json';

const PRETTIER = join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');

/** Prettier's own layout of a JSON text (the repository's settings, or the given print width). */
const prettierJson = (text: string, printWidth?: number): string =>
  execFileSync(
    process.execPath,
    [
      PRETTIER,
      '--stdin-filepath',
      COMMITTED,
      ...(printWidth === undefined ? [] : ['--print-width', String(printWidth)]),
    ],
    { cwd: ROOT, input: text, encoding: 'utf8' },
  );

describe('schema/plan.schema.json', () => {
  it('is the schema the code generates', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    if (committed !== planJsonSchemaText()) {
      throw new Error(
        `schema/plan.schema.json is out of date with the zod schema in src/plan/. Regenerate it with:\n  ${REGENERATE}`,
      );
    }
  });

  it('is laid out as Prettier lays it out (npm run lint checks it)', () => {
    expect(prettierJson(planJsonSchemaText())).toBe(planJsonSchemaText());
  });

  it('describes the file: strict objects, required keys, defaults for the rest', () => {
    const schema = planJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
      $defs: Record<string, { required?: string[]; additionalProperties?: boolean }>;
    };
    expect(schema.required).toEqual(['version', 'name', 'timeZone', 'phases']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      'version',
      'name',
      'timeZone',
      'app',
      'businessPurpose',
      'schedule',
      'phases',
    ]);
    expect(schema.$defs.Wave?.required).toEqual(['id', 'name']);
    expect(schema.$defs.Wave?.additionalProperties).toBe(false);
    expect(schema.$defs.Phase?.required).toBeUndefined();
  });

  it('describes a stage’s signoff, not the plan model’s own form of it (readiness)', () => {
    const schema = planJsonSchema() as {
      $defs: Record<string, { properties?: Record<string, unknown>; additionalProperties?: boolean }>;
    };
    for (const stage of ['Phase', 'Wave']) {
      expect(Object.keys(schema.$defs[stage]?.properties ?? {})).toContain('signoff');
      expect(Object.keys(schema.$defs[stage]?.properties ?? {})).not.toContain('readiness');
    }
    expect(schema.$defs.Phase?.properties?.signoff).toMatchObject({
      anyOf: [{ type: 'boolean' }, { type: 'null' }, { $ref: '#/$defs/Signoff' }],
    });
    expect(Object.keys(schema.$defs.Signoff?.properties ?? {})).toEqual([
      'policy',
      'quorum',
      'allowNotReady',
      'members',
      'groups',
      'deadline',
    ]);
    expect(schema.$defs.Signoff?.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).not.toMatch(/ReadinessPlanModel|FeedbackPlanModel/);
  });

  it('describes a stage’s audience in the file’s form (not the plan model’s filters) and its intent', () => {
    const schema = planJsonSchema() as {
      $defs: Record<
        string,
        {
          properties?: Record<string, { enum?: unknown }>;
          additionalProperties?: boolean;
          required?: string[];
        }
      >;
    };
    for (const stage of ['Phase', 'Wave']) {
      expect(schema.$defs[stage]?.properties?.audience).toEqual({ $ref: '#/$defs/Audience' });
      expect(schema.$defs[stage]?.properties?.intent).toMatchObject({ enum: ['required', 'available'] });
    }
    const audience = schema.$defs.Audience;
    expect(Object.keys(audience?.properties ?? {})).toEqual([
      'groups',
      'members',
      'departments',
      'countries',
      'offices',
      'platforms',
      'includeGuests',
      'includeDisabled',
    ]);
    expect(audience?.additionalProperties).toBe(false);
    expect(audience?.required ?? []).toEqual([]);
    expect(JSON.stringify(schema)).not.toMatch(/AudienceFiltersModel/);
  });
});

describe('formatJson', () => {
  it('keeps objects expanded and puts arrays of scalars on one line when they fit', () => {
    const value = { a: { b: [1, 'two', null, true], c: [] }, d: {}, e: [{ f: 1 }] };
    expect(formatJson(value)).toBe(
      [
        '{',
        '  "a": {',
        '    "b": [1, "two", null, true],',
        '    "c": []',
        '  },',
        '  "d": {},',
        '  "e": [',
        '    {',
        '      "f": 1',
        '    }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('breaks an array exactly where Prettier does (the trailing comma counts)', () => {
    // `  "k": ["aaaa", "bbbb"],` is 24 characters; the same array last, without a comma, 23.
    const values = [
      { k: ['aaaa', 'bbbb'], z: 1 },
      { z: 1, k: ['aaaa', 'bbbb'] },
    ];
    for (const value of values) {
      for (const width of [22, 23, 24, 25]) {
        expect(formatJson(value, width)).toBe(prettierJson(JSON.stringify(value, null, 2), width));
      }
    }
    expect(formatJson(values[0], 24)).toContain('"k": ["aaaa", "bbbb"],');
    expect(formatJson(values[0], 23)).toContain('"k": [\n    "aaaa",\n    "bbbb"\n  ],');
  });

  it('describes the schedule (quiet hours, digest time) and each stage’s nudges, Got it reminder, auto-advance', () => {
    const schema = planJsonSchema() as {
      properties: Record<string, unknown>;
      $defs: Record<string, { properties?: Record<string, Record<string, unknown>>; required?: string[] }>;
    };
    expect(schema.properties.schedule).toEqual({ $ref: '#/$defs/Schedule' });
    expect(Object.keys(schema.$defs.Schedule?.properties ?? {})).toEqual(['quietHours', 'digestTime']);
    expect(schema.$defs.Schedule?.properties?.quietHours).toMatchObject({
      default: { start: '19:00', end: '08:00', weekends: true },
      anyOf: [{ type: 'boolean', const: false }, { type: 'null' }, { $ref: '#/$defs/QuietHours' }],
    });
    expect(schema.$defs.Schedule?.properties?.digestTime).toMatchObject({ default: '09:00' });
    expect(schema.$defs.QuietHours?.required).toEqual(['start', 'end']);
    expect(schema.$defs.QuietHours?.properties?.start).toMatchObject({
      type: 'string',
      pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
    });
    for (const stage of ['Phase', 'Wave']) {
      const props = schema.$defs[stage]?.properties ?? {};
      expect(props.nudges).toMatchObject({ type: 'integer', minimum: 0, maximum: 5 });
      expect(props.gotItReminder).toMatchObject({ type: 'boolean' });
      expect(props.autoAdvance).toMatchObject({ type: 'boolean' });
      expect(schema.$defs[stage]?.required ?? []).not.toContain('nudges');
    }
  });
});
