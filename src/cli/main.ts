/**
 * `mailtrail <command>`: a thin face. Each command lives in src/cli/commands/<name>.ts and exports
 * `run(argv): Promise<number>` (the exit status). Errors that a user can fix (bad config, bad
 * arguments) print one line and exit 2; no stack traces for those.
 */
import { ConfigError } from '../config/load.js';
import { HelpRequested, UsageError } from './usage.js';

type CommandModule = { run(argv: string[]): Promise<number> };

/** The commands, each with its one-line summary for `mailtrail --help` (kept here so help loads no command). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  start: { summary: 'run the relay (submission, queue, delivery, bounces, API)', load: () => import('./commands/start.js') },
  users: { summary: 'manage submission accounts (add, list, remove)', load: () => import('./commands/users.js') },
  trace: { summary: 'show the fate of a message: verdict per recipient, then every attempt and answer', load: () => import('./commands/trace.js') },
  tail: {
    summary: 'follow the delivery log live (every attempt, phase, bounce), filtered by domain, event or message',
    load: () => import('./commands/tail.js'),
  },
  tokens: { summary: 'manage HTTP API tokens (add, list, remove)', load: () => import('./commands/tokens.js') },
  suppressions: { summary: 'list, add or remove suppressed recipient addresses', load: () => import('./commands/suppressions.js') },
  bounces: { summary: 'list received bounces and reports (--unmatched: those that matched no message)', load: () => import('./commands/bounces.js') },
  'parse-bounce': {
    summary: 'parse bounce, DSN, complaint or auto-reply files and print what they say (no database)',
    load: () => import('./commands/parse-bounce.js'),
  },
  dkim: { summary: 'DKIM signing keys: make one and print its DNS record, list, activate, remove', load: () => import('./commands/dkim.js') },
  doctor: {
    summary: 'check the DNS of the sending domains (SPF, DKIM, DMARC, bounce MX, PTR, DNSBL) and the TLS certificate',
    load: () => import('./commands/doctor.js'),
  },
  webhooks: { summary: 'show pending and failed webhook deliveries; retry a failed one', load: () => import('./commands/webhooks.js') },
  migrate: {
    summary: 'apply pending database migrations and exit (a deployment step; every command applies them too)',
    load: () => import('./commands/migrate.js'),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: mailtrail <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
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
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`mailtrail: unknown command "${name}"\n${help()}\n`);
    return 2;
  }
  // `mailtrail trace X | head` closes the pipe early: the reader has what it wanted, which is no error
  // (tail handles it itself, to stop following; start writes its log elsewhere).
  if (name !== 'start' && name !== 'tail') {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') process.stderr.write(`mailtrail: cannot write to stdout: ${err.message}\n`);
      process.exit(err.code === 'EPIPE' ? 0 : 1);
    });
  }
  const command = await entry.load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.text);
      process.exitCode = 0;
      return;
    }
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
