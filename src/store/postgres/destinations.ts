/**
 * Destination slots and slow-downs shared by every relay on one PostgreSQL database. Taking a slot is
 * counted and written under a transaction-scoped advisory lock on the key, so two relays asking at once
 * take turns: the second counts the first's row and a receiver never sees more than the limit.
 */
import type { DestinationStore, SharedThrottle } from '../store.js';
import type { Pg } from './database.js';

export function postgresDestinations(db: Pg): DestinationStore {
  return {
    async acquire({ key, holder, limit, now, until }) {
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
        await tx.query('DELETE FROM destination_slots WHERE key = $1 AND until <= $2', [key, now]);
        const taken = await tx.query(
          `INSERT INTO destination_slots (key, holder, until)
           SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM destination_slots WHERE key = $1 AND holder <> $2) < $4
           ON CONFLICT (key, holder) DO UPDATE SET until = excluded.until`,
          [key, holder, until, limit],
        );
        return (taken.rowCount ?? 0) > 0;
      });
    },
    async release(holder) {
      await db.rows('DELETE FROM destination_slots WHERE holder = $1', [holder]);
    },
    async renew(prefix, until) {
      // LIKE with the prefix escaped: an owner name is free text.
      await db.rows(`UPDATE destination_slots SET until = $2 WHERE holder LIKE $1 ESCAPE '\\'`, [prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%', until]);
    },
    async throttles(now) {
      const rows = await db.rows<{ domain: string; conn_limit: number; level: number; paused_until: number }>(
        'SELECT domain, conn_limit, level, paused_until FROM destination_throttles WHERE paused_until > $1 OR level > 0',
        [now],
      );
      return rows.map((r): SharedThrottle => ({ domain: r.domain, limit: r.conn_limit, level: r.level, pausedUntil: r.paused_until }));
    },
    async setThrottle(domain, state, now) {
      if (!state) {
        await db.rows('DELETE FROM destination_throttles WHERE domain = $1', [domain]);
        return;
      }
      await db.rows(
        `INSERT INTO destination_throttles (domain, conn_limit, level, paused_until, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (domain) DO UPDATE SET conn_limit = excluded.conn_limit, level = excluded.level, paused_until = excluded.paused_until, updated_at = excluded.updated_at`,
        [domain, state.limit, state.level, state.pausedUntil, now],
      );
    },
  };
}
