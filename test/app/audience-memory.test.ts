import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(__dirname, '..', 'support', 'audience-memory-child.ts');

/** Runs the child to its end; its one line of JSON. */
const runChild = (): Promise<{ people: number; rowsWritten: number; growthBytes: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--require', require.resolve('tsx/cjs'), CHILD], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      if (code === 0)
        resolve(JSON.parse(out.trim()) as { people: number; rowsWritten: number; growthBytes: number });
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });

it('resolving 50,000 members streams: the resident set grows by less than 100 MB at its peak', async () => {
  const { people, rowsWritten, growthBytes } = await runChild();
  expect({ people, rowsWritten }).toEqual({ people: 50_000, rowsWritten: 50_000 });
  expect(growthBytes).toBeLessThan(100 * 1024 * 1024);
}, 60_000);
