import type { RecipientState } from '../../types.js';
import { INBOUND_COLUMNS, toInbound, toRecipient, type InboundRow, type RecipientRow } from '../rows.js';
import type { InboundEffectResult, InboundStore } from '../store.js';
import { LOCKS, Params, type Pg } from './database.js';
import { eventWriter, insertSelect } from './event-rows.js';
import { transitionClauses } from './queue.js';
import { afterCursor, cursorColumn, feedOrder, HEAD_SQL } from './feed.js';

export function postgresInbound(db: Pg): InboundStore {
  const writer = eventWriter(db);
  return {
    async receive(m) {
      const row = await db.row<InboundRow>(
        `INSERT INTO inbound (received_at, mail_from, rcpt_to, client_ip, size, raw) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${INBOUND_COLUMNS}`,
        [m.receivedAt, m.mailFrom, JSON.stringify(m.rcptTo), m.clientIp, m.raw.length, m.raw],
      );
      return toInbound(row!);
    },
    async get(id) {
      const r = await db.row<InboundRow>(`SELECT ${INBOUND_COLUMNS} FROM inbound WHERE id = $1`, [id]);
      return r ? toInbound(r) : null;
    },
    async raw(id) {
      return (await db.row<{ raw: Buffer }>('SELECT raw FROM inbound WHERE id = $1', [id]))?.raw ?? null;
    },
    async unprocessed(limit, afterId = 0) {
      return (await db.rows<{ id: number }>('SELECT id FROM inbound WHERE processed_at IS NULL AND id > $2 ORDER BY id LIMIT $1', [limit, afterId])).map(
        (r) => r.id,
      );
    },
    async listUnmatched({ limit }) {
      const rows = await db.rows<InboundRow>(
        `SELECT ${INBOUND_COLUMNS} FROM inbound WHERE processed_at IS NOT NULL AND matched_message_id IS NULL ORDER BY received_at DESC, id DESC LIMIT $1`,
        [limit],
      );
      return rows.map(toInbound);
    },
    async list({ limit }) {
      return (await db.rows<InboundRow>(`SELECT ${INBOUND_COLUMNS} FROM inbound ORDER BY id DESC LIMIT $1`, [limit])).map(toInbound);
    },
    async forMessage(messageRowId) {
      return (await db.rows<InboundRow>(`SELECT ${INBOUND_COLUMNS} FROM inbound WHERE matched_message_id = $1 ORDER BY id`, [messageRowId])).map(toInbound);
    },
    async resultsAfter(cursor, limit) {
      const p = new Params();
      const rows = await db.rows<Pick<InboundRow, 'id' | 'processed_at' | 'kind' | 'matched_message_id' | 'match_rule'> & { feed_cursor: string }>(
        `SELECT i.id, i.processed_at, i.kind, i.matched_message_id, i.match_rule, ${cursorColumn('i')} FROM inbound i
          WHERE ${afterCursor('i', cursor, p)} ${feedOrder('i')} LIMIT ${p.add(limit)}`,
        p.values,
      );
      return rows.map((r) => ({
        id: r.id,
        cursor: r.feed_cursor,
        processed: r.processed_at !== null,
        kind: r.kind,
        matchRule: r.match_rule,
        matched: r.matched_message_id !== null,
      }));
    },
    async resultsHead() {
      return (await db.row<{ cursor: string }>(HEAD_SQL))!.cursor;
    },
    /**
     * One transaction: marking the row processed comes first and locks it, so a second record of the same
     * row (startup recovery racing a live delivery, on this node or another) waits, then finds it processed
     * and writes nothing. Each effect is then one statement: its event, its transition, its suppression.
     */
    async record(o) {
      // Encoded before the transaction: a text it shares is written on a connection of its own.
      const events = await Promise.all(o.effects.map(async (e) => (await writer.encode([e.event])).rows));
      return db.transaction(async (tx) => {
        // Two copies of one mail recorded at once (on two nodes) take turns: the second finds the first.
        let first: number | undefined;
        if (o.digest) {
          await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS.inboundDigest[0], o.digest]);
          const found = await tx.query<{ id: number }>(
            `SELECT id FROM inbound WHERE digest = $1 AND id <> $2 AND processed_at IS NOT NULL AND parse->>'duplicate_of' IS NULL ORDER BY id LIMIT 1`,
            [o.digest, o.id],
          );
          first = found.rows[0]?.id;
        }
        const marked = await tx.query(
          `UPDATE inbound SET kind = $1, parse = $2, matched_message_id = $3, matched_recipient_id = $4, match_rule = $5, processed_at = $6, digest = $8
            WHERE id = $7 AND processed_at IS NULL RETURNING id`,
          [
            o.kind,
            JSON.stringify(first === undefined ? o.parse : { ...o.parse, duplicate_of: first }),
            o.match?.messageRowId ?? null,
            o.match?.recipientId ?? null,
            o.match?.rule ?? null,
            o.processedAt,
            o.id,
            o.digest ?? null,
          ],
        );
        if (marked.rowCount === 0 || first !== undefined) return [];
        const results: InboundEffectResult[] = [];
        for (const [i, e] of o.effects.entries()) {
          const encoded = events[i]!;
          const p = new Params();
          const recipient = p.add(e.event.recipientId);
          const t = e.transition ? transitionClauses(e.transition, o.processedAt, p) : null;
          const s = e.suppress;
          const sql = `WITH ev AS (
              ${insertSelect(p, encoded)} RETURNING id
            ), changed AS (
              ${t ? `UPDATE recipients SET ${t.set} WHERE id = ${recipient} AND ${t.where} RETURNING state` : 'SELECT NULL::text AS state WHERE false'}
            ), suppressed AS (
              ${s ? `INSERT INTO suppressions (address, reason, source, event_id, created_at) SELECT ${p.add(s.address)}, ${p.add(s.reason)}, ${p.add(s.source)}, id, ${p.add(o.processedAt)} FROM ev ON CONFLICT (address) DO NOTHING RETURNING 1` : 'SELECT 1 WHERE false'}
            )
            SELECT (SELECT id FROM ev) AS event_id,
                   COALESCE((SELECT state FROM changed), (SELECT state FROM recipients WHERE id = ${recipient})) AS state,
                   EXISTS (SELECT 1 FROM changed) AS state_changed,
                   EXISTS (SELECT 1 FROM suppressed) AS suppressed`;
          const row = (await tx.query<{ event_id: number; state: RecipientState; state_changed: boolean; suppressed: boolean }>(sql, p.values)).rows[0]!;
          // Suppressed by this report: an address already on the list is not suppressed again.
          results.push({ eventId: row.event_id, state: row.state, stateChanged: row.state_changed, suppressed: row.suppressed });
        }
        return results;
      });
    },
    async recipientById(id) {
      const r = await db.row<RecipientRow>('SELECT * FROM recipients WHERE id = $1', [id]);
      return r ? toRecipient(r) : null;
    },
    async latestRecipientByAddress(address, since) {
      const r = await db.row<RecipientRow>(
        `SELECT r.* FROM recipients r JOIN messages m ON m.id = r.message_id
          WHERE lower(r.address) = lower($1) AND m.created_at >= $2 ORDER BY m.created_at DESC, r.id DESC LIMIT 1`,
        [address, since],
      );
      return r ? toRecipient(r) : null;
    },
  };
}
