import { existsSync } from 'node:fs';
import { runPlanCli } from './plan-cli';

/** `npm run plan -- <command>`: see `runPlanCli`. Reads `.env` like the bot (variables already set win). */
if (existsSync('.env')) process.loadEnvFile('.env');

runPlanCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`plan: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
