import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { AZURITE_ACCOUNT } from './azure-table';

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
}

export interface EmbeddedAzurite {
  /** Table endpoint for the well-known account, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  endpoint: string;
  port: number;
  /** The Azurite child process. */
  pid: number;
  /** Closes Azurite gracefully (its database is saved), waits for the child to exit. Idempotent. */
  stop(): Promise<void>;
}

/** Contents of `<dataDir>/azurite.json` while Azurite runs. */
export interface AzuriteState {
  port: number;
  /** The Azurite child process. */
  pid: number;
  endpoint: string;
  startedAt: string;
  /** The process that started it (the bot). */
  ownerPid: number;
}

export const AZURITE_STATE_FILE = 'azurite.json';
export const AZURITE_DATA_SUBDIR = 'azurite';
/** Azurite's default Table port: left to a developer's own Azurite. */
const AZURITE_DEFAULT_TABLE_PORT = 10002;
const POLL_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 1000;
const TAIL_CHARS = 4000;

export const azuriteStatePath = (dataDir: string): string => join(resolve(dataDir), AZURITE_STATE_FILE);

/** The state file, or null when it is missing or not one of ours. */
export const readAzuriteState = async (dataDir: string): Promise<AzuriteState | null> => {
  let raw: string;
  try {
    raw = await readFile(azuriteStatePath(dataDir), 'utf8');
  } catch {
    return null;
  }
  return parseState(raw);
};

/** The state of the Azurite serving `dataDir` when its process lives and its port answers. */
export const findRunningAzurite = async (dataDir: string): Promise<AzuriteState | null> => {
  const state = await readAzuriteState(dataDir);
  return state && isProcessAlive(state.pid) && (await probeAzurite(connectHost(state.endpoint), state.port))
    ? state
    : null;
};

/**
 * Starts Azurite's Table service as a child process serving `<dataDir>/azurite`, on a free port,
 * and resolves once it answers HTTP. Refuses when another live Azurite serves the same data.
 */
export const startEmbeddedAzurite = async (options: EmbeddedAzuriteOptions): Promise<EmbeddedAzurite> => {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const logger = options.logger;
  const stateFile = azuriteStatePath(dataDir);
  const location = join(dataDir, AZURITE_DATA_SUBDIR);
  await mkdir(location, { recursive: true });

  await clearStaleState(dataDir, readyTimeoutMs, logger);

  const port = await pickFreePort(host);
  const endpoint = `http://${urlHost(connectHost(host))}:${port}/${AZURITE_ACCOUNT}`;
  const entry = childEntry();
  const child = spawn(
    process.execPath,
    [...entry.execArgv, entry.script, JSON.stringify({ host, port, location, stateFile })],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], windowsHide: true },
  );
  const output = captureOutput(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  // Also catches a failed send to a child that died: an 'error' without listener would crash the bot.
  const spawnFailed = new Promise<Error>((done) => child.on('error', done));
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
  try {
    await waitUntilReady({ host: connectHost(host), port, exited, spawnFailed, readyTimeoutMs, output });
  } catch (err) {
    await abandon();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  void exited.then(async ({ code, signal }) => {
    if (stopping) return;
    logger?.warn({ pid, code, signal, output: output.tail() }, 'embedded Azurite exited unexpectedly');
    await removeStateIfOurs(stateFile, pid);
  });
  // Azurite alone must not keep the bot's process alive; the child exits when the channel closes.
  child.unref();
  child.channel?.unref();
  for (const stream of [child.stdout, child.stderr]) if (stream instanceof Socket) stream.unref();

  logger?.info({ endpoint, port, pid, dataDir }, 'embedded Azurite started');

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
    pid,
    stop: () => (stopping ??= stop()),
  };
};

const inUseError = (dataDir: string, pid: number | undefined): Error =>
  new Error(
    `DATA_DIR ${dataDir} is in use by another running instance (pid ${pid ?? 'unknown'}): ` +
      'stop it, or give this instance its own DATA_DIR',
  );

/**
 * Refuses when azurite.json names a live process whose port answers as Azurite. A file naming a
 * live process that does not answer yet, written within the start-up window, is another start
 * under way: wait for it to answer or die. Anything else is stale and removed.
 */
const clearStaleState = async (
  dataDir: string,
  readyTimeoutMs: number,
  logger: EmbeddedAzuriteLogger | undefined,
): Promise<void> => {
  const stateFile = azuriteStatePath(dataDir);
  let raw: string;
  try {
    raw = await readFile(stateFile, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  const state = parseState(raw);
  if (state) {
    const probeHost = connectHost(state.endpoint);
    const deadline = Date.parse(state.startedAt) + readyTimeoutMs + PROBE_TIMEOUT_MS;
    for (;;) {
      if (!isProcessAlive(state.pid)) break;
      if (await probeAzurite(probeHost, state.port)) throw inUseError(dataDir, state.pid);
      if (!(Date.now() < deadline)) break;
      await delay(POLL_INTERVAL_MS);
    }
  }
  // Remove it only if nobody replaced it meanwhile.
  const now = await readFile(stateFile, 'utf8').catch(() => null);
  if (now !== null && now !== raw) throw inUseError(dataDir, parseState(now)?.pid);
  await unlink(stateFile).catch((err: unknown) => {
    if (!isErrno(err, 'ENOENT')) throw err;
  });
  logger?.info({ stateFile, stale: state ?? raw.slice(0, 200) }, 'replaced a stale azurite.json');
};

const parseState = (raw: string): AzuriteState | null => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { port, pid, endpoint, startedAt, ownerPid } = value as Record<string, unknown>;
  if (
    typeof port !== 'number' ||
    typeof pid !== 'number' ||
    typeof endpoint !== 'string' ||
    typeof startedAt !== 'string'
  ) {
    return null;
  }
  return { port, pid, endpoint, startedAt, ownerPid: typeof ownerPid === 'number' ? ownerPid : 0 };
};

const writeStateExclusive = async (stateFile: string, state: AzuriteState): Promise<void> => {
  const temp = `${stateFile}.${process.pid}.${state.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  try {
    await link(temp, stateFile); // fails with EEXIST: atomic and exclusive
  } finally {
    await unlink(temp).catch(() => undefined);
  }
};

const removeStateIfOurs = async (stateFile: string, pid: number): Promise<void> => {
  const raw = await readFile(stateFile, 'utf8').catch(() => null);
  if (raw !== null && parseState(raw)?.pid === pid) await unlink(stateFile).catch(() => undefined);
};

const isErrno = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;

/** The process exists and is not a zombie (an orphan's zombie lingers where nobody reaps it). */
export const isProcessAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (!isErrno(err, 'EPERM')) return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all we know
  }
};

const delay = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The address to connect to for a listening host (or an endpoint URL). */
const connectHost = (hostOrUrl: string): string => {
  let host = hostOrUrl;
  if (/^https?:\/\//i.test(hostOrUrl)) host = new URL(hostOrUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
};

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** A port the OS says is free now (Azurite's `--tablePort 0` would not tell us which it took). */
const pickFreePort = async (host: string): Promise<number> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer();
      server.unref();
      server.once('error', fail);
      server.listen(0, host, () => {
        const address = server.address();
        server.close(() =>
          typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port')),
        );
      });
    });
    if (port !== AZURITE_DEFAULT_TABLE_PORT) return port;
  }
  throw new Error('could not find a free port');
};

/** One HTTP round trip: true when an Azurite Table service answers (any status; it wants auth). */
export const probeAzurite = (host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> =>
  new Promise((done) => {
    const req = request(
      {
        host,
        port,
        method: 'GET',
        path: `/${AZURITE_ACCOUNT}/Tables`,
        agent: false,
        timeout: timeoutMs,
        headers: { connection: 'close' },
      },
      (res) => {
        res.resume();
        done(String(res.headers.server ?? '').startsWith('Azurite-Table'));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => done(false));
    req.end();
  });

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
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  spawnFailed: Promise<Error>;
  readyTimeoutMs: number;
  output: OutputTail;
}): Promise<void> => {
  const { host, port, readyTimeoutMs, output } = args;
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
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (failure) throw failure;
    if (await probeAzurite(host, port, Math.min(PROBE_TIMEOUT_MS, Math.max(1, deadline - Date.now()))))
      return;
    if (failure) throw failure;
    if (Date.now() >= deadline) {
      throw new Error(
        `embedded Azurite did not answer on ${host}:${port} within ${readyTimeoutMs} ms` +
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
