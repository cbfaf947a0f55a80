import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isTimeZone } from './domain/time';
import { escalateHoursSetting } from './schedule/signoff-settings';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const empty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** A comma-separated list of Entra object ids (GUIDs); empty when unset. */
const guidList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  z.array(z.string().regex(GUID, 'must be a comma-separated list of Entra object ids (GUIDs)')),
);

const optionalText = z.preprocess(empty, z.string().trim().optional());
const optionalUrl = z.preprocess(empty, z.url({ error: 'must be a URL' }).optional());
/** `true` or `false` (any case); unset or empty: `byDefault`. */
const flag = (byDefault: boolean) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || String(byDefault) : String(byDefault)),
    z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
  );
const boolFlag = flag(false);
/** A whole number from `min` to `max` (of `unit`, named in the message); unset or empty: `byDefault`. */
const wholeNumber = (unit: string | null, min: number, max: number, byDefault: number) => {
  const message = `must be a whole number ${unit ? `of ${unit} ` : ''}from ${min} to ${max}`;
  return z.preprocess(
    empty,
    z.coerce.number({ error: message }).int(message).min(min, message).max(max, message).default(byDefault),
  );
};
const boolFlagDefaultTrue = flag(true);
/** Whether a URL carries `user:password@` (false when it is no URL: the URL check reports that). */
const hasUserInfo = (url: string): boolean => {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
};

/** Every setting the bot reads from its environment; `.env.example` documents each one. */
/** An http(s) URL whose host is loopback (a local stand-in in tests). */
const isLoopbackUrl = (url: string): boolean => {
  try {
    return /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
};

const schema = z.object({
  HOST: z.preprocess(empty, z.string().trim().min(1).default('127.0.0.1')),
  PORT: wholeNumber(null, 0, 65535, 3978),
  // Empty: the server derives http://<HOST>:<PORT> once it listens (fine for a local start only).
  PUBLIC_BASE_URL: z.preprocess(
    empty,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://rollout.contoso.com' })
      .max(1000)
      .refine((url) => !/[?#]/.test(url), 'must have no query or fragment (links add their own path)')
      .refine((url) => !hasUserInfo(url), 'must not contain a user name or password')
      .refine((url) => !url.endsWith('/'), 'must not end with a slash (links add their own path)')
      .default(''),
  ),
  LOG_LEVEL: z.preprocess(
    empty,
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  DATA_DIR: z.preprocess(empty, z.string().default('./.data')),
  TABLE_PREFIX: z.preprocess(
    empty,
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,40}$/, 'must be letters and digits, starting with a letter (at most 41)')
      .default('rollout'),
  ),
  STORAGE_CONNECTION_STRING: optionalText,
  STORAGE_TABLE_ENDPOINT: z.preprocess(
    empty,
    z.url({ error: 'must be a URL such as https://<account>.table.core.windows.net' }).optional(),
  ),
  STORAGE_QUEUE_ENDPOINT: z.preprocess(
    empty,
    z.url({ error: 'must be a URL such as https://<account>.queue.core.windows.net' }).optional(),
  ),
  ROLLOUT_ADMINS: guidList,
  ROLLOUT_HELPDESK: guidList,
  NODE_ENV: z.preprocess(
    empty,
    z
      .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
      .default('development'),
  ),
  DEFAULT_TIMEZONE: z.preprocess(
    empty,
    z
      .string()
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or America/New_York')
      .default('UTC'),
  ),
  SHUTDOWN_GRACE_MS: z.preprocess(
    empty,
    z.coerce.number().int().min(0, 'must be a whole number of milliseconds').max(600_000).default(10_000),
  ),
  EXPORT_LINK_SECRET: z.preprocess(
    empty,
    z
      .string()
      .min(32, 'must be at least 32 characters (e.g. the output of `openssl rand -base64 48`)')
      .optional(),
  ),
  EXPORT_LINK_TTL_MINUTES: wholeNumber('minutes', 1, 1440, 10),
  // Bool flags: "true" / "false" (empty = false).
  ALLOW_EMBEDDED_STORAGE: boolFlag,
  ALLOW_ANONYMOUS_REMOTE: boolFlag,
  ALLOWED_TENANT_IDS: guidList,
  AZURITE_SAVE_INTERVAL_MS: wholeNumber('milliseconds', 50, 5000, 200),
  MicrosoftAppId: z.preprocess(
    empty,
    z.string().regex(GUID, 'must be the bot’s Entra app id (a GUID)').optional(),
  ),
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z.preprocess(
    empty,
    z
      .enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], {
        error: 'must be MultiTenant, SingleTenant or UserAssignedMSI',
      })
      .default('MultiTenant'),
  ),
  MicrosoftAppTenantId: z.preprocess(
    empty,
    z.string().regex(GUID, 'must be a tenant id (a GUID)').optional(),
  ),
  // Bot Framework cloud settings (Azure Government and other national clouds); unset = public cloud.
  ChannelService: optionalUrl,
  ToChannelFromBotLoginUrl: optionalUrl,
  ToChannelFromBotOAuthScope: optionalText,
  ToBotFromChannelTokenIssuer: optionalText,
  ToBotFromChannelOpenIdMetadataUrl: optionalUrl,
  ToBotFromEmulatorOpenIdMetadataUrl: optionalUrl,
  OAuthUrl: optionalUrl,
  CallerId: optionalText,
  ValidateAuthority: z.preprocess(
    empty,
    z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  ),
  // Microsoft Graph (audiences, roles from groups, Intune assignment); `none`: no Graph at all.
  GRAPH_AUTH: z.preprocess(
    empty,
    z
      .enum(['none', 'secret', 'managed-identity'], { error: 'must be none, secret or managed-identity' })
      .default('none'),
  ),
  GRAPH_BASE_URL: z.preprocess(
    empty,
    z
      .url({ protocol: /^https$/, error: 'must be an https:// URL such as https://graph.microsoft.com' })
      .refine((url) => !/[?#]/.test(url), 'must have no query or fragment')
      .transform((url) => url.replace(/\/+$/, ''))
      .default('https://graph.microsoft.com'),
  ),
  GRAPH_AUTHORITY_HOST: z.preprocess(
    empty,
    z
      .url({
        protocol: /^https$/,
        error: 'must be an https:// URL such as https://login.microsoftonline.com',
      })
      .transform((url) => url.replace(/\/+$/, ''))
      .default('https://login.microsoftonline.com'),
  ),
  GRAPH_MANAGED_IDENTITY_CLIENT_ID: z.preprocess(
    empty,
    z.string().regex(GUID, 'must be the client id of a user-assigned managed identity (a GUID)').optional(),
  ),
  ADMIN_GROUP_IDS: guidList,
  HELPDESK_GROUP_IDS: guidList,
  INTUNE_ASSIGN: boolFlag,
  // Phase announcements' fan-out.
  TEAMS_TENANT_RPS: wholeNumber('messages per second', 1, 1000, 50),
  PROACTIVE_INSTALL: boolFlag,
  ANNOUNCEMENT_RETENTION_DAYS: wholeNumber('days', 1, 3650, 90),
  SCHEDULER: boolFlagDefaultTrue,
  MARKER_RETENTION_DAYS: wholeNumber('days', 1, 365, 7),
  SIGNOFF_ESCALATE_HOURS: escalateHoursSetting,
  // The dashboard tab (`/tab/`, `/api/tab/...`) and its place in the Teams app package.
  TABS: boolFlagDefaultTrue,
  TAB_AUTHORITY_HOST: z.preprocess(
    empty,
    z
      .url({ error: 'must be a URL such as https://login.microsoftonline.com' })
      .refine(
        (url) => /^https:\/\//i.test(url) || isLoopbackUrl(url),
        'must be an https:// URL such as https://login.microsoftonline.com (http only on loopback, for tests)',
      )
      .refine((url) => !/[?#]/.test(url), 'must have no query or fragment')
      .transform((url) => url.replace(/\/+$/, ''))
      .default('https://login.microsoftonline.com'),
  ),
  TAB_APP_ID: z.preprocess(
    empty,
    z
      .string()
      .regex(GUID, 'must be the app id (a GUID) of the app registration that exposes the tab’s API')
      .transform((id) => id.toLowerCase())
      .optional(),
  ),
  TAB_LOCAL_TENANT_ID: z.preprocess(
    empty,
    z
      .string()
      .regex(
        /^(local|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
        'must be local or a tenant id (a GUID)',
      )
      .transform((id) => id.toLowerCase())
      .default('local'),
  ),
  // The Teams app package (`npm run package`); the bot itself does not use these.
  TEAMS_APP_ID: z.preprocess(empty, z.string().regex(GUID, 'must be the Teams app’s id (a GUID)').optional()),
  APP_VERSION: z.preprocess(
    empty,
    z
      .string()
      .regex(
        /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/,
        'must be a version such as 1.4.0 (major.minor.patch)',
      )
      .optional(),
  ),
  BOT_DOMAIN: z.preprocess(
    empty,
    z
      .string()
      .regex(
        /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i,
        'must be a host name such as rollout.contoso.com (no https://, port or path)',
      )
      .optional(),
  ),
  PUBLISHER_NAME: z.preprocess(
    empty,
    z.string().trim().min(1).max(32, 'must be at most 32 characters').default('Rollout Coordinator'),
  ),
  PUBLISHER_WEBSITE: z.preprocess(
    empty,
    z
      .url({ protocol: /^https$/, error: 'must be an https:// URL such as https://contoso.com/rollouts' })
      .max(1000)
      .refine(
        (url) => !/[?#]/.test(url),
        'must have no query or fragment (its /privacy and /terms pages are used)',
      )
      .transform((url) => url.replace(/\/+$/, ''))
      .default('https://example.com'),
  ),
});

export type Config = z.infer<typeof schema>;

export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses `env` with `shape`; the first problem throws a ConfigError naming its variable. */
const parseEnv = <T>(shape: z.ZodType<T>, env: Env): T => {
  const parsed = shape.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    const got = env[variable];
    const shown =
      got === undefined || /Password|CONNECTION_STRING|SECRET/i.test(variable) ? '' : ` (got "${got}")`;
    throw new ConfigError(variable, `${issue?.message ?? 'is invalid'}${shown}`);
  }
  return parsed.data;
};

const packageSchema = schema.pick({
  MicrosoftAppId: true,
  TEAMS_APP_ID: true,
  APP_VERSION: true,
  BOT_DOMAIN: true,
  TABS: true,
  TAB_APP_ID: true,
  PUBLISHER_NAME: true,
  PUBLISHER_WEBSITE: true,
});

/** The settings `npm run package` reads (no secret, no storage: the package only names the bot). */
export type PackageConfig = z.infer<typeof packageSchema>;

/** Parses only the Teams app package's settings; the first problem names its variable. */
export const loadPackageConfig = (env: Env): PackageConfig => parseEnv(packageSchema, env);

/** Parses and cross-checks the environment; the first problem names its variable. */
export const loadConfig = (env: Env): Config => {
  const config = parseEnv(schema, env);
  if (config.MicrosoftAppType !== 'MultiTenant' && config.MicrosoftAppId && !config.MicrosoftAppTenantId) {
    throw new ConfigError(
      'MicrosoftAppTenantId',
      `is required when MicrosoftAppType is ${config.MicrosoftAppType}`,
    );
  }
  if (
    config.MicrosoftAppType !== 'UserAssignedMSI' &&
    config.MicrosoftAppId &&
    !config.MicrosoftAppPassword
  ) {
    throw new ConfigError('MicrosoftAppPassword', 'is required when MicrosoftAppId is set');
  }
  if (config.GRAPH_AUTH === 'secret' && config.MicrosoftAppType === 'UserAssignedMSI') {
    throw new ConfigError(
      'GRAPH_AUTH',
      'is secret while MicrosoftAppType is UserAssignedMSI: a managed identity has no secret. Use GRAPH_AUTH=managed-identity',
    );
  }
  if (config.GRAPH_AUTH === 'secret' && (!config.MicrosoftAppId || !config.MicrosoftAppPassword)) {
    throw new ConfigError('GRAPH_AUTH', 'is secret: MicrosoftAppId and MicrosoftAppPassword must be set');
  }
  if (config.GRAPH_AUTH === 'none') {
    for (const variable of ['ADMIN_GROUP_IDS', 'HELPDESK_GROUP_IDS'] as const) {
      if (config[variable].length > 0)
        throw new ConfigError(variable, 'names groups, but GRAPH_AUTH is none: set GRAPH_AUTH to read them');
    }
    if (config.INTUNE_ASSIGN)
      throw new ConfigError(
        'INTUNE_ASSIGN',
        'is true, but GRAPH_AUTH is none: set GRAPH_AUTH to assign apps',
      );
    if (config.PROACTIVE_INSTALL)
      throw new ConfigError(
        'PROACTIVE_INSTALL',
        'is true, but GRAPH_AUTH is none: set GRAPH_AUTH to install the app for people',
      );
  }
  if (!config.STORAGE_CONNECTION_STRING) {
    if (config.STORAGE_QUEUE_ENDPOINT && !config.STORAGE_TABLE_ENDPOINT) {
      throw new ConfigError(
        'STORAGE_QUEUE_ENDPOINT',
        'is set without STORAGE_TABLE_ENDPOINT: the queue lives beside the tables (set both, or neither for the embedded Azurite)',
      );
    }
    if (config.STORAGE_TABLE_ENDPOINT && !queueEndpointFor(config)) {
      throw new ConfigError(
        'STORAGE_QUEUE_ENDPOINT',
        'is required when STORAGE_TABLE_ENDPOINT is not https://<account>.table.<suffix> (it cannot be derived): e.g. https://<account>.queue.core.windows.net',
      );
    }
  }
  if (config.NODE_ENV === 'production') {
    if (!config.MicrosoftAppId) {
      throw new ConfigError(
        'MicrosoftAppId',
        'is required when NODE_ENV is production (requests must be authenticated)',
      );
    }
    if (config.ROLLOUT_ADMINS.length === 0) {
      throw new ConfigError('ROLLOUT_ADMINS', 'must name at least one admin when NODE_ENV is production');
    }
    if (!/^https:\/\//i.test(config.PUBLIC_BASE_URL)) {
      throw new ConfigError(
        'PUBLIC_BASE_URL',
        'must be an https:// URL when NODE_ENV is production (download links carry a credential)',
      );
    }
    if (config.TABS && config.MicrosoftAppType === 'UserAssignedMSI' && !config.TAB_APP_ID) {
      throw new ConfigError(
        'TAB_APP_ID',
        'is required when NODE_ENV is production, TABS is true and MicrosoftAppType is UserAssignedMSI (a managed identity cannot expose the API the tab signs in to: register an app for it); or set TABS=false',
      );
    }
    if (config.TABS && !config.BOT_DOMAIN) {
      throw new ConfigError(
        'BOT_DOMAIN',
        'is required when NODE_ENV is production and TABS is true (the tab’s address and its sign-in audience api://<BOT_DOMAIN>/<MicrosoftAppId>); set it, or TABS=false',
      );
    }
    if (!config.EXPORT_LINK_SECRET) {
      throw new ConfigError(
        'EXPORT_LINK_SECRET',
        'is required when NODE_ENV is production (links must outlive a restart and work on every instance)',
      );
    }
    if (
      !config.STORAGE_CONNECTION_STRING &&
      !config.STORAGE_TABLE_ENDPOINT &&
      !config.ALLOW_EMBEDDED_STORAGE
    ) {
      throw new ConfigError(
        'ALLOW_EMBEDDED_STORAGE',
        'must be true to use the embedded Azurite when NODE_ENV is production (set STORAGE_CONNECTION_STRING or STORAGE_TABLE_ENDPOINT for a storage account: the embedded store can lose the last writes of a crash)',
      );
    }
  }
  return config;
};

/**
 * The Queue service endpoint reached with DefaultAzureCredential: STORAGE_QUEUE_ENDPOINT, else the
 * storage account's derived from STORAGE_TABLE_ENDPOINT (`https://<account>.table.<suffix>` →
 * `https://<account>.queue.<suffix>`, national clouds included). Undefined when there is neither.
 */
export const queueEndpointFor = (
  config: Pick<Config, 'STORAGE_QUEUE_ENDPOINT' | 'STORAGE_TABLE_ENDPOINT'>,
): string | undefined => {
  if (config.STORAGE_QUEUE_ENDPOINT) return config.STORAGE_QUEUE_ENDPOINT;
  if (!config.STORAGE_TABLE_ENDPOINT) return undefined;
  const url = new URL(config.STORAGE_TABLE_ENDPOINT);
  const account = /^([a-z0-9]+)\.table\.(.+)$/i.exec(url.hostname);
  if (!account) return undefined;
  url.hostname = `${account[1]}.queue.${account[2]}`;
  return url.toString().replace(/\/+$/, '');
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Whether HOST is a loopback address (only local clients can reach the bot). */
export const isLoopbackHost = (host: string): boolean => LOOPBACK.test(host.trim());

/**
 * Checks what only a listening bot needs (the plan command line never listens): anonymous mode
 * off loopback lets anyone claim any identity, so it is refused unless ALLOW_ANONYMOUS_REMOTE says
 * the operator accepts it.
 */
export const checkListening = (config: Config): void => {
  if (isAnonymous(config) && !isLoopbackHost(config.HOST) && !config.ALLOW_ANONYMOUS_REMOTE) {
    throw new ConfigError(
      'HOST',
      `is ${config.HOST}, not loopback, while MicrosoftAppId is unset: anyone who reaches the port could claim any identity. Set MicrosoftAppId, listen on 127.0.0.1, or set ALLOW_ANONYMOUS_REMOTE=true to accept it`,
    );
  }
};

let processSecret: string | undefined;

/**
 * The key export links are signed with: EXPORT_LINK_SECRET, or (outside production only) a random
 * one made once per process, so links die with the process; `generated` says so, for a warning.
 */
export const exportLinkSecret = (config: Config): { secret: string; generated: boolean } => {
  if (config.EXPORT_LINK_SECRET) return { secret: config.EXPORT_LINK_SECRET, generated: false };
  if (config.NODE_ENV === 'production') {
    throw new ConfigError('EXPORT_LINK_SECRET', 'is required when NODE_ENV is production');
  }
  processSecret ??= randomBytes(32).toString('base64url');
  return { secret: processSecret, generated: true };
};

/** Anonymous mode: no bot id, so requests are not authenticated (local clients only). */
export const isAnonymous = (config: Config): boolean => !config.MicrosoftAppId;

/** The app registration whose API the tab's SSO tokens are for: TAB_APP_ID, else the bot's own. */
export const tabAppIdOf = (config: Pick<Config, 'TAB_APP_ID' | 'MicrosoftAppId'>): string | undefined =>
  config.TAB_APP_ID ?? config.MicrosoftAppId;
