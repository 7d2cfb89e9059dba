import { KIND_CODES, PHASE_CODES } from '../event-codes.js';
import { toMessage, toRecipient, type MessageRow, type RecipientRow } from '../rows.js';
import type { MessageStore, NewMessage } from '../store.js';
import { Params, type Pg } from './database.js';
import { subjectWords } from './subjects.js';
import type { PgWakeups } from './wakeups.js';

/**
 * Intake's one write, as ONE statement: the message, its content, its subject words, its recipients and
 * its `received` (and `suppressed`) events (the subject is kept in the `received` event's detail only;
 * message_subjects holds its words). A statement is its own transaction: all of it commits or none,
 * in one round trip, and the commit is durable before the promise resolves (synchronous_commit).
 * Events are inserted by one INSERT ordered by `ord`, so `received` gets the lower id. The text is the
 * same for every message (recipients travel as arrays): prepared once per connection.
 */
function enqueueSql(m: NewMessage, p: Params): string {
  const subject = typeof m.receivedDetail.subject === 'string' ? m.receivedDetail.subject : null;
  const at = p.add(m.createdAt);
  const rcpt = (f: (r: NewMessage['recipients'][number]) => unknown, type: string) => `${p.add(m.recipients.map(f))}::${type}[]`;
  return `WITH m AS (
      INSERT INTO messages (queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls, size, sha256, tag, env_id, ret, origin, created_at)
      VALUES (${[
        m.queueId,
        m.messageId,
        m.messageIdAdded,
        m.mailFrom,
        m.username,
        m.clientIp,
        m.clientHostname,
        m.tls ? JSON.stringify(m.tls) : null,
        m.raw.length,
        Buffer.from(m.sha256, 'hex'),
        m.tag,
        m.envId,
        m.ret,
        m.origin,
      ]
        .map((v) => p.add(v))
        .join(', ')}, ${at})
      RETURNING *
    ), content AS (
      INSERT INTO message_content (message_id, raw) SELECT id, ${p.add(m.raw)}::bytea FROM m
    ), subject AS (
      INSERT INTO message_subjects (message_id, words)
      SELECT id, array_to_tsvector(${p.add(subject === null ? [] : subjectWords(subject))}::text[]) FROM m WHERE ${p.add(subject !== null)}
    ), r AS (
      INSERT INTO recipients (message_id, address, domain, state, next_attempt_at, notify, orcpt, updated_at)
      SELECT m.id, x.address, x.domain, x.state, x.next_attempt_at, x.notify, x.orcpt, ${at}
        FROM m, unnest(${rcpt((r) => r.address, 'text')}, ${rcpt((r) => r.domain, 'text')}, ${rcpt((r) => r.state, 'text')},
                       ${rcpt((r) => (r.state === 'queued' ? r.nextAttemptAt : null), 'bigint')}, ${rcpt((r) => (r.notify ? r.notify.join(',') : null), 'text')},
                       ${rcpt((r) => r.orcpt, 'text')})
             WITH ORDINALITY AS x(address, domain, state, next_attempt_at, notify, orcpt, ord)
       ORDER BY x.ord
      RETURNING *
    ), e AS (
      INSERT INTO events (at, message_id, recipient_id, kind_code, phase_code, text, detail)
      SELECT ${at}, m.id, v.recipient_id, v.kind_code, v.phase_code, v.text, v.detail FROM m, (
          SELECT 0 AS ord, NULL::bigint AS recipient_id, ${KIND_CODES.received} AS kind_code, ${PHASE_CODES.submission} AS phase_code, NULL::text AS text,
                 ${p.add(JSON.stringify(m.receivedDetail))}::json AS detail
          UNION ALL
          SELECT 1, r.id, ${KIND_CODES.suppressed}, NULL, 'address is on the suppression list', NULL FROM r WHERE r.state = 'suppressed'
        ) v
       ORDER BY v.ord, v.recipient_id
    )
    SELECT row_to_json(m) AS message, row_to_json(r) AS recipient FROM m LEFT JOIN r ON true ORDER BY r.id`;
}

export function postgresMessages(db: Pg, wakeups: PgWakeups): MessageStore {
  return {
    async enqueue(m) {
      const p = new Params();
      const rows = await db.rows<{ message: MessageRow; recipient: RecipientRow | null }>(enqueueSql(m, p), p.values, 'enqueue');
      // After the commit, not in it (./wakeups.ts): the relays' schedulers look for it at once.
      if (m.recipients.some((r) => r.state === 'queued')) wakeups.signal();
      const message = toMessage(rows[0]!.message);
      return { message, recipients: rows.flatMap((r) => (r.recipient ? [toRecipient(r.recipient)] : [])) };
    },
    async getById(id) {
      const r = await db.row<MessageRow>('SELECT * FROM messages WHERE id = $1', [id]);
      return r ? toMessage(r) : null;
    },
    async getMany(ids) {
      if (!ids.length) return [];
      return (await db.rows<MessageRow>('SELECT * FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).map(toMessage);
    },
    async getByQueueId(queueId) {
      const r = await db.row<MessageRow>('SELECT * FROM messages WHERE queue_id = $1', [queueId]);
      return r ? toMessage(r) : null;
    },
    async findByMessageId(messageId) {
      return (await db.rows<MessageRow>('SELECT * FROM messages WHERE message_id = $1 ORDER BY created_at DESC, id DESC', [messageId])).map(toMessage);
    },
    async content(id) {
      const r = await db.row<{ raw: Buffer }>('SELECT raw FROM message_content WHERE message_id = $1', [id]);
      return r ? r.raw : null;
    },
    async contents(ids) {
      if (!ids.length) return new Map();
      const rows = await db.rows<{ message_id: string | number; raw: Buffer }>(
        'SELECT message_id, raw FROM message_content WHERE message_id = ANY($1::bigint[])',
        [ids],
      );
      return new Map(rows.map((r) => [Number(r.message_id), r.raw]));
    },
    async recipients(id) {
      return (await db.rows<RecipientRow>('SELECT * FROM recipients WHERE message_id = $1 ORDER BY id', [id])).map(toRecipient);
    },
    async count() {
      return (await db.row<{ n: number }>('SELECT COUNT(*) AS n FROM messages'))!.n;
    },
  };
}
