import { toSuppression, type SuppressionRow } from '../rows.js';
import type { SuppressionStore } from '../store.js';
import type { Pg } from './database.js';

export function postgresSuppressions(db: Pg): SuppressionStore {
  return {
    async add(e) {
      // ON CONFLICT DO NOTHING: the first reason recorded stays. The entry as it is now is read in the same
      // statement: the inserted row, or else the one that was there (invisible to the INSERT's RETURNING).
      const rows = await db.rows<SuppressionRow & { created: boolean }>(
        `WITH added AS (
            INSERT INTO suppressions (address, reason, source, event_id, created_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (address) DO NOTHING RETURNING *
          )
          SELECT true AS created, * FROM added
          UNION ALL
          SELECT false, * FROM suppressions WHERE address = $1 AND NOT EXISTS (SELECT 1 FROM added)`,
        [e.address, e.reason, e.source, e.eventId ?? null, e.createdAt],
      );
      const row = rows[0];
      if (row) return { created: row.created, suppression: toSuppression(row) };
      // Another node added it concurrently, after this statement's snapshot: read it now.
      const existing = await db.row<SuppressionRow>('SELECT * FROM suppressions WHERE address = $1', [e.address]);
      return { created: false, suppression: toSuppression(existing!) };
    },
    async remove(address) {
      return (await db.rows('DELETE FROM suppressions WHERE address = $1 RETURNING address', [address])).length > 0;
    },
    async get(address) {
      const r = await db.row<SuppressionRow>('SELECT * FROM suppressions WHERE address = $1', [address]);
      return r ? toSuppression(r) : null;
    },
    async list(opts = {}) {
      // strpos, not LIKE: the text is matched as given (a `_` or `%` in it is itself). A scan of the list.
      const a = opts.after;
      const rows = await db.rows<SuppressionRow>(
        `SELECT * FROM suppressions WHERE ($1::text IS NULL OR strpos(address, $1) > 0)
           AND ($4::bigint IS NULL OR created_at < $4 OR (created_at = $4 AND address > $5))
         ORDER BY created_at DESC, address LIMIT $2 OFFSET $3`,
        [opts.contains || null, opts.limit ?? null, a ? 0 : (opts.offset ?? 0), a?.createdAt ?? null, a?.address ?? null],
      );
      return rows.map(toSuppression);
    },
    async listed(addresses) {
      if (!addresses.length) return [];
      return (await db.rows<{ address: string }>('SELECT address FROM suppressions WHERE address = ANY($1::text[])', [addresses])).map((r) => r.address);
    },
    async count() {
      return (await db.row<{ n: number }>('SELECT COUNT(*) AS n FROM suppressions'))!.n;
    },
  };
}
