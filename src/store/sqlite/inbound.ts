import type { RecipientState } from '../../types.js';
import type { InboundEffectResult, InboundOutcome, InboundStore, NewInbound } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { eventWriter, INSERT_EVENT_SQL } from './events.js';
import { INBOUND_COLUMNS as COLUMNS, toInbound, toRecipient, type InboundRow, type RecipientRow } from '../rows.js';
import { INSERT_SUPPRESSION_SQL } from './suppressions.js';
import { transitionStatement } from './queue.js';
import { sqliteCursor } from './events.js';

/** Mail larger than this is written in pieces of this size, one group commit each. */
const PIECE_BYTES = 256 * 1024;
/** A partly written mail older than this was abandoned (crash, failed write): its client never heard 250. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export function sqliteInbound(db: Db): InboundStore {
  // The raw bytes live apart, in pieces (migration 010): updates of the small inbound row never rewrite
  // them, and a large mail is written a piece per group commit instead of holding one for all its bytes.
  const insert = db.prepare(`INSERT INTO inbound (received_at, mail_from, rcpt_to, client_ip, size, stored) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`);
  const insertPiece = db.prepare('INSERT INTO inbound_raw (inbound_id, seq, bytes) VALUES (?, ?, ?)');
  const markStored = db.prepare('UPDATE inbound SET stored = 1 WHERE id = ?');
  const dropPartial = db.prepare('DELETE FROM inbound WHERE id = ? AND stored = 0');
  const dropAbandoned = db.prepare('DELETE FROM inbound WHERE stored = 0 AND received_at < ?');
  const byId = db.prepare(`SELECT ${COLUMNS} FROM inbound WHERE id = ? AND stored = 1`);
  const pieces = db.prepare('SELECT bytes FROM inbound_raw WHERE inbound_id = ? ORDER BY seq').pluck();
  const unprocessed = db.prepare('SELECT id FROM inbound WHERE processed_at IS NULL AND stored = 1 AND id > ? ORDER BY id LIMIT ?').pluck();
  const unmatched = db.prepare(
    `SELECT ${COLUMNS} FROM inbound WHERE processed_at IS NOT NULL AND matched_message_id IS NULL ORDER BY received_at DESC, id DESC LIMIT ?`,
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM inbound WHERE stored = 1 ORDER BY id DESC LIMIT ?`);
  const forMessage = db.prepare(`SELECT ${COLUMNS} FROM inbound WHERE matched_message_id = ? ORDER BY id`);
  const resultsAfter = db.prepare(`SELECT id, processed_at, kind, matched_message_id, match_rule FROM inbound WHERE id > ? ORDER BY id LIMIT ?`);
  const resultsHead = db.prepare('SELECT COALESCE(MAX(id), 0) FROM inbound').pluck();
  const markProcessed =
    db.prepare(`UPDATE inbound SET kind = ?, parse = ?, matched_message_id = ?, matched_recipient_id = ?, match_rule = ?, processed_at = ?, digest = ?
    WHERE id = ? AND processed_at IS NULL`);
  const firstCopy = db
    .prepare(
      `SELECT id FROM inbound WHERE digest = ? AND id <> ? AND processed_at IS NOT NULL AND json_extract(parse, '$.duplicate_of') IS NULL ORDER BY id LIMIT 1`,
    )
    .pluck();
  const writer = eventWriter(db);
  const insertEvent = db.prepare(INSERT_EVENT_SQL + ' RETURNING id');
  const transition = transitionStatement(db);
  const stateOf = db.prepare('SELECT state FROM recipients WHERE id = ?').pluck();
  const insertSuppression = db.prepare(INSERT_SUPPRESSION_SQL);
  const recipientById = db.prepare('SELECT * FROM recipients WHERE id = ?');
  const latestByAddress = db.prepare(`SELECT r.* FROM recipients r JOIN messages m ON m.id = r.message_id
    WHERE r.address = ? COLLATE NOCASE AND m.created_at >= ? ORDER BY m.created_at DESC, r.id DESC LIMIT 1`);

  const commits = groupCommitFor(db);
  // One piece of one large mail per group commit, whatever the number of large mails arriving together:
  // the group (and the WAL flush every member waits for) carries at most one piece of bulk.
  let pieceLane: Promise<unknown> = Promise.resolve();
  const writePiece = (work: () => void): Promise<void> => {
    const done = pieceLane.then(() => commits.run(work));
    pieceLane = done.catch(() => undefined);
    return done;
  };
  const record = db.transaction((o: InboundOutcome): InboundEffectResult[] => {
    // A second copy of a mail processed already (in this transaction, so two copies cannot both apply).
    const first = o.digest ? (firstCopy.get(o.digest, o.id) as number | undefined) : undefined;
    const updated = markProcessed.run(
      o.kind,
      JSON.stringify(first === undefined ? o.parse : { ...o.parse, duplicate_of: first }),
      o.match?.messageRowId ?? null,
      o.match?.recipientId ?? null,
      o.match?.rule ?? null,
      o.processedAt,
      o.digest ?? null,
      o.id,
    );
    // Processed already (startup recovery and a live delivery raced): applying it twice would double the events.
    if (updated.changes === 0 || first !== undefined) return [];
    return o.effects.map((e) => {
      const eventId = (insertEvent.get(...writer.params(e.event)) as { id: number }).id;
      let stateChanged = false;
      if (e.transition) stateChanged = transition(e.event.recipientId, e.transition, o.processedAt) !== null;
      let suppressed = false;
      if (e.suppress) {
        // Suppressed by this report: an address already on the list is not suppressed again.
        suppressed = insertSuppression.run(e.suppress.address, e.suppress.reason, e.suppress.source, eventId, o.processedAt).changes > 0;
      }
      return { eventId, state: stateOf.get(e.event.recipientId) as RecipientState, stateChanged, suppressed };
    });
  });

  return {
    async receive(m: NewInbound) {
      const rcptTo = JSON.stringify(m.rcptTo);
      if (m.raw.length <= PIECE_BYTES) {
        return toInbound(
          await commits.run(() => {
            const r = insert.get(m.receivedAt, m.mailFrom, rcptTo, m.clientIp, m.raw.length, 1) as InboundRow;
            insertPiece.run(r.id, 0, m.raw);
            return r;
          }),
        );
      }
      // A piece per group commit: the submissions committed alongside wait for one piece, not for megabytes.
      // Nothing is acknowledged before the last commit, which marks the row stored.
      let row!: InboundRow;
      await writePiece(() => {
        dropAbandoned.run(m.receivedAt - ABANDONED_AFTER_MS);
        row = insert.get(m.receivedAt, m.mailFrom, rcptTo, m.clientIp, m.raw.length, 0) as InboundRow;
        insertPiece.run(row.id, 0, m.raw.subarray(0, PIECE_BYTES));
      });
      try {
        for (let seq = 1, at = PIECE_BYTES; at < m.raw.length; seq++, at += PIECE_BYTES) {
          const piece = m.raw.subarray(at, at + PIECE_BYTES);
          const last = at + PIECE_BYTES >= m.raw.length;
          await writePiece(() => {
            insertPiece.run(row.id, seq, piece);
            if (last) markStored.run(row.id);
          });
        }
      } catch (err) {
        // The client hears 451 and sends again; the pieces written so far would only take room.
        await commits.run(() => dropPartial.run(row.id)).catch(() => undefined);
        throw err;
      }
      return toInbound(row);
    },
    async get(id) {
      const r = byId.get(id) as InboundRow | undefined;
      return r ? toInbound(r) : null;
    },
    async raw(id) {
      if (!byId.get(id)) return null;
      const bytes = pieces.all(id) as Buffer[];
      return bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes);
    },
    async forMessage(messageRowId) {
      return (forMessage.all(messageRowId) as InboundRow[]).map(toInbound);
    },
    async unprocessed(limit, afterId = 0) {
      return unprocessed.all(afterId, limit) as number[];
    },
    async listUnmatched({ limit }) {
      return (unmatched.all(limit) as InboundRow[]).map(toInbound);
    },
    async list({ limit }) {
      return (all.all(limit) as InboundRow[]).map(toInbound);
    },
    async resultsAfter(cursor, limit) {
      const rows = resultsAfter.all(sqliteCursor(cursor), limit) as Pick<InboundRow, 'id' | 'processed_at' | 'kind' | 'matched_message_id' | 'match_rule'>[];
      return rows.map((r) => ({
        id: r.id,
        cursor: String(r.id),
        processed: r.processed_at !== null,
        kind: r.kind,
        matchRule: r.match_rule,
        matched: r.matched_message_id !== null,
      }));
    },
    async resultsHead() {
      return String(resultsHead.get() as number);
    },
    async record(o) {
      return commits.run(() => record(o));
    },
    async recipientById(id) {
      const r = recipientById.get(id) as RecipientRow | undefined;
      return r ? toRecipient(r) : null;
    },
    async latestRecipientByAddress(address, since) {
      const r = latestByAddress.get(address, since) as RecipientRow | undefined;
      return r ? toRecipient(r) : null;
    },
  };
}
