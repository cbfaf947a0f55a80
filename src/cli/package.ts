import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runPackageCli } from './package-app';

/** `npm run package`: see `runPackageCli`. Reads `.env` like the bot (variables already set win). */
if (existsSync('.env')) process.loadEnvFile('.env');

runPackageCli(
  process.env,
  {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
  // dist/src/cli/ → the project root, where manifest/ and package.json are.
  { root: resolve(__dirname, '..', '..', '..') },
).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`package: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
