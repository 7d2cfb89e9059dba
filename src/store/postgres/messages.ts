import { KIND_CODES, PHASE_CODES } from '../event-codes.js';
import { toMessage, toRecipient, type MessageRow, type RecipientRow } from '../rows.js';
import type { EnqueuedMessage, MessageStore, NewMessage } from '../store.js';
import { groupedWrites } from './grouped-writes.js';
import { Params, type Pg } from './database.js';
import { subjectWords } from './subjects.js';
import type { PgWakeups } from './wakeups.js';

/**
 * The received event's detail as intake wrote it, with `suppressed` set to the number of the message's
 * recipients the statement found on the suppression list (NewRecipient.suppressionKey). Through jsonb, which
 * orders the keys its own way, only when there are some.
 */
const RECEIVED_DETAIL = `CASE WHEN NOT mi.checks_suppressions THEN mi.received_detail::json
      ELSE (SELECT CASE WHEN COUNT(*) = 0 THEN mi.received_detail::json
                        ELSE jsonb_set(mi.received_detail::jsonb, '{suppressed}', to_jsonb(COUNT(*)))::json END
              FROM r WHERE r.message_id = mi.id AND r.state = 'suppressed') END`;

/**
 * Intake's one write, as ONE statement for any number of messages (group commit: the submissions that
 * finish while earlier ones are on their way go together, ./grouped-writes.ts): each message, its content,
 * its subject words, its recipients and its `received` (and `suppressed`) events (the subject is kept in
 * the `received` event's detail only; message_subjects holds its words). The suppression check is a join
 * in it: a recipient whose key is on the list as the statement sees it is written suppressed. A statement is its own
 * transaction: all of it commits or none, in one round trip, and the commit is durable before any of its
 * submissions hears 250 (synchronous_commit). Events are inserted by one INSERT in message order, a
 * message's `received` first, so it gets the lower id. The text is the same for every group (messages,
 * recipients and subject words travel as arrays, each row naming its message by position): prepared once
 * per connection. The contents travel as one binary parameter, cut by the server at each message's size:
 * in a bytea[] array node-postgres would send them hex-encoded (twice the bytes, escaped element by element)
 * and the server would parse them back as array text.
 */
function enqueueSql(ms: NewMessage[], p: Params): string {
  const msg = (f: (m: NewMessage) => unknown, type: string) => `${p.add(ms.map(f))}::${type}[]`;
  const recipients = ms.flatMap((m, i) => m.recipients.map((r) => ({ ...r, i: i + 1 })));
  const rcpt = (f: (r: (typeof recipients)[number]) => unknown, type: string) => `${p.add(recipients.map(f))}::${type}[]`;
  const subjectOf = (m: NewMessage) => (typeof m.receivedDetail.subject === 'string' ? m.receivedDetail.subject : null);
  const words = ms.flatMap((m, i) => {
    const subject = subjectOf(m);
    return subject === null ? [] : subjectWords(subject).map((word) => ({ word, i: i + 1 }));
  });
  return `WITH input AS (
      SELECT * FROM unnest(${msg((m) => m.queueId, 'text')}, ${msg((m) => m.messageId, 'text')}, ${msg((m) => m.messageIdAdded, 'boolean')},
                           ${msg((m) => m.mailFrom, 'text')}, ${msg((m) => m.username, 'text')}, ${msg((m) => m.clientIp, 'text')},
                           ${msg((m) => m.clientHostname, 'text')}, ${msg((m) => (m.tls ? JSON.stringify(m.tls) : null), 'text')},
                           ${msg((m) => m.raw.length, 'bigint')}, ${msg((m) => m.sha256, 'text')}, ${msg((m) => m.tag, 'text')},
                           ${msg((m) => m.envId, 'text')}, ${msg((m) => m.ret, 'text')}, ${msg((m) => m.origin, 'text')}, ${msg((m) => m.createdAt, 'bigint')},
                           ${msg((m) => subjectOf(m) !== null, 'boolean')}, ${msg((m) => JSON.stringify(m.receivedDetail), 'text')},
                           ${msg((m) => m.recipients.some((r) => r.suppressionKey !== undefined), 'boolean')})
             WITH ORDINALITY AS i(queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls, size, sha256, tag,
                                  env_id, ret, origin, created_at, has_subject, received_detail, checks_suppressions, i)
    ), m AS (
      INSERT INTO messages (queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls, size, sha256, tag, env_id, ret, origin, created_at)
      SELECT queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls::json, size, decode(sha256, 'hex'), tag, env_id, ret, origin, created_at
        FROM input ORDER BY i
      RETURNING *
    ), mi AS (
      SELECT m.id, m.created_at, input.i, input.size, input.has_subject, input.received_detail, input.checks_suppressions
        FROM m JOIN input ON input.queue_id = m.queue_id
    ), content AS (
      INSERT INTO message_content (message_id, raw)
      SELECT id, substr(${p.add(Buffer.concat(ms.map((m) => m.raw)))}::bytea, (SUM(size) OVER (ORDER BY i) - size + 1)::integer, size::integer) FROM mi
    ), subject AS (
      INSERT INTO message_subjects (message_id, words)
      SELECT mi.id, array_to_tsvector(COALESCE(w.words, '{}'::text[])) FROM mi
        LEFT JOIN (SELECT i, array_agg(word) AS words FROM unnest(${p.add(words.map((w) => w.i))}::bigint[], ${p.add(words.map((w) => w.word))}::text[]) AS w(i, word) GROUP BY i) w
          ON w.i = mi.i
       WHERE mi.has_subject
    ), r AS (
      INSERT INTO recipients (message_id, address, domain, state, next_attempt_at, notify, orcpt, updated_at)
      SELECT mi.id, x.address, x.domain, CASE WHEN s.address IS NULL THEN x.state ELSE 'suppressed' END,
             CASE WHEN s.address IS NULL THEN x.next_attempt_at END, x.notify, x.orcpt, mi.created_at
        FROM unnest(${rcpt((r) => r.i, 'bigint')}, ${rcpt((r) => r.address, 'text')}, ${rcpt((r) => r.domain, 'text')}, ${rcpt((r) => r.state, 'text')},
                    ${rcpt((r) => (r.state === 'queued' ? r.nextAttemptAt : null), 'bigint')}, ${rcpt((r) => (r.notify ? r.notify.join(',') : null), 'text')},
                    ${rcpt((r) => r.orcpt, 'text')}, ${rcpt((r) => r.suppressionKey ?? null, 'text')})
             WITH ORDINALITY AS x(i, address, domain, state, next_attempt_at, notify, orcpt, suppression_key, ord)
        JOIN mi ON mi.i = x.i
        LEFT JOIN suppressions s ON s.address = x.suppression_key
       ORDER BY x.ord
      RETURNING *
    ), e AS (
      INSERT INTO events (at, message_id, recipient_id, kind_code, phase_code, text, detail)
      SELECT mi.created_at, mi.id, v.recipient_id, v.kind_code, v.phase_code, v.text, v.detail FROM mi JOIN (
          SELECT id AS message_id, 0 AS ord, NULL::bigint AS recipient_id, ${KIND_CODES.received} AS kind_code, ${PHASE_CODES.submission} AS phase_code,
                 NULL::text AS text, ${RECEIVED_DETAIL} AS detail FROM mi
          UNION ALL
          SELECT r.message_id, 1, r.id, ${KIND_CODES.suppressed}, NULL, 'address is on the suppression list', NULL FROM r WHERE r.state = 'suppressed'
        ) v ON v.message_id = mi.id
       ORDER BY mi.i, v.ord, v.recipient_id
    )
    SELECT row_to_json(m) AS message, row_to_json(r) AS recipient FROM m LEFT JOIN r ON r.message_id = m.id ORDER BY m.id, r.id`;
}

/** Submissions written at once: one statement's WAL flush overlaps the next one's work; the rest wait and go together. */
const ENQUEUE_STATEMENTS = 2;
/** Messages one statement carries at most. */
const MESSAGES_PER_STATEMENT = 32;
/** A message this large goes alone: a group of them would make one statement of many megabytes. */
const ALONE_BYTES = 1024 * 1024;

export function postgresMessages(db: Pg, wakeups: PgWakeups): MessageStore {
  const enqueues = groupedWrites(
    async (ms: NewMessage[]): Promise<EnqueuedMessage[]> => {
      const p = new Params();
      const rows = await db.rows<{ message: MessageRow; recipient: RecipientRow | null }>(enqueueSql(ms, p), p.values, 'enqueue');
      // After the commit, not in it (./wakeups.ts): the relays' schedulers look for it at once.
      if (rows.some((row) => row.recipient?.state === 'queued')) wakeups.signal();
      const byQueueId = new Map<string, EnqueuedMessage>();
      for (const row of rows) {
        let written = byQueueId.get(row.message.queue_id);
        if (!written) byQueueId.set(row.message.queue_id, (written = { message: toMessage(row.message), recipients: [] }));
        if (row.recipient) written.recipients.push(toRecipient(row.recipient));
      }
      return ms.map((m) => byQueueId.get(m.queueId)!);
    },
    { parallel: ENQUEUE_STATEMENTS, maxGroup: MESSAGES_PER_STATEMENT, alone: (m) => m.raw.length > ALONE_BYTES },
  );
  return {
    enqueue(m) {
      return enqueues.write(m);
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
