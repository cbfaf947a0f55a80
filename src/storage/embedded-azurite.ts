import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { AZURITE_ACCOUNT } from './azure-table';
import {
  connectHost,
  delay,
  isPortFree,
  pickFreePort,
  POLL_INTERVAL_MS,
  PROBE_TIMEOUT_MS,
  probeAzurite,
  urlHost,
} from './azurite-network';
import {
  azuriteStatePath,
  clearStaleState,
  inUseError,
  isErrno,
  readAzuriteState,
  removeStateIfOurs,
  writeStateExclusive,
  type AzuriteState,
} from './azurite-state';

/** pino-compatible. */
export interface EmbeddedAzuriteLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface EmbeddedAzuriteOptions {
  /** Azurite's data goes to `<dataDir>/azurite`; `<dataDir>/azurite.json` says where it runs. */
  dataDir: string;
  /** Listening address; default 127.0.0.1 (never expose the emulator's well-known key). */
  host?: string;
  logger?: EmbeddedAzuriteLogger;
  /** How long Azurite may take to answer HTTP; default 20 s. */
  readyTimeoutMs?: number;
  /** How long a graceful stop may take before the child is killed; default 10 s. */
  stopTimeoutMs?: number;
  /**
   * How often Azurite's database is written to disk when it changed (default 200 ms; Azurite's
   * own is 5000): a killed child loses what it acknowledged in the last interval.
   */
  saveIntervalMs?: number;
  /** The port to listen on when it is free (a restart keeps its clients' endpoint); else a free one. */
  port?: number;
  /** The same for the Queue service. */
  queuePort?: number;
  /** Called once when the child exits without `stop()` (after its azurite.json was removed). */
  onUnexpectedExit?: (exit: AzuriteExit) => void;
}

export interface AzuriteExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EmbeddedAzurite {
  /** Table endpoint for the well-known account, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  endpoint: string;
  port: number;
  /** Queue endpoint for the well-known account, e.g. `http://127.0.0.1:41235/devstoreaccount1`. */
  queueEndpoint: string;
  queuePort: number;
  /** The Azurite child process. */
  pid: number;
  /** The save interval the child's database reports it has (ms). */
  saveIntervalMs: number;
  /** Closes Azurite gracefully (its database is saved), waits for the child to exit. Idempotent. */
  stop(): Promise<void>;
}

export const AZURITE_DATA_SUBDIR = 'azurite';
export const DEFAULT_SAVE_INTERVAL_MS = 200;
const TAIL_CHARS = 4000;

/**
 * Starts Azurite's Table and Queue services as a child process serving `<dataDir>/azurite`, each
 * on a free port, and resolves once both answer HTTP. Refuses when another live Azurite serves the same data.
 */
export const startEmbeddedAzurite = async (options: EmbeddedAzuriteOptions): Promise<EmbeddedAzurite> => {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const saveIntervalMs = options.saveIntervalMs ?? DEFAULT_SAVE_INTERVAL_MS;
  const logger = options.logger;
  const stateFile = azuriteStatePath(dataDir);
  const location = join(dataDir, AZURITE_DATA_SUBDIR);
  await mkdir(location, { recursive: true });

  await clearStaleState(dataDir, readyTimeoutMs, logger);

  const port = await portFor(host, options.port, []);
  const queuePort = await portFor(host, options.queuePort, [port]);
  const endpointAt = (at: number): string => `http://${urlHost(connectHost(host))}:${at}/${AZURITE_ACCOUNT}`;
  const endpoint = endpointAt(port);
  const queueEndpoint = endpointAt(queuePort);
  const entry = childEntry();
  const child = spawn(
    process.execPath,
    [
      ...entry.execArgv,
      entry.script,
      JSON.stringify({ host, port, queuePort, location, stateFile, saveIntervalMs }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], windowsHide: true },
  );
  const output = captureOutput(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  // Also catches a failed send to a child that died: an 'error' without listener would crash the bot.
  const spawnFailed = new Promise<Error>((done) => child.on('error', done));
  const started = new Promise<{ saveIntervalMs: number }>((done) =>
    child.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      const { type, saveIntervalMs: applied } = message as { type?: unknown; saveIntervalMs?: unknown };
      if (type === 'started' && typeof applied === 'number') done({ saveIntervalMs: applied });
    }),
  );
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start the Azurite child process: ${(await spawnFailed).message}`);
  }

  const abandon = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await removeStateIfOurs(stateFile, pid);
  };

  // Claim the data folder before Azurite opens its database: an exclusive link of a complete file.
  const state: AzuriteState = {
    port,
    pid,
    endpoint,
    queuePort,
    queueEndpoint,
    startedAt: new Date().toISOString(),
    ownerPid: process.pid,
  };
  try {
    await writeStateExclusive(stateFile, state);
  } catch (err) {
    await abandon();
    if (isErrno(err, 'EEXIST')) {
      const other = await readAzuriteState(dataDir);
      throw inUseError(dataDir, other?.pid);
    }
    throw err;
  }

  child.send({ type: 'start' });
  let applied: { saveIntervalMs: number };
  try {
    applied = await waitUntilReady({
      host: connectHost(host),
      port,
      queuePort,
      exited,
      spawnFailed,
      started,
      readyTimeoutMs,
      output,
    });
  } catch (err) {
    await abandon();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  void exited.then(async ({ code, signal }) => {
    if (stopping) return;
    logger?.warn({ pid, code, signal, output: output.tail() }, 'embedded Azurite exited unexpectedly');
    await removeStateIfOurs(stateFile, pid);
    options.onUnexpectedExit?.({ pid, code, signal });
  });
  // Azurite alone must not keep the bot's process alive; the child exits when the channel closes.
  child.unref();
  child.channel?.unref();
  for (const stream of [child.stdout, child.stderr]) if (stream instanceof Socket) stream.unref();

  logger?.info(
    { endpoint, port, queueEndpoint, queuePort, pid, dataDir, saveIntervalMs: applied.saveIntervalMs },
    'embedded Azurite started',
  );

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.send({ type: 'stop' });
      else child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((done) => {
        timer = setTimeout(() => done('timeout'), stopTimeoutMs);
      });
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        logger?.warn({ pid, stopTimeoutMs }, 'embedded Azurite did not stop in time: killing it');
        child.kill('SIGKILL');
      }
    }
    const { code, signal } = await exited;
    await removeStateIfOurs(stateFile, pid);
    logger?.info({ pid, code, signal }, 'embedded Azurite stopped');
  };

  return {
    endpoint,
    port,
    queueEndpoint,
    queuePort,
    pid,
    saveIntervalMs: applied.saveIntervalMs,
    stop: () => (stopping ??= stop()),
  };
};

/** `wanted` when it is free, else a free port (never one of `taken`). */
const portFor = async (host: string, wanted: number | undefined, taken: number[]): Promise<number> => {
  if (wanted !== undefined && !taken.includes(wanted) && (await isPortFree(host, wanted))) return wanted;
  for (;;) {
    const port = await pickFreePort(host);
    if (!taken.includes(port)) return port;
  }
};

interface OutputTail {
  tail(): string;
}

/** Keeps the last few KB of the child's stdout and stderr, for error messages. */
const captureOutput = (child: ChildProcess): OutputTail => {
  let text = '';
  const append = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { tail: () => text.trim() };
};

const waitUntilReady = async (args: {
  host: string;
  port: number;
  queuePort: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  spawnFailed: Promise<Error>;
  started: Promise<{ saveIntervalMs: number }>;
  readyTimeoutMs: number;
  output: OutputTail;
}): Promise<{ saveIntervalMs: number }> => {
  const { host, port, queuePort, readyTimeoutMs, output } = args;
  let failure: Error | undefined;
  void args.exited.then(({ code, signal }) => {
    failure ??= new Error(
      `embedded Azurite exited before it was ready (code ${code}, signal ${signal})` +
        (output.tail() ? `; its output ends with:\n${output.tail()}` : ''),
    );
  });
  void args.spawnFailed.then((err) => {
    failure ??= new Error(`could not start the Azurite child process: ${err.message}`);
  });
  let applied: { saveIntervalMs: number } | undefined;
  void args.started.then((value) => (applied = value));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (failure) throw failure;
    // Ready: the child said it listens with its save interval set, and both ports answer.
    const probeMs = Math.min(PROBE_TIMEOUT_MS, Math.max(1, deadline - Date.now()));
    if (
      applied &&
      (await probeAzurite(host, port, probeMs)) &&
      (await probeAzurite(host, queuePort, probeMs, 'queue'))
    )
      return applied;
    if (failure) throw failure;
    if (Date.now() >= deadline) {
      throw new Error(
        `embedded Azurite did not answer on ${host}:${port} and ${queuePort} within ${readyTimeoutMs} ms` +
          (output.tail() ? `; its output ends with:\n${output.tail()}` : ''),
      );
    }
    await delay(POLL_INTERVAL_MS);
  }
};

/**
 * The child's entry: `azurite-child.js` next to this file when running compiled (dist/src/storage),
 * else `azurite-child.ts` through the tsx loader when running from sources (jest, `tsx`).
 */
const childEntry = (): { execArgv: string[]; script: string } => {
  const compiled = join(__dirname, 'azurite-child.js');
  if (existsSync(compiled)) return { execArgv: [], script: compiled };
  const source = join(__dirname, 'azurite-child.ts');
  if (existsSync(source)) {
    let loader: string;
    try {
      loader = require.resolve('tsx/cjs');
    } catch {
      throw new Error(
        `running from TypeScript sources needs tsx to start ${source}: npm install, or build first`,
      );
    }
    return { execArgv: ['--require', loader], script: source };
  }
  throw new Error(`azurite-child.js is missing next to ${__filename}: build the project (npm run build)`);
};
