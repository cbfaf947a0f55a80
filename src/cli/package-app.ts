import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  fillManifest,
  ManifestTemplateError,
  type Json,
  type ManifestValues,
} from '../app-package/fill-manifest';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE } from '../app-package/icons';
import { readPngHeader } from '../app-package/png';
import { deriveTeamsAppId } from '../app-package/teams-app-id';
import { ManifestSchemaError, validateManifest } from '../app-package/validate-manifest';
import { writeZip } from '../app-package/zip';
import { ConfigError, loadPackageConfig, tabAppIdOf, type PackageConfig } from '../config';

/** Where the command line writes: standard output and standard error (text as given). */
export interface PackageIo {
  out(text: string): void;
  err(text: string): void;
}

export type PackageEnv = Readonly<Record<string, string | undefined>>;

export interface PackagePaths {
  /** The project root: `manifest/` and `package.json` are read from here. */
  root: string;
  /** The archive to write; default `<root>/build/appPackage.zip`. */
  out?: string;
}

/** The files at the package's root: the filled manifest and the two icons it names. */
export const MANIFEST_FILE = 'manifest.json';
export const ICON_FILES = { color: 'color.png', outline: 'outline.png' } as const;

export const MISSING_BOT_ID_MESSAGE =
  'package: MicrosoftAppId is not set: set it to the Azure Bot’s Entra app id (a package without the real bot id cannot reach the bot).';

export const MISSING_BOT_DOMAIN_MESSAGE =
  'package: BOT_DOMAIN is not set: with TABS (on by default) the package has the dashboard tab, served at https://<BOT_DOMAIN>/tab/ and signing in with api://<BOT_DOMAIN>/<MicrosoftAppId>. Set BOT_DOMAIN to the host name the bot is reached at (e.g. rollout.contoso.com), or set TABS=false to package without tabs.';

const PLACEHOLDER_WEBSITE = 'https://example.com';

const ICON_SIZES: Record<keyof typeof ICON_FILES, number> = {
  color: COLOR_ICON_SIZE,
  outline: OUTLINE_ICON_SIZE,
};

/** The values `manifest/manifest.json`'s `${{NAME}}` placeholders are filled with. */
export const manifestValues = (config: PackageConfig & { MicrosoftAppId: string }, packageVersion: string) =>
  ({
    MicrosoftAppId: config.MicrosoftAppId,
    TAB_APP_ID: tabAppIdOf(config) ?? config.MicrosoftAppId,
    TEAMS_APP_ID: config.TEAMS_APP_ID ?? deriveTeamsAppId(config.MicrosoftAppId),
    APP_VERSION: config.APP_VERSION ?? packageVersion,
    BOT_DOMAIN: config.BOT_DOMAIN,
    PUBLISHER_NAME: config.PUBLISHER_NAME,
    PUBLISHER_WEBSITE: config.PUBLISHER_WEBSITE,
  }) satisfies ManifestValues;

const readJson = async (file: string): Promise<Json> => JSON.parse(await readFile(file, 'utf8')) as Json;

/** The template's parts that exist only with the dashboard tab (TABS). */
const TAB_PROPERTIES = ['staticTabs', 'configurableTabs'] as const;

/**
 * The template without the dashboard tab (TABS=false): no `staticTabs` (the bot's chat and About
 * are Teams' defaults without them), no `configurableTabs`, and `webApplicationInfo` without the
 * tab's SSO `resource` (its `id` stays). Nothing of BOT_DOMAIN is left but `validDomains`.
 */
export const withoutTabs = (template: Json): Json => {
  if (!template || typeof template !== 'object' || Array.isArray(template)) return template;
  const out = Object.fromEntries(
    Object.entries(template).filter(([key]) => !(TAB_PROPERTIES as readonly string[]).includes(key)),
  );
  const info = out.webApplicationInfo;
  if (info && typeof info === 'object' && !Array.isArray(info))
    out.webApplicationInfo = Object.fromEntries(Object.entries(info).filter(([key]) => key !== 'resource'));
  return out;
};

/**
 * Reads `manifest/manifest.json` and fills it: the manifest that goes into the package, with the
 * dashboard tab (personal, configurable, its SSO resource) when `tabs`, without it otherwise.
 */
export const filledManifest = async (
  root: string,
  values: ManifestValues,
  { tabs }: { tabs: boolean },
): Promise<Record<string, Json>> => {
  const template = await readJson(join(root, 'manifest', MANIFEST_FILE));
  return fillManifest(tabs ? template : withoutTabs(template), values);
};

/** Checks an icon is a PNG of the size Teams wants (the schema cannot see inside the files). */
const checkIcon = (kind: keyof typeof ICON_FILES, png: Buffer): string | null => {
  const want = ICON_SIZES[kind];
  try {
    const { width, height } = readPngHeader(png);
    return width === want && height === want
      ? null
      : `manifest/${ICON_FILES[kind]} is ${width}×${height}; Teams wants ${want}×${want}`;
  } catch {
    return `manifest/${ICON_FILES[kind]} is not a PNG file`;
  }
};

/**
 * `npm run package`: fills `manifest/manifest.json` from the environment, validates it offline
 * against its schema, checks the icons, and writes the Teams app package (manifest.json,
 * color.png and outline.png at the zip's root). Returns the exit code: 0 written, 1 not written
 * (no MicrosoftAppId, no BOT_DOMAIN while TABS is true, a bad variable, schema errors, a bad icon),
 * each reason on stderr. With TABS (default) the package has the dashboard tab; TABS=false leaves it out.
 */
export const runPackageCli = async (env: PackageEnv, io: PackageIo, paths: PackagePaths): Promise<number> => {
  let config: PackageConfig;
  try {
    config = loadPackageConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`package: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const botId = config.MicrosoftAppId;
  if (!botId) {
    io.err(`${MISSING_BOT_ID_MESSAGE}\n`);
    return 1;
  }
  if (config.TABS && !config.BOT_DOMAIN) {
    io.err(`${MISSING_BOT_DOMAIN_MESSAGE}\n`);
    return 1;
  }

  const { version } = JSON.parse(await readFile(join(paths.root, 'package.json'), 'utf8')) as {
    version: string;
  };
  const values = manifestValues({ ...config, MicrosoftAppId: botId }, version);
  let manifest: Record<string, Json>;
  let errors: string[];
  try {
    manifest = await filledManifest(paths.root, values, { tabs: config.TABS });
    errors = await validateManifest(manifest);
  } catch (err) {
    if (err instanceof ManifestTemplateError || err instanceof ManifestSchemaError) {
      io.err(`package: manifest/${MANIFEST_FILE}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (errors.length > 0) {
    io.err(
      `package: the filled manifest does not match its schema (${String(manifest.$schema)}):\n` +
        errors.map((e) => `  ${e}\n`).join(''),
    );
    return 1;
  }

  const icons = await Promise.all(
    (Object.keys(ICON_FILES) as (keyof typeof ICON_FILES)[]).map(async (kind) => ({
      kind,
      data: await readFile(join(paths.root, 'manifest', ICON_FILES[kind])),
    })),
  );
  const iconProblems = icons.map(({ kind, data }) => checkIcon(kind, data)).filter((p) => p !== null);
  if (iconProblems.length > 0) {
    io.err(iconProblems.map((p) => `package: ${p}\n`).join(''));
    return 1;
  }

  const zip = writeZip([
    { name: MANIFEST_FILE, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    ...icons.map(({ kind, data }) => ({ name: ICON_FILES[kind], data })),
  ]);
  const out = paths.out ?? join(paths.root, 'build', 'appPackage.zip');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, zip);

  const tabsNote = config.TABS
    ? `dashboard tab https://${config.BOT_DOMAIN ?? ''}/tab/`
    : 'no tabs: TABS=false';
  io.out(
    `package: wrote ${relative(process.cwd(), out) || out} (Teams app ${values.TEAMS_APP_ID}, version ${values.APP_VERSION}, bot ${botId}, ${tabsNote})\n`,
  );
  if (config.PUBLISHER_WEBSITE === PLACEHOLDER_WEBSITE)
    io.out(
      `package: note: the developer links point to ${PLACEHOLDER_WEBSITE}; set PUBLISHER_WEBSITE before publishing to your organisation's app catalogue.\n`,
    );
  return 0;
};
