/**
 * `mailtrail suppressions list|add|remove`: the addresses mailtrail accepts mail for but never sends to.
 * Hard bounces and complaints add themselves; an operator adds (`manual`) or removes by hand, for
 * example after a user fixed their mailbox.
 */
import type { SuppressionRecord } from '../../store/store.js';
import { loadCliConfig, withStore } from '../context.js';
import { parseCommandArgs, positiveInteger, UsageError, type CommandSpec } from '../usage.js';
import { suppressionList } from '../../suppression/list.js';
import { field } from '../../log/printable.js';

const SPEC: CommandSpec = {
  name: 'suppressions',
  usage: 'mailtrail suppressions list [--json] [--limit N] | suppressions add ADDRESS [--reason TEXT] | suppressions remove ADDRESS  [--config FILE]',
};
// Deliberately loose: the list must be able to hold whatever address a bounce reported.
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, {
    config: { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
  });
  const [action, address] = positionals;
  if (action !== 'list' && action !== 'add' && action !== 'remove') throw new UsageError(`suppressions: expected list, add or remove\nusage: ${SPEC.usage}`);
  if (action !== 'list' && (!address || !ADDRESS.test(address))) {
    throw new UsageError(`suppressions ${action}: give one address such as user@example.com (got ${JSON.stringify(address ?? '')})\nusage: ${SPEC.usage}`);
  }
  const limit = positiveInteger(SPEC, 'limit', values.limit, 1000);
  const config = loadCliConfig(values.config);

  return withStore(config, async (store) => {
    switch (action) {
      case 'list': {
        const list = await suppressionList(store).list({ limit });
        if (values.json) {
          for (const s of list) process.stdout.write(JSON.stringify(toJson(s)) + '\n');
        } else if (list.length === 0) {
          process.stdout.write('no suppressed addresses\n');
        } else {
          for (const s of list) process.stdout.write(`${field(s.address)}\t${s.source}\t${new Date(s.createdAt).toISOString()}\t${field(s.reason)}\n`);
        }
        return 0;
      }
      case 'add': {
        const reason = values.reason?.trim() || 'added by an operator';
        // As the API takes it (at most 500 characters): one list, one rule.
        if (reason.length > 500) throw new UsageError(`suppressions add: --reason has ${reason.length} characters; at most 500`);
        const { created, suppression } = await suppressionList(store).add(address!, reason);
        if (!created) {
          process.stderr.write(
            `mailtrail: ${suppression.address} is suppressed already (${suppression.source}: ${suppression.reason}); remove it first to change the reason\n`,
          );
          return 1;
        }
        process.stdout.write(`suppressed ${suppression.address}: new mail to it is accepted but not sent\n`);
        return 0;
      }
      case 'remove': {
        if (!(await suppressionList(store).remove(address!))) {
          process.stderr.write(`mailtrail: ${address!.toLowerCase()} is not on the suppression list\n`);
          return 1;
        }
        process.stdout.write(`removed ${address!.toLowerCase()} from the suppression list: new mail to it will be sent\n`);
        return 0;
      }
    }
  });
}

function toJson(s: SuppressionRecord) {
  return { address: s.address, source: s.source, reason: s.reason, event_id: s.eventId, created_at: new Date(s.createdAt).toISOString() };
}
