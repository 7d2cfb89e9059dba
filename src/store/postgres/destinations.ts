/**
 * Destination slots and slow-downs shared by every relay on one PostgreSQL database. Taking a slot is
 * counted and written under a transaction-scoped advisory lock on the key, so two relays asking at once
 * take turns: the second counts the first's row and a receiver never sees more than the limit.
 */
import pg from 'pg';
import type { DestinationStore, SharedThrottle } from '../store.js';
import type { Pg } from './database.js';

export function postgresDestinations(db: Pg): DestinationStore {
  return {
    async acquire({ key, holder, limit, now, until, waiter }) {
      // One round trip: the three statements go as one simple query, which the server runs as one implicit
      // transaction, each statement with a snapshot of its own (so the count sees every slot committed
      // before the lock was granted). The lock is held from the first statement to the commit, and every
      // other taker of the key waits for that: were the statements sent one by one, the wait would include
      // the relay's round trips and its event loop's turns. (A simple query takes no parameters: the values
      // are quoted by the driver, the numbers written as integers.)
      // A slot is a lease that lapses on its own, so its commit need not wait for the WAL flush (local to
      // this transaction): visible to the other relays at commit all the same; a crash of the server may
      // lose the last moment's slots, so that a destination could for a while see more connections than its
      // limit, never less mail delivered.
      const [k, h] = [pg.escapeLiteral(key), pg.escapeLiteral(holder)];
      const int = (n: number) => String(Math.trunc(n));
      // A waiter is recorded when the slot was refused (no row of this holder after the insert) and
      // cleared when it was granted, in the same transaction.
      const wait = waiter
        ? `;
         DELETE FROM destination_waiters WHERE key = ${k} AND (until <= ${int(now)} OR owner = ${pg.escapeLiteral(waiter.owner)});
         INSERT INTO destination_waiters (key, owner, holding, until)
         SELECT ${k}, ${pg.escapeLiteral(waiter.owner)}, ${int(waiter.holding)}, ${int(waiter.until)}
         WHERE NOT EXISTS (SELECT 1 FROM destination_slots WHERE key = ${k} AND holder = ${h})`
        : '';
      const results = await db.statements(
        `SELECT pg_advisory_xact_lock(hashtext(${k})), set_config('synchronous_commit', 'off', true);
         DELETE FROM destination_slots WHERE key = ${k} AND until <= ${int(now)};
         INSERT INTO destination_slots (key, holder, until)
         SELECT ${k}, ${h}, ${int(until)} WHERE (SELECT COUNT(*) FROM destination_slots WHERE key = ${k} AND holder <> ${h}) < ${int(limit)}
         ON CONFLICT (key, holder) DO UPDATE SET until = excluded.until${wait}`,
      );
      return (results[2]?.rowCount ?? 0) > 0;
    },
    async waiting(owner, now) {
      const rows = await db.rows<{ key: string; relays: number; starving: boolean }>(
        `SELECT key, COUNT(*)::int AS relays, BOOL_OR(holding = 0) AS starving FROM destination_waiters
         WHERE until > $1 AND owner <> $2 GROUP BY key`,
        [now, owner],
      );
      return new Map(rows.map((r) => [r.key, { relays: r.relays, starving: r.starving }]));
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
