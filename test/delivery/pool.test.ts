/**
 * The pool's lowered limit (`cap`), which a relay sharing an address with other relays applies for a
 * while: connections over it are closed (idle ones at once, busy ones when their session ends) instead of
 * being kept or handed on, its sessions wait for the connections left, and they get slots again when the
 * cap runs out. Pure bookkeeping: the connections are stand-ins that only know whether they are closed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionPool, type Lease } from '../../src/delivery/pool.js';
import type { SmtpClient } from '../../src/delivery/smtp-client.js';

function connection(): SmtpClient {
  return { closed: false } as unknown as SmtpClient;
}

function poolOf(maxPerHost: number) {
  const closed: SmtpClient[] = [];
  const pool = new ConnectionPool({
    idleMs: 60_000,
    maxPerHost,
    close: async (c) => {
      (c as { closed: boolean }).closed = true;
      closed.push(c);
    },
  });
  return { pool, closed };
}

const IP = '192.0.2.1';
const tick = () => new Promise((r) => setImmediate(r));

async function lease(pool: ConnectionPool, timeoutMs = 5_000): Promise<Lease> {
  const got = await pool.acquire(IP, 'k', { timeoutMs });
  assert.ok(got.ok, 'a slot');
  return got.lease;
}

test('a cap closes idle connections over it at once and busy ones when their session ends; nobody is handed a slot over it', async () => {
  const { pool, closed } = poolOf(4);
  const leases = [await lease(pool), await lease(pool), await lease(pool), await lease(pool)];
  const clients = leases.map(() => connection());
  pool.release(leases[0]!, { client: clients[0]!, key: 'k' }); // idle
  pool.release(leases[1]!, { client: clients[1]!, key: 'k' }); // idle
  assert.equal(pool.open(IP), 4);

  pool.cap(IP, 1, 60_000);
  await tick();
  assert.deepEqual(closed, [clients[0], clients[1]], 'both idle connections closed');
  assert.equal(pool.open(IP), 2, 'the two busy ones still count');

  const waiting = pool.acquire(IP, 'k', { timeoutMs: 5_000 });
  pool.release(leases[2]!, { client: clients[2]!, key: 'k' });
  await tick();
  assert.equal(clients[2]!.closed, true, 'over the cap: closed, not kept nor handed to the waiter');
  assert.equal(pool.open(IP), 1);

  pool.release(leases[3]!, { client: clients[3]!, key: 'k' });
  const got = await waiting;
  assert.ok(got.ok);
  assert.equal(got.lease.client, clients[3], 'at the cap: the connection is handed on to the waiter');
  assert.equal(pool.open(IP), 1);
});

test('when a cap runs out, waiting sessions get the slots under the limit again', async () => {
  const { pool } = poolOf(3);
  const first = await lease(pool);
  pool.cap(IP, 1, 50);
  const a = pool.acquire(IP, 'k', { timeoutMs: 5_000 });
  const b = pool.acquire(IP, 'k', { timeoutMs: 5_000 });
  const c = pool.acquire(IP, 'k', { timeoutMs: 5_000 });
  await tick();
  assert.equal(pool.open(IP), 1, 'capped: the sessions wait');
  const [ga, gb] = await Promise.all([a, b]);
  assert.ok(ga.ok && gb.ok && ga.lease.client === null && gb.lease.client === null, 'two new slots when the cap ran out');
  assert.equal(pool.open(IP), 3);
  pool.release(first);
  const gc = await c;
  assert.ok(gc.ok, 'the third waiter gets the slot given back');
});

test('the lowest cap in force wins; a higher one does not lift it', async () => {
  const { pool } = poolOf(5);
  pool.cap(IP, 1, 60_000);
  pool.cap(IP, 3, 60_000);
  await lease(pool);
  const second = await pool.acquire(IP, 'k', { timeoutMs: 30 });
  assert.equal(second.ok, false, 'still capped at 1');
});

test('a wait for a slot ends when the relay is stopping, as its own reason; a stopped relay waits for nothing', async () => {
  const { pool } = poolOf(1);
  const held = await lease(pool);
  const stopping = new AbortController();
  const waiting = pool.acquire(IP, 'k', { timeoutMs: 5_000, stopping: stopping.signal });
  await tick();
  stopping.abort();
  const got = await waiting;
  assert.deepEqual(got.ok ? 'granted' : got.reason, 'stopping');
  assert.deepEqual(await pool.acquire(IP, 'k', { timeoutMs: 5_000, stopping: stopping.signal }).then((g) => (g.ok ? 'granted' : g.reason)), 'stopping');
  pool.release(held);
  assert.equal(pool.open(IP), 0, 'the slot the waiter never got is not counted');
});

test('behind an address none of whose sessions ends, as many wait as its limit; one more is turned away, and one already queued leaves', async () => {
  const { pool } = poolOf(2);
  const held = [await lease(pool), await lease(pool)];
  const near: boolean[] = [];
  const onWait = (n: boolean) => near.push(n);
  // The address is new and moving: a third and fourth wait (the first `limit` near the front), a fifth too.
  const waiting = [1, 2, 3].map(() => pool.acquire(IP, 'k', { timeoutMs: 10_000, onWait }));
  assert.deepEqual(near, [true, true, false]);
  // No session ends for a second: the waiter beyond the limit leaves, and a newcomer is turned away at once.
  const third = await waiting[2]!;
  assert.equal(third.ok, false);
  assert.equal(!third.ok && third.reason, 'busy');
  assert.ok(third.waitedMs >= 1_000 && third.waitedMs < 2_000, `left after ${third.waitedMs} ms`);
  const late = await pool.acquire(IP, 'k', { timeoutMs: 10_000 });
  assert.equal(!late.ok && late.reason, 'busy');
  assert.equal(late.waitedMs, 0);
  // A session ends: the address moves again; the near waiters get the slots in order.
  pool.release(held[0]!);
  pool.release(held[1]!);
  const [first, second] = await Promise.all(waiting.slice(0, 2));
  assert.ok(first!.ok && second!.ok);
  const queued = pool.acquire(IP, 'k', { timeoutMs: 10_000 });
  const more = pool.acquire(IP, 'k', { timeoutMs: 10_000 });
  const moreStill = pool.acquire(IP, 'k', { timeoutMs: 200 });
  const beyond = await moreStill;
  assert.equal(!beyond.ok && beyond.reason, 'limit', 'a session ended just now: a waiter beyond the limit may wait its time');
  pool.release(first!.lease);
  pool.release(second!.lease);
  for (const got of await Promise.all([queued, more])) {
    assert.ok(got.ok);
    pool.release(got.lease);
  }
  assert.equal(pool.open(IP), 0);
});
