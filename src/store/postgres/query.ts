/**
 * The read model on PostgreSQL: lookups by Message-ID or queue id, keyset-paginated search, the queue
 * overview. Reads of a page fetch all recipients (or events) of all its messages in one statement, the ids
 * bound as one array: a page costs three statements whatever its size.
 */
import type { RecipientState } from '../../types.js';
import { toEvent, toMessage, toRecipient, toSuppression, type EventRow, type MessageRow, type RecipientRow, type SuppressionRow } from '../rows.js';
import type { QueryStore, SearchFilters, WaitingSummary } from '../store.js';
import { Params, type Pg } from './database.js';
import { subjectQuery } from './subjects.js';
import { KIND_CODES } from '../event-codes.js';
import { eventReader, EVENTS, foldedTextIds } from './event-rows.js';

/**
 * Builds the search statement for the filters given (exported for the EXPLAIN test). Every filter on
 * recipients or events is a semi-join (EXISTS) that the planner may start from, through its index, when it
 * names few messages (an address, a rare state, a complaint), or probe while it walks messages newest first
 * through messages_by_created (or messages_by_tag) when it names many, stopping at `limit` matches.
 *
 * Subject words alone lead from the full-text index (message_subjects_words), newest first by message id
 * (arrival order), and the keyset is the id alone: as on SQLite, sorting all matches of a common word by
 * created_at would read every one of them.
 */
export function searchSql(f: SearchFilters): { text: string; values: unknown[] } {
  const p = new Params();
  const where: string[] = [];
  const complained = f.state === 'complained';
  const state = complained ? undefined : f.state;
  const subject = f.subject !== undefined ? subjectQuery(f.subject) : null;
  const bySubject = f.subject !== undefined && f.message === undefined && f.recipient === undefined && !complained;

  if (f.message !== undefined) {
    const key = p.add(f.message);
    where.push(`m.id IN (SELECT id FROM messages WHERE message_id = ${key} UNION ALL SELECT id FROM messages WHERE queue_id = ${key})`);
  }
  if (f.subject !== undefined) {
    if (subject === null) where.push('false');
    else if (bySubject) where.push(`s.words @@ ${p.add(subject)}::tsquery`);
    else where.push(`EXISTS (SELECT 1 FROM message_subjects s WHERE s.message_id = m.id AND s.words @@ ${p.add(subject)}::tsquery)`);
  }
  // One recipient matches every recipient filter at once (combined with a complaint: the one who complained).
  const rcpt: string[] = [];
  if (f.recipient !== undefined) rcpt.push(`lower(r.address) = lower(${p.add(f.recipient)})`);
  if (f.domain !== undefined) rcpt.push(`r.domain = ${p.add(f.domain)}`);
  if (state !== undefined) rcpt.push(`r.state = ${p.add(state)}`);
  if (complained) {
    where.push(
      `EXISTS (SELECT 1 FROM events e JOIN recipients r ON r.id = e.recipient_id WHERE e.message_id = m.id AND e.kind_code = ${KIND_CODES.complained}${rcpt.map((c) => ` AND ${c}`).join('')})`,
    );
  } else if (rcpt.length) {
    // A waiting or rare final state is named in the form of its partial index (recipients_due, recipients_rare_states).
    if (state === 'queued' || state === 'deferred') rcpt.push("r.state IN ('queued', 'deferred')");
    else if (state === 'expired' || state === 'suppressed' || state === 'cancelled') rcpt.push("r.state IN ('expired', 'suppressed', 'cancelled')");
    where.push(`EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND ${rcpt.join(' AND ')})`);
  }
  if (f.sender !== undefined) where.push(`m.mail_from = ${p.add(f.sender)}`);
  if (f.tag !== undefined) where.push(`m.tag = ${p.add(f.tag)}`);
  if (f.since !== undefined) where.push(`m.created_at >= ${p.add(f.since)}`);
  if (f.until !== undefined) where.push(`m.created_at < ${p.add(f.until)}`);
  if (bySubject) {
    if (f.before) where.push(`s.message_id < ${p.add(f.before.id)}`);
    return {
      text: `SELECT m.* FROM message_subjects s JOIN messages m ON m.id = s.message_id WHERE ${where.join(' AND ')} ORDER BY s.message_id DESC LIMIT ${p.add(f.limit)}`,
      values: p.values,
    };
  }
  if (f.before) {
    // The first term is implied by the second; it is there so that an index on (…, created_at, id) seeks to
    // the page start (messages_by_created, and messages_by_tag after its tag) instead of walking from the newest.
    const at = p.add(f.before.createdAt);
    where.push(`m.created_at <= ${at} AND (m.created_at < ${at} OR m.id < ${p.add(f.before.id)})`);
  }
  return {
    text: `SELECT m.* FROM messages m${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY m.created_at DESC, m.id DESC LIMIT ${p.add(f.limit)}`,
    values: p.values,
  };
}

const FIND_MESSAGES = 'SELECT * FROM messages WHERE message_id = $1 OR queue_id = $1 ORDER BY created_at DESC, id DESC';

const HISTORY = `WITH m AS (SELECT * FROM messages WHERE message_id = $1 OR queue_id = $1)
  SELECT 0 AS part, to_json(m) AS row FROM m
  UNION ALL SELECT 1, to_json(r) FROM recipients r WHERE r.message_id IN (SELECT id FROM m)
  UNION ALL SELECT 2, to_json(e) FROM ${EVENTS} e WHERE e.message_id IN (SELECT id FROM m)`;

/**
 * HISTORY with the shared texts that its folded rows name (part 3), for a process that knows none yet
 * (`mailtrail trace`): the phases are whole without a second round trip.
 */
const HISTORY_WITH_TEXTS = `WITH m AS (SELECT * FROM messages WHERE message_id = $1 OR queue_id = $1),
  e AS (SELECT * FROM ${EVENTS} WHERE message_id IN (SELECT id FROM m))
  SELECT 0 AS part, to_json(m) AS row FROM m
  UNION ALL SELECT 1, to_json(r) FROM recipients r WHERE r.message_id IN (SELECT id FROM m)
  UNION ALL SELECT 2, to_json(e) FROM e
  UNION ALL SELECT 3, json_build_array(t.id, t.value) FROM texts t WHERE t.id = ANY (${foldedTextIds('e')})`;

type Keyed = { message_id: number; id: number };
const byMessageThenId = (a: Keyed, b: Keyed) => a.message_id - b.message_id || a.id - b.id;
const newestFirst = (a: MessageRow, b: MessageRow) => b.created_at - a.created_at || b.id - a.id;

/**
 * `rows` in `order`, sorted only when they are not in it already: the server returns a trace's rows in
 * index order almost always, and Array.prototype.sort allocates its work space even then.
 */
function sorted<T>(rows: T[], order: (a: T, b: T) => number): T[] {
  for (let i = 1; i < rows.length; i++) if (order(rows[i - 1]!, rows[i]!) > 0) return rows.sort(order);
  return rows;
}

export function postgresQuery(db: Pg): QueryStore {
  const reader = eventReader(db);
  return {
    async findMessages(key) {
      return (await db.rows<MessageRow>(FIND_MESSAGES, [key])).map(toMessage);
    },
    async findHistory(key) {
      // One statement: one round trip, one backend and one snapshot for the messages by key, their recipients
      // and their timeline (each row as JSON with its set's number). Three statements at once on three pooled
      // connections waited for the slowest of three backends sharing the cores, and each had its own snapshot.
      // to_json keeps the column names and what the driver's parsers give (numbers, JSON as objects, bytea as
      // hex text, which toMessage reads), so the same mappers apply; the store contract compares the result
      // with the separate reads.
      // A process that knows no shared texts yet (`mailtrail trace`) reads them in the same statement: one round
      // trip instead of two. One that does (the API server, after its first traces) knows nearly all a trace
      // needs, and the statement without them is cheaper: at 1 M messages the one with texts took 0.2–0.3 ms
      // more at the median in every pair (docs/benchmarks.md, 2026-12-05 00:31).
      const fresh = reader.knownTexts === 0;
      const rows = await db.rows<{ part: number; row: unknown }>(fresh ? HISTORY_WITH_TEXTS : HISTORY, [key], fresh ? 'find_history_texts' : 'find_history');
      // The rows by part in one pass (a filter and a map per part allocated two arrays each).
      const parts: unknown[][] = [[], [], [], []];
      for (let i = 0; i < rows.length; i++) parts[rows[i]!.part]!.push(rows[i]!.row);
      const [messageRows, recipientRows, eventRows, textRows] = parts as [MessageRow[], RecipientRow[], EventRow[], [number, string][]];
      const messages = sorted(messageRows, newestFirst).map(toMessage);
      const recipients = sorted(recipientRows, byMessageThenId).map(toRecipient);
      const texts = textRows.length ? new Map(textRows) : undefined;
      const events = (await reader.expand(sorted(eventRows, byMessageThenId), undefined, texts)).map(toEvent);
      return { messages, recipients, events };
    },
    async recipientsOf(ids) {
      if (!ids.length) return [];
      return (await db.rows<RecipientRow>('SELECT * FROM recipients WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, id', [ids])).map(toRecipient);
    },
    async eventsOf(ids) {
      if (!ids.length) return [];
      return (await reader.expand(await db.rows<EventRow>(`SELECT * FROM ${EVENTS} WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, id`, [ids]))).map(
        toEvent,
      );
    },
    async suppressionsFor(addresses) {
      if (!addresses.length) return [];
      return (await db.rows<SuppressionRow>('SELECT * FROM suppressions WHERE address = ANY($1::text[])', [addresses])).map(toSuppression);
    },
    async search(filters) {
      const { text, values } = searchSql(filters);
      return (await db.rows<MessageRow>(text, values)).map(toMessage);
    },
    async subjectsOf(ids) {
      if (!ids.length) return new Map();
      const rows = await db.rows<{ id: number; subject: string }>(
        // From the `received` event's detail (message_subjects keeps only the words).
        `SELECT message_id AS id, detail ->> 'subject' AS subject FROM ${EVENTS}
          WHERE message_id = ANY($1::bigint[]) AND kind_code = ${KIND_CODES.received} AND detail ->> 'subject' IS NOT NULL`,
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r.subject]));
    },
    async messagesOfEvents(ids) {
      if (!ids.length) return [];
      const rows = await db.rows<{ event_id: number; queue_id: string; message_id: string | null }>(
        'SELECT e.id AS event_id, m.queue_id, m.message_id FROM events e JOIN messages m ON m.id = e.message_id WHERE e.id = ANY($1::bigint[])',
        [ids],
      );
      return rows.map((r) => ({ eventId: r.event_id, queueId: r.queue_id, messageId: r.message_id }));
    },
    async queueOverview() {
      const byState: Partial<Record<RecipientState, number>> = {};
      for (const r of await db.rows<{ state: RecipientState; n: number }>('SELECT state, COUNT(*) AS n FROM recipients GROUP BY state')) byState[r.state] = r.n;
      const rows = await db.rows<{ domain: string; state: RecipientState; n: number; oldest: number }>(
        `SELECT r.domain, r.state, COUNT(*) AS n, MIN(m.created_at) AS oldest
           FROM recipients r JOIN messages m ON m.id = r.message_id
          WHERE r.state IN ('queued', 'deferred')
          GROUP BY r.domain, r.state ORDER BY n DESC, r.domain LIMIT 1000`,
      );
      return { byState, byDomain: rows.map((r) => ({ domain: r.domain, state: r.state, count: r.n, oldestCreatedAt: r.oldest })) };
    },
    async waitingSummary(now) {
      // The WHERE is recipients_due's predicate: the waiting rows, not the history.
      const rows = await db.rows<{ state: 'queued' | 'deferred'; n: number; leased: number; oldest: number }>(
        `SELECT r.state, COUNT(*) AS n, COUNT(*) FILTER (WHERE r.lease_until > $1) AS leased, MIN(m.created_at) AS oldest
           FROM recipients r JOIN messages m ON m.id = r.message_id
          WHERE r.state IN ('queued', 'deferred')
          GROUP BY r.state`,
        [now],
      );
      const summary: WaitingSummary = { queued: 0, deferred: 0, leased: 0, oldestCreatedAt: null };
      for (const r of rows) {
        summary[r.state] = r.n;
        summary.leased += r.leased;
        summary.oldestCreatedAt = summary.oldestCreatedAt === null ? r.oldest : Math.min(summary.oldestCreatedAt, r.oldest);
      }
      return summary;
    },
  };
}
