/**
 * The read model's SQL: lookups by Message-ID or queue id, keyset-paginated search, the queue overview.
 * Reads only: operator actions change state through the queue (src/queue/control.ts).
 *
 * Reads of a page fetch all recipients (or events) of all its messages in one statement, with the ids
 * passed as a JSON array: a page costs three statements whatever its size, never one per row.
 */
import type { Statement } from 'better-sqlite3';
import type { RecipientState } from '../../types.js';
import type { QueryStore, SearchFilters, WaitingSummary } from '../store.js';
import type { Db } from './database.js';
import { eventReader, EVENTS } from './event-rows.js';
import { toEvent, toMessage, toRecipient, toSuppression, type EventRow, type MessageRow, type RecipientRow, type SuppressionRow } from '../rows.js';

/**
 * States few recipients are in, at any time: the waiting ones (the queue, not the history) and the rare
 * final ones. Searched from the recipients; delivered and bounced, common, by walking the messages.
 */
const RARE_STATES: ReadonlySet<string> = new Set(['queued', 'deferred', 'expired', 'suppressed', 'cancelled']);

/**
 * Ids follow arrival: a message accepted more than this before another was committed before it (commits
 * take milliseconds). So the ids of messages accepted in [since, until) lie between the first id accepted
 * at since − SLACK and the first accepted at until + SLACK: bounds for a walk in id order.
 */
const ARRIVAL_SLACK_MS = 60_000;

/** Subject words as an FTS5 query: each word quoted (no operators from user input), all required. */
export function subjectMatch(words: string): string | null {
  const tokens = words.match(/[\p{L}\p{N}]+/gu);
  return tokens ? tokens.map((t) => `"${t}"`).join(' ') : null;
}

/**
 * Search by subject words (with no narrower filter): the FTS5 index of migration 007 leads, newest first
 * by row id (arrival order), and messages are joined one by one until the page is full. A word in every
 * subject or in three of them costs about the same: the index walk stops at `limit`. The other filters
 * are checked on each row. Sorting by created_at instead would need every match first (a million for a
 * common word: seconds); ids follow arrival, so the order is the same but for messages accepted within
 * the same milliseconds. The keyset is the id alone.
 */
function subjectSearchSql(f: SearchFilters, match: string | null): { sql: string; params: unknown[] } {
  if (!match) return { sql: 'SELECT m.* FROM messages m WHERE 0 LIMIT ?', params: [f.limit] };
  const where = ['message_subjects MATCH ?'];
  const params: unknown[] = [match];
  if (f.before) where.push('s.rowid < ?'), params.push(f.before.id);
  // A time window bounds the walk in ids too (ARRIVAL_SLACK_MS): one seek in messages_by_created each.
  const firstIdFrom = 'COALESCE((SELECT id FROM messages WHERE created_at >= ? ORDER BY created_at, id LIMIT 1), 9223372036854775807)';
  if (f.since !== undefined) where.push(`s.rowid >= ${firstIdFrom}`), params.push(f.since - ARRIVAL_SLACK_MS);
  if (f.until !== undefined) where.push(`s.rowid < ${firstIdFrom}`), params.push(f.until + ARRIVAL_SLACK_MS);
  if (f.domain !== undefined || f.state !== undefined) {
    const sub = ['r.message_id = m.id'];
    if (f.domain !== undefined) sub.push('r.domain = ?'), params.push(f.domain);
    if (f.state !== undefined) sub.push('r.state = ?'), params.push(f.state);
    where.push(`EXISTS (SELECT 1 FROM recipients r WHERE ${sub.join(' AND ')})`);
  }
  if (f.sender !== undefined) where.push('m.mail_from = ?'), params.push(f.sender);
  if (f.tag !== undefined) where.push('m.tag = ?'), params.push(f.tag);
  if (f.since !== undefined) where.push('m.created_at >= ?'), params.push(f.since);
  if (f.until !== undefined) where.push('m.created_at < ?'), params.push(f.until);
  params.push(f.limit);
  // CROSS JOIN keeps the index walk outside: driven by messages (a tag, say), each row would cost a
  // full-text lookup of its own, which is slow for a common word (milliseconds each).
  return {
    sql: `SELECT m.* FROM message_subjects s CROSS JOIN messages m ON m.id = s.rowid WHERE ${where.join(' AND ')} ORDER BY s.rowid DESC LIMIT ?`,
    params,
  };
}

/** Below this many recipients at a domain (in the state asked), the search starts from them rather than from a walk of the messages. */
export const SPARSE_DOMAIN = 2_000;

/**
 * Builds the search statement for the filters given. Exported for the EXPLAIN QUERY PLAN test.
 * `sparseDomain`: the domain filter names fewer than SPARSE_DOMAIN recipients (the caller counted).
 */
export function searchSql(f: SearchFilters, hints: { sparseDomain?: boolean } = {}): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  // Selective filters name a few messages through their own index; those are then sorted. Without one,
  // the statement walks messages newest first and stops at `limit` matches.
  let selective = false;
  const complained = f.state === 'complained';
  const state = complained ? undefined : f.state;
  const match = f.subject !== undefined ? subjectMatch(f.subject) : null;
  // Subject words alone: the full-text index leads (see subjectSearchSql). With a narrower filter, that
  // filter leads and each of its few messages is checked against the index.
  if (f.subject !== undefined && f.message === undefined && f.recipient === undefined && !complained) return subjectSearchSql(f, match);
  if (f.message !== undefined) {
    where.push('m.id IN (SELECT id FROM messages WHERE message_id = ? UNION ALL SELECT id FROM messages WHERE queue_id = ?)');
    params.push(f.message, f.message);
    selective = true;
  }
  if (f.subject !== undefined) {
    where.push(match ? 'EXISTS (SELECT 1 FROM message_subjects s WHERE message_subjects MATCH ? AND s.rowid = m.id)' : '0');
    if (match) params.push(match);
  }
  if (f.recipient !== undefined) {
    // Selective: walk the address index to the few message ids, then sort those. The unary `+` on
    // created_at below stops the planner from scanning messages_by_created instead and probing each row.
    // Case-insensitive, as support staff type addresses: served by recipients_by_address_nocase (003).
    const sub = ['address = ? COLLATE NOCASE'];
    params.push(f.recipient);
    if (f.domain !== undefined) sub.push('domain = ?'), params.push(f.domain);
    if (state !== undefined) sub.push('state = ?'), params.push(state);
    if (complained) sub.push("id IN (SELECT recipient_id FROM events WHERE kind = 'complained' AND message_id = recipients.message_id)");
    where.push(`m.id IN (SELECT message_id FROM recipients WHERE ${sub.join(' AND ')})`);
    selective = true;
  } else if (complained) {
    // Complaints are rare: the messages that have one, through the partial index events_complaints (007).
    if (f.domain !== undefined) {
      where.push("m.id IN (SELECT e.message_id FROM events e JOIN recipients r ON r.id = e.recipient_id WHERE e.kind = 'complained' AND r.domain = ?)");
      params.push(f.domain);
    } else where.push("m.id IN (SELECT message_id FROM events WHERE kind = 'complained')");
    selective = true;
  } else if (state !== undefined && RARE_STATES.has(state)) {
    // Few recipients are in these states: start from them (recipients_rare_states, 007; recipients_due for
    // the waiting ones), not from a walk of every message that would find none when there are none.
    if (f.domain !== undefined) where.push('m.id IN (SELECT message_id FROM recipients WHERE domain = ? AND state = ?)'), params.push(f.domain, state);
    else if (state === 'queued' || state === 'deferred')
      where.push("m.id IN (SELECT message_id FROM recipients INDEXED BY recipients_due WHERE state IN ('queued', 'deferred') AND state = ?)"),
        params.push(state);
    else where.push("m.id IN (SELECT message_id FROM recipients WHERE state IN ('expired', 'suppressed', 'cancelled') AND state = ?)"), params.push(state);
    selective = true;
  } else if (f.domain !== undefined && hints.sparseDomain) {
    // A small domain: its few recipients (recipients_by_domain_state), sorted; a walk would pass them all by.
    where.push(`m.id IN (SELECT message_id FROM recipients WHERE domain = ?${state !== undefined ? ' AND state = ?' : ''})`);
    params.push(f.domain, ...(state !== undefined ? [state] : []));
    selective = true;
  } else if (f.domain !== undefined || state !== undefined) {
    // Broad (a big domain, a common state): walk messages newest first and stop at `limit` matches.
    const sub = ['r.message_id = m.id'];
    if (f.domain !== undefined) sub.push('r.domain = ?'), params.push(f.domain);
    if (state !== undefined) sub.push('r.state = ?'), params.push(state);
    where.push(`EXISTS (SELECT 1 FROM recipients r WHERE ${sub.join(' AND ')})`);
  }
  const created = selective ? '+m.created_at' : 'm.created_at';
  if (f.sender !== undefined) where.push('m.mail_from = ?'), params.push(f.sender);
  if (f.tag !== undefined) where.push('m.tag = ?'), params.push(f.tag);
  if (f.since !== undefined) where.push(`${created} >= ?`), params.push(f.since);
  if (f.until !== undefined) where.push(`${created} < ?`), params.push(f.until);
  if (f.before) {
    // The first term is implied by the second; it is there so the index can seek to the page start
    // instead of walking from the newest row on every page.
    where.push(`${created} <= ? AND (${created} < ? OR m.id < ?)`);
    params.push(f.before.createdAt, f.before.createdAt, f.before.id);
  }
  const sql = `SELECT m.* FROM messages m${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY m.created_at DESC, m.id DESC LIMIT ?`;
  params.push(f.limit);
  return { sql, params };
}

export function sqliteQuery(db: Db): QueryStore {
  const statements = new Map<string, Statement<unknown[]>>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };

  // OR over two indexed columns: SQLite answers it with both indexes (messages_by_message_id, queue_id's).
  const findMessages = db.prepare('SELECT * FROM messages WHERE message_id = ? OR queue_id = ? ORDER BY created_at DESC, id DESC');
  const recipientsOf = db.prepare('SELECT * FROM recipients WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, id');
  const reader = eventReader(db);
  const eventsOf = db.prepare(`SELECT * FROM ${EVENTS} WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, id`);
  const suppressionsFor = db.prepare('SELECT * FROM suppressions WHERE address IN (SELECT value FROM json_each(?))');
  const countsByState = db.prepare('SELECT state, COUNT(*) AS n FROM recipients GROUP BY state');
  const waitingByDomain = db.prepare(`SELECT r.domain, r.state, COUNT(*) AS n, MIN(m.created_at) AS oldest
    FROM recipients r JOIN messages m ON m.id = r.message_id
    WHERE r.state IN ('queued', 'deferred')
    GROUP BY r.domain, r.state ORDER BY n DESC, r.domain LIMIT 1000`);
  // The WHERE matches recipients_due's, so SQLite walks that partial index: the waiting rows, not the history.
  const waitingSummary = db.prepare(`SELECT r.state, COUNT(*) AS n, SUM(CASE WHEN r.lease_until > ? THEN 1 ELSE 0 END) AS leased, MIN(m.created_at) AS oldest
    FROM recipients r JOIN messages m ON m.id = r.message_id
    WHERE r.state IN ('queued', 'deferred')
    GROUP BY r.state`);
  const domainCount = db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM recipients WHERE domain = ? LIMIT ?)').pluck();
  const domainStateCount = db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM recipients WHERE domain = ? AND state = ? LIMIT ?)').pluck();
  // The full-text index keeps no copy of the subjects (migration 009): they are read from the received events.
  const subjectsOf = db.prepare(`SELECT message_id AS id, json_extract(detail, '$.subject') AS subject FROM ${EVENTS}
    WHERE message_id IN (SELECT value FROM json_each(?)) AND kind = 'received' AND json_extract(detail, '$.subject') IS NOT NULL`);
  const messagesOfEvents = db.prepare(`SELECT e.id AS event_id, m.queue_id, m.message_id FROM events e JOIN messages m ON m.id = e.message_id
    WHERE e.id IN (SELECT value FROM json_each(?))`);

  const messagesByKey = (key: string) => (findMessages.all(key, key) as MessageRow[]).map(toMessage);
  const recipientsOfIds = (ids: number[]) => (ids.length ? (recipientsOf.all(JSON.stringify(ids)) as RecipientRow[]).map(toRecipient) : []);
  const eventsOfIds = (ids: number[]) => (ids.length ? reader.expand(eventsOf.all(JSON.stringify(ids)) as EventRow[]).map(toEvent) : []);

  // In process, one read after the other costs no wait: the statements above, in one read transaction (made once:
  // better-sqlite3 builds its wrappers at each transaction() call).
  const history = db.transaction((key: string) => {
    const messages = messagesByKey(key);
    const ids = messages.map((m) => m.id);
    return { messages, recipients: recipientsOfIds(ids), events: eventsOfIds(ids) };
  });

  return {
    async findMessages(key) {
      return messagesByKey(key);
    },
    async findHistory(key) {
      return history(key);
    },
    async recipientsOf(ids) {
      return recipientsOfIds(ids);
    },
    async eventsOf(ids) {
      return eventsOfIds(ids);
    },
    async suppressionsFor(addresses) {
      return addresses.length ? (suppressionsFor.all(JSON.stringify(addresses)) as SuppressionRow[]).map(toSuppression) : [];
    },
    async search(filters) {
      // A domain filter alone can be a big domain (walk the messages, matches come soon) or a small one
      // (start from its recipients): counted up to SPARSE_DOMAIN through recipients_by_domain_state.
      const state = filters.state === 'complained' ? undefined : filters.state;
      const sparseDomain =
        filters.domain !== undefined && filters.recipient === undefined && filters.message === undefined && filters.subject === undefined
          ? ((state !== undefined ? domainStateCount.get(filters.domain, state, SPARSE_DOMAIN) : domainCount.get(filters.domain, SPARSE_DOMAIN)) as number) <
            SPARSE_DOMAIN
          : false;
      const { sql, params } = searchSql(filters, { sparseDomain });
      return (prepared(sql).all(...params) as MessageRow[]).map(toMessage);
    },
    async subjectsOf(ids) {
      if (!ids.length) return new Map();
      return new Map((subjectsOf.all(JSON.stringify(ids)) as { id: number; subject: string }[]).map((r) => [r.id, r.subject]));
    },
    async messagesOfEvents(ids) {
      if (!ids.length) return [];
      return (messagesOfEvents.all(JSON.stringify(ids)) as { event_id: number; queue_id: string; message_id: string | null }[]).map((r) => ({
        eventId: r.event_id,
        queueId: r.queue_id,
        messageId: r.message_id,
      }));
    },
    async queueOverview() {
      const byState: Partial<Record<RecipientState, number>> = {};
      for (const r of countsByState.all() as { state: RecipientState; n: number }[]) byState[r.state] = r.n;
      const byDomain = (waitingByDomain.all() as { domain: string; state: RecipientState; n: number; oldest: number }[]).map((r) => ({
        domain: r.domain,
        state: r.state,
        count: r.n,
        oldestCreatedAt: r.oldest,
      }));
      return { byState, byDomain };
    },
    async waitingSummary(now) {
      const summary: WaitingSummary = { queued: 0, deferred: 0, leased: 0, oldestCreatedAt: null };
      for (const r of waitingSummary.all(now) as { state: 'queued' | 'deferred'; n: number; leased: number; oldest: number }[]) {
        summary[r.state] = r.n;
        summary.leased += r.leased;
        summary.oldestCreatedAt = summary.oldestCreatedAt === null ? r.oldest : Math.min(summary.oldestCreatedAt, r.oldest);
      }
      return summary;
    },
  };
}
