import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | null = null;

/** The folder holding package.json: above `src/` when run from sources, above `dist/src/` when built. */
export const projectRoot = (): string => {
  if (root) return root;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'cards'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error('cannot find the project folder (package.json beside cards/)');
};
