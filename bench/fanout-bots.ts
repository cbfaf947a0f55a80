import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The bot as the fan-out benchmark runs it: `node dist/src/index.js` in a child process of its
 * own (the pid measured is the bot's, not npm's), its JSON log lines tallied by message (warnings
 * and errors only at LOG_LEVEL=warn: what went wrong, without the cost of logging every send).
 */

const ENTRY = join(__dirname, '..', 'src', 'index.js');
/** The project's package.json (its start script says how the bot is run): above dist/bench or bench/. */
const packageJson = (): string => {
  const near = [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', 'package.json')];
  for (const path of near) {
    try {
      const text = readFileSync(path, 'utf8');
      if ((JSON.parse(text) as { name?: unknown }).name === 'rollout-coordinator') return text;
    } catch {
      // Not this one.
    }
  }
  throw new Error(`no package.json of rollout-coordinator at ${near.join(' or ')}`);
};

/**
 * The node flags of `npm start` (package.json's start script, `node <flags> dist/src/index.js`),
 * read at each run so that the bench runs the bot as it is deployed and cannot drift from it.
 */
export const startNodeArgs = (script?: string): string[] => {
  const start = script ?? (JSON.parse(packageJson()) as { scripts?: Record<string, string> }).scripts?.start;
  const words = (start ?? '').trim().split(/\s+/);
  const entry = words.findIndex((w) => /(^|\/)dist\/src\/index\.js$/.test(w));
  if (words[0] !== 'node' || entry < 0) {
    throw new Error(
      `package.json's start script is not \`node <flags> dist/src/index.js\`: ${start ?? '(none)'}`,
    );
  }
  return words.slice(1, entry);
};
/** Log lines kept whole (the last ones), for the report of a run that went wrong. */
const KEPT_LINES = 20;

/** Settings of the developer's shell that would change what the bot under measure does. */
const DROPPED_ENV =
  /^(Microsoft|STORAGE_|DATA_DIR$|TABLE_PREFIX$|TEAMS_TENANT_RPS$|PORT$|HOST$|LOG_LEVEL$|NODE_ENV$)/;

export interface BotRun {
  /** Which bot of the run (1, 2) and which start of it (1 and up: a restart after a kill). */
  label: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Log lines by `level msg`. */
  messages: Map<string, number>;
  lastLines: string[];
  stderr(): string;
}

/**
 * Starts the bot with `env` over the shell's own (less what would change it), in `cwd`: a folder
 * of the run's, so that a developer's `.env` in the project does not reach the bot measured.
 * Node gets `npm start`'s flags (startNodeArgs), then `nodeArgs` (later ones win, e.g.
 * `--max-old-space-size=100`: is the peak garbage the collector had not needed to take back yet,
 * or memory the bot holds?).
 */
export const startBot = (
  label: string,
  env: Record<string, string>,
  cwd: string,
  nodeArgs: readonly string[] = [],
): BotRun => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !DROPPED_ENV.test(k)));
  const child = spawn(process.execPath, [...startNodeArgs(), ...nodeArgs, ENTRY], {
    cwd,
    env: { ...base, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`bot ${label} did not start`);
  const messages = new Map<string, number>();
  const lastLines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lastLines.push(line.slice(0, 2000));
    if (lastLines.length > KEPT_LINES) lastLines.shift();
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      const key = `${String(entry.level)} ${String(entry.msg)}`;
      messages.set(key, (messages.get(key) ?? 0) + 1);
    } catch {
      messages.set('(not JSON)', (messages.get('(not JSON)') ?? 0) + 1);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { label, pid: child.pid, child, exited, messages, lastLines, stderr: () => stderr };
};

/** SIGTERM (the bot's graceful shutdown), then SIGKILL if it is still running after `graceMs`. */
export const stopBot = async (bot: BotRun, graceMs = 15_000): Promise<void> => {
  if (bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill('SIGTERM');
  const timer = setTimeout(() => bot.child.kill('SIGKILL'), graceMs);
  await bot.exited;
  clearTimeout(timer);
};

/** `VmHWM` (the peak resident set) and `VmRSS` of a live process, in bytes; null once it is gone. */
export const memoryOf = (pid: number): { peak: number; rss: number } | null => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { peak: kb('VmHWM') * 1024, rss: kb('VmRSS') * 1024 };
  } catch {
    return null;
  }
};

/** CPU time a live process has used (user + system), in ms; null once it is gone. */
export const cpuOf = (pid: number): number | null => {
  try {
    // After the command's parenthesis: state is field 3, utime and stime fields 14 and 15 (clock ticks of 10 ms).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
};

/**
 * The highest `VmHWM` seen of each process sampled (the kernel's own lifetime peak, so sampling
 * only has to come before the process goes: the benchmark samples four times a second and right
 * before it kills one), and the CPU time it had used when last seen.
 */
export class PeakMemory {
  private readonly peaks = new Map<number, number>();
  private readonly cpu = new Map<number, number>();

  sample(pid: number): void {
    const memory = memoryOf(pid);
    if (memory) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, memory.peak));
    const cpu = cpuOf(pid);
    if (cpu !== null) this.cpu.set(pid, cpu);
  }

  /** The highest peak among `pids` (0 when none was sampled). */
  peakOf(pids: readonly number[]): number {
    return Math.max(0, ...pids.map((pid) => this.peaks.get(pid) ?? 0));
  }

  /** The CPU time of `pids` together, as last sampled (ms). */
  cpuOf(pids: readonly number[]): number {
    return pids.reduce((sum, pid) => sum + (this.cpu.get(pid) ?? 0), 0);
  }
}
