import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(__dirname, '..', 'support', 'audience-memory-child.ts');
/** The child's V8 heap at most: enough for the test directory and the resolver's buffers, too little to hold 50,000 members. */
const HEAP_CAP_MB = 32;

/** Runs the child to its end; its one line of JSON. */
const runChild = (): Promise<{ people: number; rowsWritten: number; growthBytes: number }> =>
  new Promise((resolve, reject) => {
    // The child's heap is capped: a resolver that held the members would die of it, whatever the
    // timing of the garbage collector on a busy machine (its peak RSS alone varies with load).
    const args = [
      '--expose-gc',
      `--max-old-space-size=${HEAP_CAP_MB}`,
      '--require',
      require.resolve('tsx/cjs'),
    ];
    const child = spawn(process.execPath, [...args, CHILD], {
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
