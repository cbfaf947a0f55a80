/** A JSON value as read from `manifest/manifest.json`. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** `${{NAME}}`, as the Microsoft 365 Agents Toolkit writes placeholders. */
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const ONLY_PLACEHOLDER = /^\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/** Values for the placeholders; `undefined` = an optional value that is not set. */
export type ManifestValues = Readonly<Record<string, string | undefined>>;

export class ManifestTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestTemplateError';
  }
}

const DROP = Symbol('drop');

const fillValue = (value: Json, values: ManifestValues, path: string): Json | typeof DROP => {
  if (typeof value === 'string') {
    const only = ONLY_PLACEHOLDER.exec(value);
    if (only?.[1] && only[1] in values && values[only[1]] === undefined) return DROP;
    return value.replace(PLACEHOLDER, (_all, name: string) => {
      if (!(name in values)) throw new ManifestTemplateError(`${path}: unknown placeholder \${{${name}}}`);
      const filled = values[name];
      if (filled === undefined)
        throw new ManifestTemplateError(`${path}: \${{${name}}} is not set and is part of a longer text`);
      return filled;
    });
  }
  if (Array.isArray(value)) {
    const items = value
      .map((item, i) => fillValue(item, values, `${path}[${i}]`))
      .filter((item): item is Json => item !== DROP);
    return items.length === 0 && value.length > 0 ? DROP : items;
  }
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) {
      const filled = fillValue(item, values, path ? `${path}.${key}` : key);
      if (filled !== DROP) out[key] = filled;
    }
    return out;
  }
  return value;
};

/**
 * Fills every `${{NAME}}` in the template's strings. A string that is only the placeholder of an
 * unset optional value is left out (and so is an array it leaves empty, or a property holding
 * it): `"validDomains": ["${{BOT_DOMAIN}}"]` disappears without BOT_DOMAIN. A placeholder with no
 * value at all is an error, so a typo never reaches Teams.
 */
export const fillManifest = (template: Json, values: ManifestValues): { [key: string]: Json } => {
  const filled = fillValue(template, values, '');
  if (filled === DROP || !filled || typeof filled !== 'object' || Array.isArray(filled))
    throw new ManifestTemplateError('the manifest template is not a JSON object');
  return filled;
};
