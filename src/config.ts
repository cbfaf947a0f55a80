import { z } from 'zod';
import { isTimeZone } from './domain/time';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const empty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = z.preprocess(empty, z.string().trim().optional());

/** Every setting the bot reads from its environment; `.env.example` documents each one. */
const schema = z.object({
  HOST: z.preprocess(empty, z.string().trim().min(1).default('127.0.0.1')),
  PORT: z.preprocess(
    empty,
    z.coerce
      .number({ error: 'must be a whole number from 0 to 65535' })
      .int('must be a whole number from 0 to 65535')
      .min(0, 'must be a whole number from 0 to 65535')
      .max(65535, 'must be a whole number from 0 to 65535')
      .default(3978),
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
  ROLLOUT_ADMINS: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    z.array(z.string().regex(GUID, 'must be a comma-separated list of Entra object ids (GUIDs)')),
  ),
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

/** Parses and cross-checks the environment; the first problem names its variable. */
export const loadConfig = (env: Readonly<Record<string, string | undefined>>): Config => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    const got = env[variable];
    const shown = got === undefined || /Password|CONNECTION_STRING/i.test(variable) ? '' : ` (got "${got}")`;
    throw new ConfigError(variable, `${issue?.message ?? 'is invalid'}${shown}`);
  }
  const config = parsed.data;
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
  }
  return config;
};

/** Anonymous mode: no bot id, so requests are not authenticated (local clients only). */
export const isAnonymous = (config: Config): boolean => !config.MicrosoftAppId;
