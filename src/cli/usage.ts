import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs, with its errors turned into UsageErrors that name the command. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(command: string, argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}\nusage: ${usage}`);
  }
}
