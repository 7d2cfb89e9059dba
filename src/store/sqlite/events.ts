import type { EventRecord, NewEvent } from '../../types.js';
import type { EventStore } from '../store.js';
import type { Db } from './database.js';
import { toEvent, type EventRow } from './rows.js';

const COLUMNS = 'at, message_id, recipient_id, kind, attempt, phase, code, enhanced, text, remote_host, remote_ip, duration_ms, detail';

/** Positional parameters for one event insert, in COLUMNS order. */
export function eventParams(e: NewEvent): unknown[] {
  return [
    e.at,
    e.messageId,
    e.recipientId ?? null,
    e.kind,
    e.attempt ?? null,
    e.phase ?? null,
    e.code ?? null,
    e.enhanced ?? null,
    e.text ?? null,
    e.remoteHost ?? null,
    e.remoteIp ?? null,
    e.durationMs ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
  ];
}

export const INSERT_EVENT_SQL = `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function sqliteEvents(db: Db): EventStore {
  const insert = db.prepare(INSERT_EVENT_SQL + ' RETURNING *');
  const insertPlain = db.prepare(INSERT_EVENT_SQL);
  const forMessage = db.prepare('SELECT * FROM events WHERE message_id = ? ORDER BY id');
  const insertMany = db.transaction((events: NewEvent[]) => {
    for (const e of events) insertPlain.run(...eventParams(e));
  });
  return {
    async append(e): Promise<EventRecord> {
      return toEvent(insert.get(...eventParams(e)) as EventRow);
    },
    async appendMany(events) {
      if (events.length) insertMany(events);
    },
    async forMessage(messageId) {
      return (forMessage.all(messageId) as EventRow[]).map(toEvent);
    },
  };
}
