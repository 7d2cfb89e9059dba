/** Destination slots and slow-downs: counted per key up to a limit, freed by release or by time. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T0, useStore, type OpenStore } from './support.js';

export function destinationsContract(open: OpenStore): void {
  describe('destination slots and slow-downs', () => {
    const s = useStore(open);
    const take = (key: string, holder: string, limit = 2, now = T0, until = T0 + 1_000) => s.store.destinations.acquire({ key, holder, limit, now, until });

    test('slots of a key are taken up to the limit; another key is counted apart; a release frees one', async () => {
      assert.equal(await take('host:192.0.2.1', 'r1:h1'), true);
      assert.equal(await take('host:192.0.2.1', 'r1:h2'), true);
      assert.equal(await take('host:192.0.2.1', 'r2:h1'), false, 'the third is over the limit of 2');
      assert.equal(await take('host:192.0.2.2', 'r2:h2'), true, 'another address');
      assert.equal(await take('host:192.0.2.1', 'r1:h2'), true, 'a holder asking again keeps its slot');
      await s.store.destinations.release('r1:h1');
      assert.equal(await take('host:192.0.2.1', 'r2:h1'), true);
      await s.store.destinations.release('nobody');
    });

    test('takers asking at once (on as many connections as the store has) get no more slots than the limit; a quoted name is a name', async () => {
      const holders = Array.from({ length: 24 }, (_, i) => `r${i % 3}:d${i}`);
      const got = await Promise.all(holders.map((h) => take("domain:o'brien.test", h, 5)));
      assert.equal(got.filter(Boolean).length, 5);
      assert.equal(await take("domain:o'brien.test", "x'); DELETE FROM destination_slots; --", 6), true, 'the sixth of a limit of 6');
      assert.equal(await take("domain:o'brien.test", 'late', 6), false, 'and the rows are still there');
    });

    test("a slot not renewed frees itself when its time runs out; a renewal by prefix keeps a relay's slots", async () => {
      assert.equal(await take('domain:a.test', 'dead:d1', 1, T0, T0 + 100), true);
      assert.equal(await take('domain:a.test', 'live:d1', 1, T0 + 99, T0 + 200), false);
      assert.equal(await take('domain:a.test', 'live:d1', 1, T0 + 100, T0 + 200), true, "the dead relay's slot ran out");
      await s.store.destinations.renew('live:', T0 + 10_000);
      assert.equal(await take('domain:a.test', 'other:d1', 1, T0 + 5_000, T0 + 6_000), false, 'renewed: still held');
      await s.store.destinations.renew('liv', T0); // a prefix of the name, not of the relay: harmless here
    });

    test('a refused taker is recorded as waiting (for the other relays, until its time runs out); a grant clears it', async () => {
      const d = s.store.destinations;
      const ask = (holder: string, owner: string, holding: number, now = T0) =>
        d.acquire({ key: 'host:192.0.2.9', holder, limit: 1, now, until: now + 30_000, waiter: { owner, holding, until: now + 3_000 } });
      assert.equal(await ask('a:h1', 'a', 0), true);
      assert.deepEqual([...(await d.waiting('b', T0))], [], 'nobody waits yet');
      assert.equal(await ask('b:h1', 'b', 0), false);
      assert.equal(await ask('c:h1', 'c', 2, T0 + 10), false);
      assert.deepEqual(await d.waiting('a', T0 + 100), new Map([['host:192.0.2.9', { relays: 2, starving: true }]]), 'b holds none: starving');
      assert.deepEqual(await d.waiting('b', T0 + 100), new Map([['host:192.0.2.9', { relays: 1, starving: false }]]), "a relay's own record is left out");
      assert.deepEqual([...(await d.waiting('a', T0 + 3_000))], [['host:192.0.2.9', { relays: 1, starving: false }]], "b's record ran out first");
      await d.release('a:h1');
      assert.equal(await ask('b:h1', 'b', 0, T0 + 200), true);
      assert.deepEqual(await d.waiting('a', T0 + 300), new Map([['host:192.0.2.9', { relays: 1, starving: false }]]), "b's grant cleared b's record only");
    });

    test('slow-downs: recorded, read while in force, cleared', async () => {
      await s.store.destinations.setThrottle('slow.test', { limit: 1, level: 2, pausedUntil: T0 + 60_000 }, T0);
      await s.store.destinations.setThrottle('fine.test', { limit: 4, level: 0, pausedUntil: T0 - 1 }, T0);
      assert.deepEqual(await s.store.destinations.throttles(T0), [{ domain: 'slow.test', limit: 1, level: 2, pausedUntil: T0 + 60_000 }]);
      await s.store.destinations.setThrottle('slow.test', { limit: 2, level: 1, pausedUntil: T0 }, T0 + 70_000);
      assert.deepEqual(
        await s.store.destinations.throttles(T0 + 70_000),
        [{ domain: 'slow.test', limit: 2, level: 1, pausedUntil: T0 }],
        'a lowered limit stays in force after the pause',
      );
      await s.store.destinations.setThrottle('slow.test', null, T0 + 80_000);
      assert.deepEqual(await s.store.destinations.throttles(T0 + 80_000), []);
    });
  });
}
