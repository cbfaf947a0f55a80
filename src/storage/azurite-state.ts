import { readFileSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { connectHost, delay, POLL_INTERVAL_MS, PROBE_TIMEOUT_MS, probeAzurite } from './azurite-network';

/** Contents of `<dataDir>/azurite.json` while Azurite runs. */
export interface AzuriteState {
  port: number;
  /** The Azurite child process. */
  pid: number;
  endpoint: string;
  /** The Queue service's (absent in a file written before it was served). */
  queuePort?: number;
  queueEndpoint?: string;
  startedAt: string;
  /** The process that started it (the bot). */
  ownerPid: number;
}

/** Where `clearStaleState` reports a stale file it replaced (an `EmbeddedAzuriteLogger` will do). */
interface StaleStateLogger {
  info(obj: Record<string, unknown>, msg: string): void;
}

export const AZURITE_STATE_FILE = 'azurite.json';

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

export const inUseError = (dataDir: string, pid: number | undefined): Error =>
  new Error(
    `DATA_DIR ${dataDir} is in use by another running instance (pid ${pid ?? 'unknown'}): ` +
      'stop it, or give this instance its own DATA_DIR',
  );

/**
 * Refuses when azurite.json names a live process whose port answers as Azurite. A file naming a
 * live process that does not answer yet, written within the start-up window, is another start
 * under way: wait for it to answer or die. Anything else is stale and removed.
 */
export const clearStaleState = async (
  dataDir: string,
  readyTimeoutMs: number,
  logger: StaleStateLogger | undefined,
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
  const { port, pid, endpoint, queuePort, queueEndpoint, startedAt, ownerPid } = value as Record<
    string,
    unknown
  >;
  if (
    typeof port !== 'number' ||
    typeof pid !== 'number' ||
    typeof endpoint !== 'string' ||
    typeof startedAt !== 'string'
  ) {
    return null;
  }
  return {
    port,
    pid,
    endpoint,
    ...(typeof queuePort === 'number' && typeof queueEndpoint === 'string'
      ? { queuePort, queueEndpoint }
      : {}),
    startedAt,
    ownerPid: typeof ownerPid === 'number' ? ownerPid : 0,
  };
};

export const writeStateExclusive = async (stateFile: string, state: AzuriteState): Promise<void> => {
  const temp = `${stateFile}.${process.pid}.${state.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  try {
    await link(temp, stateFile); // fails with EEXIST: atomic and exclusive
  } finally {
    await unlink(temp).catch(() => undefined);
  }
};

export const removeStateIfOurs = async (stateFile: string, pid: number): Promise<void> => {
  const raw = await readFile(stateFile, 'utf8').catch(() => null);
  if (raw !== null && parseState(raw)?.pid === pid) await unlink(stateFile).catch(() => undefined);
};

export const isErrno = (err: unknown, code: string): boolean =>
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
