/**
 * `mailtrail webhooks`: the webhook outbox. By default the deliveries still pending and those that failed
 * for good; `retry ID` makes a failed one pending again (for example after the receiver was fixed).
 * Reads the database only: it works whether or not the relay is running.
 */
import type { WebhookDeliveryRecord, WebhookState } from '../../store/store.js';
import { loadCliConfig, withStore } from '../context.js';
import { parseCommandArgs, positiveInteger, UsageError, type CommandSpec } from '../usage.js';
import { field } from '../../log/printable.js';

const SPEC: CommandSpec = {
  name: 'webhooks',
  usage: 'mailtrail webhooks [list] [--state pending|failed|delivered|all] [--limit N] [--json] | webhooks retry ID  [--config FILE]',
};
const STATES: readonly WebhookState[] = ['pending', 'failed', 'delivered'];

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, {
    config: { type: 'string' },
    state: { type: 'string' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
  });
  const [action = 'list', idArg, extra] = positionals;
  if (action !== 'list' && action !== 'retry') throw new UsageError(`webhooks: expected list or retry (got ${JSON.stringify(action)})\nusage: ${SPEC.usage}`);
  if (extra !== undefined || (action === 'list' && idArg !== undefined))
    throw new UsageError(`webhooks: unexpected argument ${JSON.stringify(extra ?? idArg)}\nusage: ${SPEC.usage}`);
  let id: number | null = null;
  if (action === 'retry') {
    id = Number(idArg);
    if (!idArg || !Number.isInteger(id) || id < 1)
      throw new UsageError(`webhooks retry: give the id of a failed delivery as listed by \`mailtrail webhooks\` (got ${JSON.stringify(idArg ?? '')})`);
  }
  let states: WebhookState[] | undefined = ['pending', 'failed'];
  if (values.state === 'all') states = undefined;
  else if (values.state !== undefined) {
    if (!(STATES as readonly string[]).includes(values.state))
      throw new UsageError(`webhooks: --state must be pending, failed, delivered or all (got ${JSON.stringify(values.state)})`);
    states = [values.state as WebhookState];
  }
  const limit = positiveInteger(SPEC, 'limit', values.limit, 100);
  const config = loadCliConfig(values.config);

  return withStore(config, async (store) => {
    if (action === 'retry') {
      const result = await store.webhooks.retry(id!, Date.now());
      if (!result) {
        process.stderr.write(`mailtrail: no webhook delivery with id ${id}; \`mailtrail webhooks --state all\` lists them\n`);
        return 1;
      }
      const d = result.delivery;
      if (!result.changed) {
        const why =
          d.state === 'delivered' ? `it was delivered${d.deliveredAt ? ' at ' + iso(d.deliveredAt) : ''}` : 'it is still pending: the relay sends it when due';
        process.stderr.write(`mailtrail: webhook delivery ${d.id} was not changed: ${why}\n`);
        return 1;
      }
      const configured = config.webhooks.endpoints.some((e) => e.name === d.endpoint);
      process.stdout.write(`webhook delivery ${d.id} (${d.type} to ${d.endpoint}) is pending again: the running relay sends it at its next poll\n`);
      if (!configured)
        process.stderr.write(
          `mailtrail: warning: endpoint "${d.endpoint}" is not in webhooks.endpoints of this config; it will fail again unless it is added back\n`,
        );
      return 0;
    }

    const rows = await store.webhooks.list({ states, limit });
    if (values.json) {
      for (const d of rows) process.stdout.write(JSON.stringify(toJson(d)) + '\n');
      return 0;
    }
    const [counts, cursor] = await Promise.all([store.webhooks.countsByState(), store.webhooks.cursor()]);
    const behind = cursor === null ? 0 : (await store.events.after(cursor, 1000)).length;
    const followed =
      cursor === null
        ? 'the dispatcher has not started yet'
        : behind === 0
          ? 'the event feed is followed up to its newest event'
          : `${behind === 1000 ? '1000 or more' : behind} event(s) not yet routed`;
    process.stdout.write(`webhooks: ${counts.pending ?? 0} pending, ${counts.failed ?? 0} failed, ${counts.delivered ?? 0} delivered; ${followed}\n`);
    if (rows.length === 0) {
      process.stdout.write(states ? `no ${states.join(' or ')} webhook deliveries\n` : 'no webhook deliveries yet\n');
      return 0;
    }
    for (const d of rows) process.stdout.write(describe(d) + '\n');
    return 0;
  });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** One line: id, state, endpoint, type, event, attempts, when, and the last error. */
function describe(d: WebhookDeliveryRecord): string {
  const when =
    d.state === 'pending'
      ? `next ${d.nextAttemptAt === null ? '-' : iso(d.nextAttemptAt)}`
      : d.state === 'delivered'
        ? `at ${d.deliveredAt === null ? '-' : iso(d.deliveredAt)}`
        : `since ${iso(d.updatedAt)}`;
  const last = d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : '');
  return [`${d.id}`, d.state, d.endpoint, d.type, `event #${d.eventId}`, `attempts ${d.attempts}`, when, last].map(field).join('\t').trimEnd();
}

/** The JSON shape of one delivery (one line per delivery with --json). The payload is included as sent. */
function toJson(d: WebhookDeliveryRecord) {
  return {
    id: d.id,
    state: d.state,
    endpoint: d.endpoint,
    type: d.type,
    event_id: d.eventId,
    attempts: d.attempts,
    next_attempt_at: d.state === 'pending' && d.nextAttemptAt !== null ? iso(d.nextAttemptAt) : null,
    last_status: d.lastStatus,
    last_error: d.lastError,
    created_at: iso(d.createdAt),
    delivered_at: d.deliveredAt === null ? null : iso(d.deliveredAt),
    payload: JSON.parse(d.payload) as unknown,
  };
}
