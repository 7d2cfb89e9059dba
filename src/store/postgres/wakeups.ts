/**
 * Wake-ups across relays on PostgreSQL: LISTEN/NOTIFY on one channel of the database.
 *
 * Sending (`signal`): after a write that made mail due has committed, the store that wrote it sends a
 * NOTIFY in a transaction of its own, never inside the write. PostgreSQL serializes the commits of
 * transactions that NOTIFY (a lock held through the commit's WAL flush, for the whole server): inside
 * intake's transaction it would take group commit away from every submission. The NOTIFY's own
 * transaction commits asynchronously (it carries nothing that must survive a crash), so it holds that
 * lock for microseconds. A burst of writes is told in one notification, at most one per `GAP_MS` per pool.
 *
 * Listening (`subscribe`): a connection of its own, outside the pool (a pooled connection is handed to
 * other work between statements and would miss what arrives meanwhile), named `mailtrail wake-ups` in
 * pg_stat_activity. When it drops it is opened again with exponential backoff; notifications sent while
 * it was down are lost (PostgreSQL keeps them only for sessions listening at the time), so the subscriber
 * is woken once on its return.
 */
import pg from 'pg';
import type { WakeupHandlers, WakeupStore, WakeupSubscription } from '../store.js';
import type { Pg } from './database.js';

/** Per database (NOTIFY does not cross databases): relays of another database on the same server are not woken. */
const CHANNEL = 'mailtrail_due';
/** The listening connection's name in pg_stat_activity. */
export const WAKEUPS_APPLICATION_NAME = 'mailtrail wake-ups';
/** At most one NOTIFY per this long per pool: a burst of intake commits wakes the other relays once, not per message. */
const GAP_MS = 25;
/** Reconnecting the listener: the first try after about this long, doubling up to `BACKOFF_MAX_MS` (with jitter). */
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 15_000;

// set_config(…, true) lasts until this statement's transaction ends, so it is this commit that does not wait for its flush.
const NOTIFY_SQL = `SELECT set_config('synchronous_commit', 'off', true), pg_notify('${CHANNEL}', '')`;

export interface PgWakeups extends WakeupStore {
  /**
   * Mail is due (a write that made it so has committed): tell the listening relays. Returns at once; the
   * NOTIFY follows (coalesced with others) and a failure to send it is ignored — listeners poll anyway.
   */
  signal(): void;
  /** Ends every subscription, waits for a NOTIFY in flight and sends no more (before the pool closes). */
  close(): Promise<void>;
}

export function postgresWakeups(db: Pg, url: string): PgWakeups {
  let sending: Promise<void> | null = null;
  let again = false;
  let closed = false;
  const subscriptions = new Set<WakeupSubscription>();

  async function send(): Promise<void> {
    do {
      again = false;
      await db.rows(NOTIFY_SQL).catch(() => {});
      await new Promise((r) => setTimeout(r, GAP_MS));
    } while (again && !closed);
    sending = null;
  }

  return {
    signal() {
      if (closed) return;
      if (sending) again = true;
      else sending = send();
    },
    async close() {
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.close()));
      await sending;
    },
    subscribe(handlers) {
      const subscription = listen(url, handlers);
      subscriptions.add(subscription);
      return {
        async close() {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    },
  };
}

function listen(url: string, h: WakeupHandlers): WakeupSubscription {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  /** When listening stopped; null while listening (or before the first connection). */
  let downSince: number | null = null;
  let failures = 0;

  async function open(): Promise<void> {
    retry = null;
    const c = new pg.Client({ connectionString: url, application_name: WAKEUPS_APPLICATION_NAME, keepAlive: true, connectionTimeoutMillis: 10_000 });
    client = c;
    c.on('notification', () => h.wake());
    c.on('error', (err) => dropped(c, err));
    c.on('end', () => dropped(c, new Error('the server closed the connection')));
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      return dropped(c, err as Error);
    }
    if (client !== c || downSince === null) return;
    const downMs = Date.now() - downSince;
    downSince = null;
    failures = 0;
    h.resumed?.({ downMs });
    h.wake();
  }

  /** The connection `c` failed (once reported; its later errors and end are the same failure). */
  function dropped(c: pg.Client, err: Error): void {
    if (client !== c) return;
    client = null;
    void c.end().catch(() => {});
    if (closed) return;
    if (downSince === null) {
      downSince = Date.now();
      h.lost?.(err);
    }
    // Jittered, so that the relays of a database that restarted do not all reconnect in the same instant.
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures++) * (0.5 + Math.random() / 2);
    retry = setTimeout(() => void open(), delay);
  }

  void open();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      // Bounded: ending a connection whose peer vanished waits for a reply that never comes.
      if (c) await Promise.race([c.end().catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}
