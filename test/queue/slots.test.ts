/**
 * The scheduler's slots (src/queue/slots.ts): a job waiting for DNS or for a busy address lends its global
 * slot back; it takes one again before any job not yet started; jobs lent at once are bounded; while a job of
 * a domain waits for DNS, no other job of that domain starts or is claimed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
