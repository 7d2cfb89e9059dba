/**
 * Feed cursors on PostgreSQL. Several transactions write at once, and a row's id (from a sequence) says
 * when it was inserted, not when it committed: a follower reading "ids above my cursor" could pass an id
 * whose transaction commits a moment later, and never see it. So every feed row carries the id of the
 * transaction that wrote it (`txid`, xid8), and followers read in (txid, id) order, and only rows written
 * by transactions older than the oldest one still running (`pg_snapshot_xmin` of the statement's
 * snapshot): those have all ended, and every row still to come sorts after them. Gap-free, at the cost of
 * waiting for a long transaction to end before the rows behind it are read.
 *
 * A cursor is `txid:id`; anything else (a cursor from the SQLite backend) reads from the beginning.
 */
import type { Params } from './database.js';

/** The feed condition for rows after `cursor` of table alias `t`. */
export function afterCursor(t: string, cursor: string, p: Params): string {
  const m = /^(\d+):(\d+)$/.exec(cursor);
  const [txid, id] = m ? [m[1]!, m[2]!] : ['0', '0'];
  return `(${t}.txid, ${t}.id) > (${p.add(txid)}::xid8, ${p.add(id)}::bigint) AND ${t}.txid < pg_snapshot_xmin(pg_current_snapshot())`;
}

/** The order and the cursor column of the feed, for table alias `t`. */
export const feedOrder = (t: string) => `ORDER BY ${t}.txid, ${t}.id`;
export const cursorColumn = (t: string) => `${t}.txid::text || ':' || ${t}.id AS feed_cursor`;

/**
 * The head: everything written by transactions that have ended sorts before it, anything still running
 * or to come after (the transaction id just below the oldest running one, and the largest id).
 */
export const HEAD_SQL = `SELECT ((pg_snapshot_xmin(pg_current_snapshot())::text::numeric - 1)::text || ':9223372036854775807') AS cursor`;
