import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';

type ValidateArgs = Parameters<typeof AppManifestUtils.validateAgainstSchema>;

const TEAMS_SCHEMA_URL =
  /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v[0-9.]+|vDevPreview)\/MicrosoftTeams\.schema\.json$/i;

export class ManifestSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestSchemaError';
  }
}

/** Where `@microsoft/app-manifest` keeps the Teams schema of a `$schema` URL (it bundles v1.19+, not v1.18). */
export const bundledSchemaPath = (schemaUrl: string): string => {
  const version = TEAMS_SCHEMA_URL.exec(schemaUrl)?.[1];
  if (!version) throw new ManifestSchemaError(`$schema ${schemaUrl} is not a Teams app manifest schema URL`);
  const packageDir = dirname(require.resolve('@microsoft/app-manifest'));
  return join(packageDir, 'json-schemas', 'teams', version, 'MicrosoftTeams.schema.json');
};

const loadBundledSchema = async (schemaUrl: string): Promise<unknown> => {
  const file = bundledSchemaPath(schemaUrl);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new ManifestSchemaError(
      `$schema ${schemaUrl} is not bundled with @microsoft/app-manifest, so it cannot be checked offline (use v1.19 or newer)`,
    );
  }
  // The published schemas hold `\a` and `\v` escapes that JSON does not allow (as the library does).
  return JSON.parse(raw.replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as unknown;
};

/**
 * Validates a filled manifest against the schema its `$schema` names, with
 * `AppManifestUtils.validateAgainstSchema` and the schema bundled in `@microsoft/app-manifest`:
 * offline, never fetched. Returns the schema errors (`/path message. Details: …`), none when valid.
 */
export const validateManifest = async (manifest: Readonly<Record<string, unknown>>): Promise<string[]> => {
  const schemaUrl = manifest.$schema;
  if (typeof schemaUrl !== 'string') return ['/$schema is missing: the manifest must name its schema'];
  const schema = await loadBundledSchema(schemaUrl);
  return AppManifestUtils.validateAgainstSchema(
    manifest as unknown as ValidateArgs[0],
    schema as ValidateArgs[1],
  );
};
