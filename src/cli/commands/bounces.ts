/**
 * `mailtrail bounces`: the inbound mail the bounce listener received, with its parse result and what it
 * matched. `--unmatched` shows the reports that matched none of our messages (kept, never dropped);
 * `--id N` shows one, `--raw` prints its stored bytes as received.
 */
import type { InboundRecord, Store } from '../../store/store.js';
import { loadCliConfig, withStore } from '../context.js';
import { parseCommandArgs, positiveInteger, UsageError, type CommandSpec } from '../usage.js';
import { field, printable } from '../../log/printable.js';

const SPEC: CommandSpec = { name: 'bounces', usage: 'mailtrail bounces [--unmatched] [--limit N] [--json] | bounces --id N [--json|--raw]  [--config FILE]' };

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, {
    config: { type: 'string' },
    unmatched: { type: 'boolean' },
    id: { type: 'string' },
    raw: { type: 'boolean' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`bounces: unexpected argument ${JSON.stringify(positionals[0])}\nusage: ${SPEC.usage}`);
  const limit = positiveInteger(SPEC, 'limit', values.limit, 50);
  const id = values.id === undefined ? null : Number(values.id);
  if (id !== null && (!Number.isInteger(id) || id < 1))
    throw new UsageError(`bounces: --id must be an inbound id as listed by \`mailtrail bounces\` (got ${JSON.stringify(values.id)})`);
  if (values.raw && id === null) throw new UsageError(`bounces: --raw needs --id N\nusage: ${SPEC.usage}`);
  const config = loadCliConfig(values.config);

  return withStore(config, async (store) => {
    if (id !== null) {
      const row = await store.inbound.get(id);
      if (!row) {
        process.stderr.write(`mailtrail: no inbound mail with id ${id}\n`);
        return 1;
      }
      if (values.raw) {
        process.stdout.write((await store.inbound.raw(id)) ?? Buffer.alloc(0));
        return 0;
      }
      const view = await toView(store, row);
      process.stdout.write(values.json ? JSON.stringify(view) + '\n' : printable(describe(view, true)));
      return 0;
    }
    const rows = values.unmatched ? await store.inbound.listUnmatched({ limit }) : await store.inbound.list({ limit });
    if (!values.json && rows.length === 0) {
      process.stdout.write(values.unmatched ? 'no unmatched inbound mail\n' : 'no inbound mail yet\n');
      return 0;
    }
    for (const row of rows) {
      const view = await toView(store, row);
      process.stdout.write(values.json ? JSON.stringify(view) + '\n' : printable(describe(view, false)));
    }
    return 0;
  });
}

/** The JSON shape of one inbound mail (one line per mail with --json). */
interface InboundView {
  id: number;
  received_at: string;
  mail_from: string;
  rcpt_to: string[];
  client_ip: string | null;
  size: number;
  processed_at: string | null;
  /** Parse result kind; null while unprocessed or when parsing failed (see `error`). */
  kind: string | null;
  format: string | null;
  error: string | null;
  match_rule: string | null;
  queue_id: string | null;
  recipient: string | null;
  parse: Record<string, unknown> | null;
}

async function toView(store: Store, r: InboundRecord): Promise<InboundView> {
  const message = r.matchedMessageRowId ? await store.messages.getById(r.matchedMessageRowId) : null;
  const recipient = r.matchedRecipientId ? await store.inbound.recipientById(r.matchedRecipientId) : null;
  return {
    id: r.id,
    received_at: new Date(r.receivedAt).toISOString(),
    mail_from: r.mailFrom,
    rcpt_to: r.rcptTo,
    client_ip: r.clientIp,
    size: r.size,
    processed_at: r.processedAt === null ? null : new Date(r.processedAt).toISOString(),
    kind: r.kind,
    format: (r.parse?.format as string | null | undefined) ?? null,
    error: (r.parse?.error as string | undefined) ?? null,
    match_rule: r.matchRule,
    queue_id: message?.queueId ?? null,
    recipient: recipient?.address ?? null,
    parse: r.parse,
  };
}

function describe(v: InboundView, full: boolean): string {
  const copyOf = typeof v.parse?.duplicate_of === 'number' ? ` (a second copy of #${v.parse.duplicate_of}: nothing applied)` : '';
  const what = (v.processed_at === null ? 'unprocessed' : v.error ? `error: ${v.error}` : (v.kind ?? '?')) + copyOf;
  const match = v.match_rule ? `matched ${v.queue_id ?? '?'}${v.recipient ? ` ${v.recipient}` : ''} by ${v.match_rule}` : 'unmatched';
  const line = `#${v.id}\t${v.received_at}\tfrom <${v.mail_from}>\tto ${v.rcpt_to.join(',')}\t${v.size} bytes\t${what}\t${match}\n`;
  if (!full) return line;
  const recipients = Array.isArray(v.parse?.recipients) ? (v.parse!.recipients as Array<Record<string, unknown>>) : [];
  const details = recipients.map(
    (p) =>
      `  ${p.address ?? '(no address)'}\t${p.action ?? '-'}\t${p.status ?? '-'}\t${p.category ?? '-'}\t${p.hard === true ? 'hard' : p.hard === false ? 'soft' : '-'}\t${field(p.diagnostic as string | undefined)}\n`,
  );
  const orig = v.parse?.original_message_id ? `  original Message-ID: ${v.parse.original_message_id}\n` : '';
  return line + details.join('') + orig;
}
