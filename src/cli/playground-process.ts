import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../project-root';
import { delay, pickFreePort } from '../storage/azurite-network';

/** The committed Playground configuration: users and tenant with valid GUIDs. */
export const playgroundConfigPath = (): string => join(projectRoot(), 'playground', 'agents-playground.yml');

/** Polls a URL until it answers 200 (the process must stay alive), or fails after `timeoutMs`. */
export const waitForHttp = async (
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`exited with ${child.exitCode} before answering ${url}: ${output()}`);
    const res = await fetch(url).catch(() => null);
    if (res?.ok) return;
    await delay(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${output()}`);
};

export interface Playground {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the Microsoft 365 Agents Playground (offline: no browser of its own, no telemetry) wired to
 * a bot endpoint, on a free port, with the committed configuration. Its standard input stays open:
 * the Playground exits when it closes.
 */
export const startPlayground = async (options: {
  botEndpoint: string;
  port?: number;
  configPath?: string;
  timeoutMs?: number;
}): Promise<Playground> => {
  const port = options.port ?? (await pickFreePort('127.0.0.1'));
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  let output = '';
  const child = spawn(
    process.execPath,
    [
      cli,
      'start',
      '--app-endpoint',
      options.botEndpoint,
      '--channel-id',
      'msteams',
      '--port',
      String(port),
      '--disable-telemetry',
    ],
    {
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: options.configPath ?? playgroundConfigPath(),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForHttp(`${url}/`, child, options.timeoutMs ?? 30_000, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, child, stop };
};
