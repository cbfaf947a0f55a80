import { z } from 'zod';
import { AUDIENCE_FILTERS_MODEL_ID } from './plan-file-audience';
import { FEEDBACK_PLAN_MODEL_ID, READINESS_MODEL_ID } from './plan-file-feedback-signoff';
import { planFileSchema } from './plan-file-schema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The schema without the definitions `ids`, the alternatives (`anyOf` entries) that refer to them
 * and the properties that hold only them (or null).
 */
const withoutDefinitions = (schema: Json, ids: readonly string[]): Json => {
  const refs = new Set(ids.map((id) => `#/$defs/${id}`));
  const isRef = (v: Json): boolean =>
    !!v && typeof v === 'object' && !Array.isArray(v) && typeof v.$ref === 'string' && refs.has(v.$ref);
  const onlyRefs = (v: Json): boolean => {
    if (isRef(v)) return true;
    if (!v || typeof v !== 'object' || Array.isArray(v) || !Array.isArray(v.anyOf)) return false;
    return v.anyOf.some(isRef) && v.anyOf.every((a) => isRef(a) || (isObject(a) && a.type === 'null'));
  };
  const strip = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$defs' && isObject(value)) {
        out[key] = strip(Object.fromEntries(Object.entries(value).filter(([name]) => !ids.includes(name))));
      } else if (key === 'properties' && isObject(value)) {
        out[key] = strip(Object.fromEntries(Object.entries(value).filter(([, v]) => !onlyRefs(v))));
      } else if (key === 'anyOf' && Array.isArray(value)) {
        out[key] = value.filter((v) => !isRef(v)).map(strip);
      } else {
        out[key] = strip(value);
      }
    }
    return out;
  };
  return strip(schema);
};

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The JSON Schema of a plan file, for editors (the YAML language server, VS Code): what a file may
 * contain, so `io: 'input'` (fields with defaults are optional). Rules zod checks in code (time
 * zones, real dates, unique ids, end after start) are not in it; `npm run plan -- validate` checks
 * those. Neither is the plan model's own form of a stage's feedback (`{ goals }`) and readiness
 * sign-off (`readiness`) and audience filters (`filters`), which the edit forms use and files never need. Committed as `schema/plan.schema.json`; a test keeps it in step.
 */
export const planJsonSchema = (): Record<string, unknown> =>
  withoutDefinitions(
    z.toJSONSchema(planFileSchema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    }) as Json,
    [FEEDBACK_PLAN_MODEL_ID, READINESS_MODEL_ID, AUDIENCE_FILTERS_MODEL_ID],
  ) as Record<string, unknown>;

const PRINT_WIDTH = 110;

const isScalar = (value: Json): boolean => value === null || typeof value !== 'object';

/**
 * JSON laid out the way Prettier lays out JSON (the repository's `prettier --check` covers the
 * committed file): objects one key per line, arrays of scalars on one line when they fit in the
 * print width, two-space indentation, a trailing newline.
 */
export const formatJson = (value: unknown, printWidth = PRINT_WIDTH): string => {
  const print = (node: Json, indent: string, lead: string, trail: string): string => {
    if (node === null || typeof node !== 'object') return JSON.stringify(node);
    const inner = `${indent}  `;
    if (Array.isArray(node)) {
      if (node.length === 0) return '[]';
      if (node.every(isScalar)) {
        const flat = `[${node.map((item) => JSON.stringify(item)).join(', ')}]`;
        if (indent.length + lead.length + flat.length + trail.length <= printWidth) return flat;
      }
      const items = node.map(
        (item, i) => `${inner}${print(item, inner, '', i < node.length - 1 ? ',' : '')}`,
      );
      return `[\n${items.join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(node);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item], i) => {
      const keyText = `${JSON.stringify(key)}: `;
      return `${inner}${keyText}${print(item, inner, keyText, i < entries.length - 1 ? ',' : '')}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  };
  return `${print(JSON.parse(JSON.stringify(value)) as Json, '', '', '')}\n`;
};

/** The text of `schema/plan.schema.json`. */
export const planJsonSchemaText = (): string => formatJson(planJsonSchema());
