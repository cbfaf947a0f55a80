import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../project-root';
import { startPlayground, waitForHttp } from './playground-process';

/**
 * `npm run playground`: the bot on its embedded defaults (anonymous mode, embedded Azurite) and the
 * Microsoft 365 Agents Playground wired to it. Ctrl+C stops both.
 */
const main = async (): Promise<void> => {
  const port = Number(process.env.PORT || 3978);
  const playgroundPort = Number(process.env.PLAYGROUND_PORT || 56150);
  let output = '';
  const bot = spawn(
    process.execPath,
    ['--disable-warning=DEP0111', join(projectRoot(), 'dist', 'src', 'index.js')],
    {
      cwd: projectRoot(),
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  bot.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  bot.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, bot, 30_000, () => output);
  const playground = await startPlayground({
    botEndpoint: `http://127.0.0.1:${port}/api/messages`,
    port: playgroundPort,
  });
  process.stdout.write(
    `Rollout Coordinator: http://127.0.0.1:${port}/api/messages\nAgents Playground:   ${playground.url}  ← open this in a browser (you are Adele Vance)\nCtrl+C stops both.\n`,
  );
  const stop = async () => {
    await playground.stop();
    bot.kill('SIGTERM');
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  bot.once('exit', (code) => {
    void playground.stop().then(() => process.exit(code ?? 0));
  });
};

main().catch((err: unknown) => {
  process.stderr.write(`npm run playground failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
