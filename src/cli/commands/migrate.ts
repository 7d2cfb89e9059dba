/**
 * `mailtrail migrate [--config FILE]`: applies the configured database's pending migrations and exits.
 * Every command that opens the database does this too; run it alone as a deployment step, before the
 * relays start (on PostgreSQL, several nodes starting together take turns on an advisory lock anyway).
 */
import { describeDatabase } from '../../config/database.js';
import { migrateDatabase } from '../../store/index.js';
import { loadCliConfig } from '../context.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';

const USAGE = 'mailtrail migrate  [--config FILE]';
const SPEC: CommandSpec = {
  name: 'migrate',
  usage: USAGE,
  help: 'Exit status: 0 when the schema is current (nothing to do, or done), 1 when the database cannot be reached or is newer than this mailtrail.',
};

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, { config: { type: 'string' } });
  if (positionals.length) throw new UsageError(`migrate: takes no arguments (got ${JSON.stringify(positionals[0])})\nusage: ${USAGE}`);
  const config = loadCliConfig(values.config);
  const { applied, version } = await migrateDatabase(config);
  const where = `${config.database.backend} database ${describeDatabase(config.database)}`;
  process.stdout.write(
    applied.length
      ? `${where}: applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')}; schema version ${version}\n`
      : `${where}: schema version ${version}, nothing to apply\n`,
  );
  return 0;
}
