import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');
const POLL_MS = 20;

/** One cold start: `npm start` on a fresh DATA_DIR until /healthz answers 200. */
const oneStart = (): Promise<{ healthyMs: number; listeningMs: number }> =>
  new Promise((resolve, reject) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollout-bench-'));
    const started = performance.now();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const finish = (result: { healthyMs: number; listeningMs: number } | Error) => {
      child.once('exit', () => {
        rmSync(dataDir, { recursive: true, force: true });
        if (result instanceof Error) reject(result);
        else resolve(result);
      });
      child.kill('SIGTERM');
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('Rollout Coordinator is listening')) return;
      const listeningMs = performance.now() - started;
      const { url, pid } = JSON.parse(line) as { url: string; pid: number };
      const poll = async (): Promise<void> => {
        const res = await fetch(`${url}/healthz`).catch(() => null);
        if (res?.status === 200) {
          process.kill(pid, 'SIGTERM');
          return finish({ healthyMs: performance.now() - started, listeningMs });
        }
        if (performance.now() - started > 30_000) return finish(new Error('not healthy within 30 s'));
        setTimeout(() => void poll(), POLL_MS);
      };
      void poll();
    });
  });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Time from `npm start` to a healthy /healthz, against the 3 s goal. */
export const benchStartup = async (runs = 5): Promise<void> => {
  const results: { healthyMs: number; listeningMs: number }[] = [];
  for (let i = 0; i < runs; i++) results.push(await oneStart());
  const healthy = results.map((r) => r.healthyMs);
  const goal = 3000;
  const med = median(healthy);
  console.log('startup: npm start → healthy /healthz (embedded Azurite, fresh DATA_DIR)');
  console.log(`  runs          ${runs}`);
  console.log(
    `  median        ${med.toFixed(0)} ms  (listening at ${median(results.map((r) => r.listeningMs)).toFixed(0)} ms)`,
  );
  console.log(`  max           ${Math.max(...healthy).toFixed(0)} ms`);
  console.log(
    `  goal          ${goal} ms  → median/goal ${(med / goal).toFixed(2)} ${med <= goal ? '(met)' : '(MISSED)'}`,
  );
};
