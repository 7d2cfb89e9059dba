import type { SuppressionRecord, SuppressionStore } from '../store.js';
import { toSuppression, type SuppressionRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { readBatchFor } from './read-batch.js';

/** ON CONFLICT DO NOTHING: the first reason recorded stays (a later complaint does not rewrite a hard bounce). */
export const INSERT_SUPPRESSION_SQL =
  'INSERT INTO suppressions (address, reason, source, event_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING';

export function sqliteSuppressions(db: Db): SuppressionStore {
  const insert = db.prepare(INSERT_SUPPRESSION_SQL);
  const byAddress = db.prepare('SELECT * FROM suppressions WHERE address = ?');
  const listed = db.prepare('SELECT address FROM suppressions WHERE address IN (SELECT value FROM json_each(?))').pluck();
  // Most messages have one recipient: a key lookup, without building a JSON array and a json_each table.
  const listedOne = db.prepare('SELECT address FROM suppressions WHERE address = ?').pluck();
  const del = db.prepare('DELETE FROM suppressions WHERE address = ?');
  const page = db.prepare('SELECT * FROM suppressions ORDER BY created_at DESC, address LIMIT ? OFFSET ?');
  // After a position: later in "created_at DESC, address" order.
  const pageAfter = db.prepare(
    `SELECT * FROM suppressions WHERE (? IS NULL OR instr(address, ?) > 0) AND (created_at < ? OR (created_at = ? AND address > ?))
      ORDER BY created_at DESC, address LIMIT ?`,
  );
  // A scan of the list (addresses only, no index helps a substring); the list is small next to the history.
  const matching = db.prepare('SELECT * FROM suppressions WHERE instr(address, ?) > 0 ORDER BY created_at DESC, address LIMIT ? OFFSET ?');
  const count = db.prepare('SELECT COUNT(*) FROM suppressions').pluck();
  const commits = groupCommitFor(db);
  // The submissions whose DATA ended in one turn are checked in one read transaction (read-batch.ts).
  const reads = readBatchFor(db);
  const add = db.transaction((e: { address: string; reason: string; source: SuppressionRecord['source']; eventId?: number | null; createdAt: number }) => {
    const created = insert.run(e.address, e.reason, e.source, e.eventId ?? null, e.createdAt).changes > 0;
    return { created, suppression: toSuppression(byAddress.get(e.address) as SuppressionRow) };
  });
  return {
    async add(e) {
      return commits.run(() => add(e));
    },
    async remove(address) {
      return (await commits.run(() => del.run(address))).changes > 0;
    },
    async get(address) {
      const r = byAddress.get(address) as SuppressionRow | undefined;
      return r ? toSuppression(r) : null;
    },
    async list(opts = {}) {
      const contains = opts.contains;
      const a = opts.after;
      if (a)
        return (pageAfter.all(contains ?? null, contains ?? null, a.createdAt, a.createdAt, a.address, opts.limit ?? -1) as SuppressionRow[]).map(
          toSuppression,
        );
      const rows = contains ? matching.all(contains, opts.limit ?? -1, opts.offset ?? 0) : page.all(opts.limit ?? -1, opts.offset ?? 0);
      return (rows as SuppressionRow[]).map(toSuppression);
    },
    async listed(addresses) {
      if (addresses.length === 1) return reads.run(() => listedOne.all(addresses[0]) as string[]);
      return addresses.length ? reads.run(() => listed.all(JSON.stringify(addresses)) as string[]) : [];
    },
    async count() {
      return count.get() as number;
    },
  };
}
