/**
 * `mailtrail <command>`: a thin face. Each command lives in src/cli/commands/<name>.ts and exports
 * `run(argv): Promise<number>` (the exit status). Errors that a user can fix (bad config, bad
 * arguments) print one line and exit 2; no stack traces for those.
 */
import { ConfigError } from '../config/load.js';
import { UsageError } from './usage.js';

type CommandModule = { run(argv: string[]): Promise<number>; summary: string };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  start: () => import('./commands/start.js'),
  users: () => import('./commands/users.js'),
  trace: () => import('./commands/trace.js'),
  tail: () => import('./commands/tail.js'),
  tokens: () => import('./commands/tokens.js'),
  suppressions: () => import('./commands/suppressions.js'),
  bounces: () => import('./commands/bounces.js'),
  'parse-bounce': () => import('./commands/parse-bounce.js'),
  webhooks: () => import('./commands/webhooks.js'),
};

function help(): string {
  return [
    'usage: mailtrail <command> [options]',
    '',
    'commands:',
    ...Object.keys(COMMANDS).map((c) => `  ${c}`),
    '',
    'Run `mailtrail <command> --help` for the options of one command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`mailtrail: unknown command "${name}"\n${help()}\n`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`mailtrail: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err && typeof err === 'object' && ['StoreError', 'StartupError', 'TlsSetupError'].includes((err as Error).name)) {
      process.stderr.write(`mailtrail: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`mailtrail: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
