import { wellFormed } from '../domain/text';
import { LIMITS } from './limits';

/** Keys that reach `Object.prototype` when a parsed body is merged by assignment somewhere. */
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonBody = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses a JSON request body, then walks it once, without recursion: refuses one nested deeper
 * than LIMITS.jsonDepth or with more than LIMITS.jsonNodes values (later code recurses and would
 * overflow the stack), drops `__proto__` / `constructor` / `prototype` keys, and makes every
 * string well-formed (lone surrogates become U+FFFD).
 */
export const parseJsonBody = (text: string): JsonBody => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The body is not valid JSON.' };
  }
  if (typeof value === 'string') return { ok: true, value: wellFormed(value) };
  const stack: { node: object; depth: number }[] = [];
  if (value !== null && typeof value === 'object') stack.push({ node: value, depth: 1 });
  let nodes = 1;
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: object; depth: number };
    if (depth > LIMITS.jsonDepth) {
      return { ok: false, message: `The body is nested deeper than ${LIMITS.jsonDepth} levels.` };
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (POISON_KEYS.has(key)) {
        delete record[key];
        continue;
      }
      nodes += 1;
      if (nodes > LIMITS.jsonNodes) {
        return { ok: false, message: `The body has more than ${LIMITS.jsonNodes} values.` };
      }
      const child = record[key];
      if (typeof child === 'string') record[key] = wellFormed(child);
      else if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
    }
  }
  return { ok: true, value };
};
