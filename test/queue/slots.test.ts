/**
 * The scheduler's slots (src/queue/slots.ts): a job waiting for DNS or for a busy address lends its global
 * slot back; it takes one again before any job not yet started; jobs lent at once are bounded; while a job of
 * a domain waits for DNS, no other job of that domain starts or is claimed; a job waiting with its slot offers it
 * to a lent job that needs one back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionPool } from '../../src/delivery/pool.js';
import { DomainSlots } from '../../src/queue/slots.js';
import type { ThrottlePolicy } from '../../src/queue/throttle.js';

const policy: ThrottlePolicy = { maxConcurrency: 5, basePauseMs: 1_000, maxPauseMs: 60_000, successesToEase: 5 };

test('a lent slot starts another job; taken back, it comes before jobs not yet started', async () => {
  const slots = new DomainSlots(2, policy, 4);
  const lentTo: string[] = [];
  slots.onLent = (domain, reason) => lentTo.push(`${domain} ${reason}`);
  const a = slots.take('a.test');
  const b = slots.take('b.test');
  assert.equal(slots.free, 0);
  assert.equal(slots.mayStart('c.test', 0), false);

  assert.equal(a.lend('address'), true);
  assert.deepEqual(lentTo, ['a.test address']);
  assert.equal(slots.free, 1, 'the lent slot is free for another job');
  assert.equal(slots.lent, 1);
  const c = slots.take('c.test');
  assert.equal(slots.free, 0);

  // a wants its slot back: it waits, and is first in line ahead of any new job.
  let back = false;
  const reclaimed = a.reclaim().then((ok) => (back = ok));
  await new Promise((r) => setImmediate(r));
  assert.equal(back, false, 'every slot is in use: a waits');
  b.release();
  assert.equal(slots.free, 0, 'the freed slot went to a, not to a new job');
  assert.equal(slots.mayStart('d.test', 0), false);
  await reclaimed;
  assert.equal(back, true);
  assert.equal(slots.lent, 0);
  a.release();
  c.release();
  assert.equal(slots.free, 2);
  assert.equal(slots.inUse, 0);
});

test('at most maxLent jobs are lent at once; past it a job keeps its slot', () => {
  const slots = new DomainSlots(3, policy, 2);
  const holds = [slots.take('a.test'), slots.take('b.test'), slots.take('c.test')];
  assert.equal(holds[0]!.lend('address'), true);
  assert.equal(holds[1]!.lend('address'), true);
  assert.equal(holds[2]!.lend('address'), false, 'the bound is reached');
  assert.equal(slots.free, 2);
  assert.equal(holds[0]!.lend('address'), false, 'a lent job cannot lend twice');
  for (const h of holds) h.release();
  assert.equal(slots.free, 3);
  assert.equal(slots.lent, 0);
});

test('while a job of a domain waits for DNS, no other job of the domain starts or is claimed; a stop ends a wait for the slot', async () => {
  const slots = new DomainSlots(1, policy, 4);
  const a = slots.take('slow.test');
  assert.equal(a.lend('dns'), true);
  assert.equal(slots.mayStart('slow.test', 0), false, 'its answer is on its way: the next job would wait for it');
  assert.equal(slots.mayStart('other.test', 0), true);
  assert.deepEqual(slots.excluded(0, new Map()), ['slow.test']);
  const other = slots.take('other.test');
  const stop = new AbortController();
  const reclaimed = a.reclaim(stop.signal);
  stop.abort();
  assert.equal(await reclaimed, false, 'the relay stopping: no slot, the job goes back');
  assert.deepEqual(slots.excluded(0, new Map()), ['slow.test'], 'still lent until given back');
  a.release();
  assert.deepEqual(slots.excluded(0, new Map()), []);
  other.release();
  assert.equal(slots.free, 1);
  assert.equal(slots.lent, 0);
});

test("a job waiting for an address with its slot offers it: a lent job holding that address's connection takes it, and neither waits out a timeout", {
  timeout: 5_000,
}, async () => {
  // One delivery slot, one connection per address. Job a lent its slot while its connection waited for a
  // greeting (a slow server); job b took the slot and now waits for the address's only connection, a's.
  const slots = new DomainSlots(1, policy, 1); // room for one lent job, a: b keeps its slot while it waits
  const pool = new ConnectionPool({ idleMs: 1_000, maxPerHost: 1, close: async () => {} });
  const a = slots.take('a.test');
  const aLease = await pool.acquire('192.0.2.1', 'k', { timeoutMs: 0 });
  assert.ok(aLease.ok);
  assert.equal(a.lend('address'), true);
  const b = slots.take('a.test');
  let bOffered = false;
  const bWait = pool.acquire('192.0.2.1', 'k', {
    timeoutMs: 30_000,
    onWait: (near) => {
      assert.equal(b.lend('address'), false, 'no room to lend');
      b.offer();
      bOffered = near;
    },
  });
  assert.ok(bOffered);

  // The server greets a: it wants its slot back. b's offered slot passes to it at once.
  const t = Date.now();
  assert.equal(await a.reclaim(), true);
  assert.ok(Date.now() - t < 1_000, 'a did not wait for b');
  assert.equal(slots.lent, 1, 'b is lent now, one for one');
  assert.equal(slots.free, 0, 'no new job starts on the exchange');

  // a ends its transaction: its connection goes to b, which takes the slot back once a gives it up.
  pool.release(aLease.lease);
  const got = await bWait;
  assert.ok(got.ok);
  let bBack = false;
  const bReclaim = b.reclaim().then((ok) => (bBack = ok));
  await new Promise((r) => setImmediate(r));
  assert.equal(bBack, false, 'a still holds the slot');
  a.release();
  await bReclaim;
  assert.equal(bBack, true);
  assert.equal(slots.lent, 0);
  b.release();
  assert.equal(slots.free, 1);
});

test('an offer withdrawn (the wait ended, the job ended) is not taken', { timeout: 5_000 }, async () => {
  const slots = new DomainSlots(1, policy, 1);
  const a = slots.take('a.test');
  assert.equal(a.lend('dns'), true);
  const b = slots.take('b.test');
  b.offer();
  assert.equal(await b.reclaim(), true, "nobody took it: the slot is still b's");
  let aBack = false;
  const aReclaim = a.reclaim().then((ok) => (aBack = ok));
  await new Promise((r) => setImmediate(r));
  assert.equal(aBack, false, 'b withdrew its offer: a waits for the slot');
  b.release();
  await aReclaim;
  assert.equal(aBack, true);
  a.release();
  assert.equal(slots.free, 1);
  assert.equal(slots.lent, 0);
});
