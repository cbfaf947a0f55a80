import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { changePlan } from '../app/change-plan';
import type { Outcome } from '../app/mutate';
import type { RolloutDeps } from '../app/ports';
import { renewChangedSignoffs } from '../app/signoff-changes';
import { TallyUpdater } from '../app/signoff-tally';
import type { Rollout } from '../domain/rollout';
import { ConfigError, isAnonymous, loadConfig, type Config } from '../config';
import {
  formatPlanErrors,
  MAX_PLAN_FILE_BYTES,
  parsePlanYaml,
  planFileTooLarge,
  type PlanYamlResult,
} from '../plan/plan-yaml';
import { planJsonSchemaText } from '../plan/plan-json-schema';
import type { TableTarget } from '../storage/azure-table';
import { errorInfo } from '../storage/azure-table-errors';
import { findRunningAzurite } from '../storage/azurite-state';
import { DirectoryFacts } from '../app/directory-facts';
import { createDirectory } from '../graph';
import { TableAudienceRepository } from '../storage/audience-repository';
import { storeTable, tableTargetFor } from '../storage/open-storage';
import { TableFeedbackRepository } from '../storage/feedback-repository';
import { TableRolloutRepository } from '../storage/rollout-repository';
import { TableSignoffRepository } from '../storage/signoff-repository';
import { createAdapter } from '../teams/adapter';
import { TeamsMessenger } from '../teams/messenger';

/** Where the command line writes: standard output and standard error (text as given). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export type CliEnv = Readonly<Record<string, string | undefined>>;

/** Exit codes: done; the file is invalid or the change was not made; the command could not run. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const PLAN_CLI_USAGE = `Usage: npm run plan -- <command>

  validate <file>     Checks a plan file: prints "valid", or each error with its line.
  schema              Prints the plan file's JSON Schema.
  apply <file> --rollout <id> --as <Entra object id> [--tenant <tenant id>]
                      Validates the file, then replaces the rollout's plan with it (progress is
                      kept by id), as that person and with the bot's rules: admins only, passed
                      phases and reached waves unchanged. Audited like an import in Teams.

Exit codes: 0 done; 1 the file is invalid or the change was refused; 2 wrong command line,
configuration, or no storage to reach.
`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The person the command line acts as. */
export const CLI_PERSON_NAME = 'command line';
/** The audit's section for a plan applied from the command line. */
export const CLI_SECTION = 'plan file';

/** The command could not run (exit 2); wrong command lines also get the usage text. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/** An error's message (also for errors from another realm, which are not `instanceof Error`). */
const messageOf = (err: unknown): string => {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
};

const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
};

const fileErrorOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && FILE_ERRORS[code]) || messageOf(err);
};

/** Reads and checks the file given on the command line (relative to where `npm run` started). */
const loadPlanFile = async (path: string, env: CliEnv): Promise<PlanYamlResult> => {
  const full = resolve(env.INIT_CWD ?? process.cwd(), path);
  let text: string;
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new UsageError(`${path} is not a file`);
    // Refused before it is read.
    if (info.size > MAX_PLAN_FILE_BYTES) return { ok: false, errors: [planFileTooLarge(info.size)] };
    text = await readFile(full, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${path}: ${fileErrorOf(err)}`);
  }
  return parsePlanYaml(text);
};

const reportInvalid = (io: CliIo, path: string, result: PlanYamlResult & { ok: false }): number => {
  const n = result.errors.length;
  io.err(`${path} is not a valid plan file (${n} error${n === 1 ? '' : 's'}):\n`);
  io.err(`${formatPlanErrors(result.errors)}\n`);
  return EXIT_FAILED;
};

const validate = async (path: string, env: CliEnv, io: CliIo): Promise<number> => {
  const result = await loadPlanFile(path, env);
  if (!result.ok) return reportInvalid(io, path, result);
  io.out('valid\n');
  return EXIT_OK;
};

/** Storage, as the bot finds it; never starts an Azurite (the running bot's is used). */
const storageFor = async (config: Config): Promise<{ target: TableTarget; description: string }> => {
  const configured = tableTargetFor(config);
  if (configured) return configured;
  const dataDir = resolve(config.DATA_DIR);
  const running = await findRunningAzurite(dataDir);
  if (!running) {
    throw new UsageError(
      `No storage to apply the plan to: STORAGE_CONNECTION_STRING and STORAGE_TABLE_ENDPOINT are not set, ` +
        `and no bot with its embedded Azurite is running on DATA_DIR ${dataDir}. ` +
        'Start the bot with `npm start` (and keep it running), or set STORAGE_CONNECTION_STRING.',
      false,
    );
  }
  return {
    target: { kind: 'azurite', endpoint: running.endpoint },
    description: `the running bot's embedded Azurite at ${running.endpoint} (data in ${dataDir})`,
  };
};

const report = (io: CliIo, outcome: Outcome, as: string): number => {
  switch (outcome.kind) {
    case 'done':
    case 'unchanged':
    case 'duplicate':
      io.out(`${outcome.message}\n`);
      return EXIT_OK;
    case 'refused':
      io.err(`Refused: ${outcome.error.message}\n`);
      return EXIT_FAILED;
    case 'forbidden':
      io.err(
        `${outcome.message}\n${as} is not an admin of this rollout (admins: ROLLOUT_ADMINS and the rollout's creator). The attempt is audited.\n`,
      );
      return EXIT_FAILED;
    case 'superseded':
    case 'invalid':
    case 'not-found':
      io.err(`${outcome.message}\n`);
      return EXIT_FAILED;
  }
};

/**
 * A plan change may move the time frame or target groups of a stage the help desk is signing off:
 * its request is superseded and a new one posted, through the Bot Connector, as the bot would.
 */
const renewSignoffs = async (
  config: Config,
  target: TableTarget,
  rollout: Rollout,
  as: string,
  io: CliIo,
): Promise<void> => {
  if (Object.keys(rollout.signoffs ?? {}).length === 0) return;
  const log = {
    info: () => undefined,
    warn: (details: object, message: string) =>
      io.err(`${message}: ${messageOf((details as { err?: unknown }).err)}\n`),
    error: (details: object, message: string) =>
      io.err(`${message}: ${messageOf((details as { err?: unknown }).err)}\n`),
  };
  const base = {
    rollouts: new TableRolloutRepository(storeTable(config, target, 'rollouts')),
    feedback: new TableFeedbackRepository(storeTable(config, target, 'feedback')),
    signoffs: new TableSignoffRepository(storeTable(config, target, 'signoffs')),
    audiences: new TableAudienceRepository(storeTable(config, target, 'audiences')),
    messenger: new TeamsMessenger(createAdapter(config), config.MicrosoftAppId ?? ''),
    clock: { now: () => new Date() },
  };
  const tallies = new TallyUpdater(base, log);
  const deps = {
    ...base,
    tallies,
    access: { admins: new Set([as.toLowerCase()]), everyoneIsAdmin: false },
    helpdesk: config.ROLLOUT_HELPDESK.map((id) => id.toLowerCase()),
    helpdeskGroups: config.HELPDESK_GROUP_IDS.map((id) => id.toLowerCase()),
    settings: { defaultTimeZone: config.DEFAULT_TIMEZONE },
    // A renewed request expands the plan's help-desk groups as the bot would.
    facts: new DirectoryFacts({
      directory: createDirectory(config, log),
      adminGroups: [],
      clock: base.clock,
      log,
    }),
  };
  try {
    for (const line of await renewChangedSignoffs(deps, rollout, { id: as, name: CLI_PERSON_NAME })) {
      io.out(`${line}\n`);
    }
    await tallies.idle();
  } catch (err) {
    io.err(`The plan is saved, but its readiness requests were not renewed: ${messageOf(err)}\n`);
  }
};

interface ApplyArgs {
  path: string;
  rolloutId: string;
  as: string;
  tenantId: string | undefined;
}

const apply = async (args: ApplyArgs, env: CliEnv, io: CliIo): Promise<number> => {
  const parsed = await loadPlanFile(args.path, env);
  if (!parsed.ok) return reportInvalid(io, args.path, parsed);

  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message, false);
    throw err;
  }
  const { target, description } = await storageFor(config);
  const table = storeTable(config, target, 'rollouts');
  const rollouts = new TableRolloutRepository(table);
  const everyoneIsAdmin = isAnonymous(config) && config.ROLLOUT_ADMINS.length === 0;
  const deps: RolloutDeps = {
    rollouts,
    clock: { now: () => new Date() },
    access: { admins: new Set(config.ROLLOUT_ADMINS.map((id) => id.toLowerCase())), everyoneIsAdmin },
    settings: { defaultTimeZone: config.DEFAULT_TIMEZONE },
  };
  try {
    const tenantId = args.tenantId ?? (await rollouts.findRollout(args.rolloutId))?.tenantId;
    if (tenantId === undefined) {
      io.err(`No rollout with id ${args.rolloutId} in ${description}.\n`);
      return EXIT_FAILED;
    }
    if (everyoneIsAdmin) {
      io.err('Note: anonymous mode (MicrosoftAppId unset, ROLLOUT_ADMINS empty): everyone is an admin.\n');
    }
    const outcome = await changePlan(deps, {
      tenantId,
      rolloutId: args.rolloutId,
      by: { id: args.as, name: CLI_PERSON_NAME },
      activityKey: null,
      command: 'plan apply',
      revision: null,
      section: CLI_SECTION,
      edit: () => parsed.spec,
    });
    const code = report(io, outcome, args.as);
    if (outcome.kind === 'done') await renewSignoffs(config, target, outcome.rollout, args.as, io);
    return code;
  } catch (err) {
    const info = errorInfo(err);
    if (info.statusCode === 404 && info.code === 'TableNotFound') {
      io.err(
        `The table ${table.name} does not exist in ${description}: has the bot used this storage, with this TABLE_PREFIX?\n`,
      );
    } else {
      io.err(`Could not apply the plan (${description}): ${messageOf(err)}\n`);
    }
    return EXIT_FAILED;
  }
};

const OPTIONS = {
  rollout: { type: 'string' },
  as: { type: 'string' },
  tenant: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const run = async (argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> => {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    io.out(PLAN_CLI_USAGE);
    return EXIT_OK;
  }
  const only = (allowed: readonly (keyof typeof OPTIONS)[]): void => {
    const extra = (Object.keys(values) as (keyof typeof OPTIONS)[]).filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw new UsageError(`${command} takes no --${extra.join(', --')}`);
  };
  const file = (): string => {
    if (rest.length !== 1 || !rest[0]) throw new UsageError(`${command} takes one file`);
    return rest[0];
  };
  switch (command) {
    case 'validate':
      only([]);
      return validate(file(), env, io);
    case 'schema':
      only([]);
      if (rest.length > 0) throw new UsageError('schema takes no arguments');
      io.out(planJsonSchemaText());
      return EXIT_OK;
    case 'apply': {
      only(['rollout', 'as', 'tenant']);
      const path = file();
      const rolloutId = values.rollout?.trim();
      const as = values.as?.trim();
      const tenantId = values.tenant?.trim();
      if (!rolloutId) throw new UsageError('apply needs --rollout <id>');
      if (!as) throw new UsageError('apply needs --as <Entra object id> (the person applying it)');
      if (!GUID.test(as)) throw new UsageError(`--as must be an Entra object id (a GUID), got "${as}"`);
      if (tenantId === '') throw new UsageError('--tenant needs a tenant id');
      return apply({ path, rolloutId, as, tenantId }, env, io);
    }
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
};

/**
 * `npm run plan -- validate | schema | apply`: the plan file from the command line. Returns the
 * exit code; writes only through `io`. `env` is the environment (`.env` already merged in).
 */
export const runPlanCli = async (argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> => {
  try {
    return await run(argv, env, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`plan: ${err.message}\n${err.showUsage ? `\n${PLAN_CLI_USAGE}` : ''}`);
    return EXIT_USAGE;
  }
};
