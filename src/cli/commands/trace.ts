/**
 * `mailtrail trace <Message-ID|queue-id>`: the fate of a message, read straight from the database, so it
 * works while the relay runs (WAL readers never block it) and when it is stopped.
 */
import { bareMessageId } from '../../intake/message-id.js';
import { messageFate, TIMELINE_LIMIT } from '../../query/fate.js';
import { renderFates } from '../../query/render.js';
import { loadCliConfig, withStore } from '../context.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';
import { printable } from '../../log/printable.js';
import { describeDatabase } from '../../config/database.js';

const USAGE = 'mailtrail trace <Message-ID|queue-id> [--all] [--json] [--config FILE]';
const SPEC: CommandSpec = {
  name: 'trace',
  usage: USAGE,
  help: `The Message-ID may be given with or without <>; quote it in the shell. The timeline shows its latest ${TIMELINE_LIMIT} entries; --all shows every one.`,
};

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, { config: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' } });
  if (positionals.length !== 1 || !bareMessageId(positionals[0])) throw new UsageError(`trace: give one Message-ID or queue id\nusage: ${USAGE}`);
  const key = positionals[0];
  const config = loadCliConfig(values.config);
  return withStore(config, async (store) => {
    // A separate process: printing a long history holds up nobody, so --all may build it whole.
    const fates = await messageFate(store, key, { timeline: { limit: values.all ? Number.MAX_SAFE_INTEGER : TIMELINE_LIMIT } });
    if (fates.length === 0) {
      process.stderr.write(
        `mailtrail: no message with Message-ID or queue id "${bareMessageId(key) ?? key}" in ${describeDatabase(config.database)}\n` +
          '  Check the spelling (Message-IDs are case-sensitive), or search by recipient: GET /v1/messages?recipient=…\n' +
          `  A message is kept ${config.retention.history_days} days after its delivery ended (retention.history_days); an older one has been purged.\n`,
      );
      return 1;
    }
    process.stdout.write(values.json ? JSON.stringify({ messages: fates }, null, 2) + '\n' : printable(renderFates(fates)));
    return 0;
  });
}
