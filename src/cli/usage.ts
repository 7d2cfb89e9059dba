import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` was given: the CLI prints `text` to stdout and exits 0 (handled once, in cli/main.ts). */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

/** What every command shares: its name, its usage line, and optional prose printed after it by --help. */
export interface CommandSpec {
  name: string;
  usage: string;
  help?: string;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * node:util parseArgs with `-h/--help` added: errors become UsageErrors that name the command and show
 * its usage, and --help becomes HelpRequested, so no command handles either itself.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(spec: CommandSpec, argv: string[], options: T) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${spec.name}: ${(err as Error).message}\nusage: ${spec.usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested(`usage: ${spec.usage}\n${spec.help ? `\n${spec.help}\n` : ''}`);
  return parsed;
}

/**
 * A `--flag N` that must be a positive integer written in decimal digits; `fallback` when absent. (`Number()`
 * alone would take `1e3`, `0x10` and ` 5 `, which a person reading the command line would not read as numbers.)
 */
export function positiveInteger(spec: CommandSpec, flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${spec.name}: --${flag} must be a positive integer (got ${JSON.stringify(raw)})`);
  return n;
}
