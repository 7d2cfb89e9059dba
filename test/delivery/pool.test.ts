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
