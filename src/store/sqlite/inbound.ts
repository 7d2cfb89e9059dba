import type { RecipientState } from '../../types.js';
import type { InboundEffectResult, InboundOutcome, InboundStore, NewInbound } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { eventWriter, INSERT_EVENT_SQL } from './events.js';
import { INBOUND_COLUMNS as COLUMNS, toInbound, toRecipient, type InboundRow, type RecipientRow } from '../rows.js';
import { INSERT_SUPPRESSION_SQL } from './suppressions.js';
import { transitionStatement } from './queue.js';
import { sqliteCursor } from './events.js';

export function sqliteInbound(db: Db): InboundStore {
  const insert = db.prepare(`INSERT INTO inbound (received_at, mail_from, rcpt_to, client_ip, size, raw) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`);
  const byId = db.prepare(`SELECT ${COLUMNS} FROM inbound WHERE id = ?`);
  const raw = db.prepare('SELECT raw FROM inbound WHERE id = ?').pluck();
  const unprocessed = db.prepare('SELECT id FROM inbound WHERE processed_at IS NULL ORDER BY id LIMIT ?').pluck();
  const unmatched = db.prepare(
    `SELECT ${COLUMNS} FROM inbound WHERE processed_at IS NOT NULL AND matched_message_id IS NULL ORDER BY received_at DESC, id DESC LIMIT ?`,
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM inbound ORDER BY id DESC LIMIT ?`);
  const forMessage = db.prepare(`SELECT ${COLUMNS} FROM inbound WHERE matched_message_id = ? ORDER BY id`);
  const resultsAfter = db.prepare(`SELECT id, processed_at, kind, matched_message_id, match_rule FROM inbound WHERE id > ? ORDER BY id LIMIT ?`);
  const resultsHead = db.prepare('SELECT COALESCE(MAX(id), 0) FROM inbound').pluck();
  const markProcessed = db.prepare(`UPDATE inbound SET kind = ?, parse = ?, matched_message_id = ?, matched_recipient_id = ?, match_rule = ?, processed_at = ?
    WHERE id = ? AND processed_at IS NULL`);
  const writer = eventWriter(db);
  const insertEvent = db.prepare(INSERT_EVENT_SQL + ' RETURNING id');
  const transition = transitionStatement(db);
  const stateOf = db.prepare('SELECT state FROM recipients WHERE id = ?').pluck();
  const insertSuppression = db.prepare(INSERT_SUPPRESSION_SQL);
  const recipientById = db.prepare('SELECT * FROM recipients WHERE id = ?');
  const latestByAddress = db.prepare(`SELECT r.* FROM recipients r JOIN messages m ON m.id = r.message_id
    WHERE r.address = ? COLLATE NOCASE AND m.created_at >= ? ORDER BY m.created_at DESC, r.id DESC LIMIT 1`);

  const commits = groupCommitFor(db);
  const record = db.transaction((o: InboundOutcome): InboundEffectResult[] => {
    const updated = markProcessed.run(
      o.kind,
      JSON.stringify(o.parse),
      o.match?.messageRowId ?? null,
      o.match?.recipientId ?? null,
      o.match?.rule ?? null,
      o.processedAt,
      o.id,
    );
    // Processed already (startup recovery and a live delivery raced): applying it twice would double the events.
    if (updated.changes === 0) return [];
    return o.effects.map((e) => {
      const eventId = (insertEvent.get(...writer.params(e.event)) as { id: number }).id;
      let stateChanged = false;
      if (e.transition) stateChanged = transition(e.event.recipientId, e.transition, o.processedAt) !== null;
      let suppressed = false;
      if (e.suppress) {
        insertSuppression.run(e.suppress.address, e.suppress.reason, e.suppress.source, eventId, o.processedAt);
        suppressed = true;
      }
      return { eventId, state: stateOf.get(e.event.recipientId) as RecipientState, stateChanged, suppressed };
    });
  });

  return {
    async receive(m: NewInbound) {
      return toInbound(
        (await commits.run(() => insert.get(m.receivedAt, m.mailFrom, JSON.stringify(m.rcptTo), m.clientIp, m.raw.length, m.raw))) as InboundRow,
      );
    },
    async get(id) {
      const r = byId.get(id) as InboundRow | undefined;
      return r ? toInbound(r) : null;
    },
    async raw(id) {
      return (raw.get(id) as Buffer | undefined) ?? null;
    },
    async forMessage(messageRowId) {
      return (forMessage.all(messageRowId) as InboundRow[]).map(toInbound);
    },
    async unprocessed(limit) {
      return unprocessed.all(limit) as number[];
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
