import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface BotProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Every log line so far (JSON objects). */
  logs: Record<string, unknown>[];
  stderr: string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `npm start` in a child process, as a user runs it. Resolves when the bot logs that it is
 * listening (no fixed sleeps), rejects with its stderr if it exits first.
 */
export const startBotProcess = (env: Record<string, string>): Promise<BotProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const bot: Partial<BotProcess> = { child, logs, exited };
    Object.defineProperty(bot, 'stderr', { get: () => stderr });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'Rollout Coordinator is listening') {
        bot.url = String(entry.url);
        bot.pid = Number(entry.pid);
        bot.stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
          process.kill(bot.pid!, signal);
          return exited;
        };
        resolve(bot as BotProcess);
      }
    });
    void exited.then((code) => reject(new Error(`bot exited with ${code} before listening: ${stderr}`)));
  });

/** Runs `npm start` expecting it to fail; returns its exit code and stderr. */
export const runFailingStart = (
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
