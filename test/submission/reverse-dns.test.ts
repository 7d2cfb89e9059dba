/**
 * The client-name cache of submission (src/submission/reverse-dns.ts): one PTR lookup per address and
 * minute, failures included; lookups under way are shared; the oldest address goes first when full.
 * And on a real listener the cached name reaches the Received header.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedReverse } from '../../src/submission/reverse-dns.js';
import { loggedIn, message, send, startHarness, storedMessages } from './harness.js';

function fakeDns(answers: Record<string, string[] | null>) {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const lookup = (ip: string, cb: (err: Error | null, hostnames?: string[]) => void) => {
    calls.push(ip);
    pending.push(() => (answers[ip] ? cb(null, answers[ip]!) : cb(Object.assign(new Error(`getHostByAddr ENOTFOUND ${ip}`), { code: 'ENOTFOUND' }))));
  };
  return { calls, lookup, answerAll: () => pending.splice(0).forEach((p) => p()) };
}

const ask = (r: ReturnType<typeof cachedReverse>, ip: string) =>
  new Promise<string[] | string>((resolve) => r.reverse(ip, (err, names) => resolve(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : names!)));

test('an answer and a failure are each looked up once per address within the TTL, then again', async () => {
  let now = 1_000;
  const dns = fakeDns({ '192.0.2.1': ['app1.example.net'], '192.0.2.2': null });
  const r = cachedReverse({ ttlMs: 60_000, maxEntries: 10, lookup: dns.lookup, now: () => now });
  const first = [ask(r, '192.0.2.1'), ask(r, '192.0.2.1'), ask(r, '192.0.2.2')];
  dns.answerAll();
  assert.deepEqual(await Promise.all(first), [['app1.example.net'], ['app1.example.net'], 'ENOTFOUND']);
  assert.deepEqual(dns.calls, ['192.0.2.1', '192.0.2.2'], 'the lookup under way was shared');
  assert.deepEqual(await ask(r, '192.0.2.1'), ['app1.example.net']);
  assert.equal(await ask(r, '192.0.2.2'), 'ENOTFOUND');
  assert.equal(dns.calls.length, 2, 'answered from the cache, failure included');
  now += 60_000;
  const again = ask(r, '192.0.2.1');
  dns.answerAll();
  assert.deepEqual(await again, ['app1.example.net']);
  assert.equal(dns.calls.length, 3, 'looked up again after the TTL');
});

test('at maxEntries the oldest address is forgotten first', async () => {
  const dns = fakeDns({ a: ['a.test'], b: ['b.test'], c: ['c.test'] });
  const r = cachedReverse({ ttlMs: 60_000, maxEntries: 2, lookup: dns.lookup });
  for (const ip of ['a', 'b', 'c']) {
    const p = ask(r, ip);
    dns.answerAll();
    await p;
  }
  for (const ip of ['b', 'c']) assert.deepEqual(await ask(r, ip), [`${ip}.test`]);
  assert.equal(dns.calls.length, 3);
  const p = ask(r, 'a');
  dns.answerAll();
  await p;
  assert.equal(dns.calls.length, 4, 'a was forgotten');
});

test('a lookup that throws (an unparsable address) is a failure, not a crash', async () => {
  const r = cachedReverse({
    ttlMs: 60_000,
    maxEntries: 10,
    lookup: () => {
      throw new TypeError('bad address');
    },
  });
  assert.equal(await ask(r, 'not-an-ip'), 'bad address');
});

test('on the listener, the looked-up name reaches the Received header of every message, the same for ten connections', async () => {
  const h = await startHarness({ submission: { cleartext_auth: 'always' } });
  try {
    for (let i = 0; i < 10; i++) {
      const c = await loggedIn(h.starttlsPort);
      assert.equal((await send(c, message(`rdns-${i}@example.com`)))?.code, 250);
      c.destroy();
    }
    const received = (await storedMessages(h.store)).map((m) => /^Received: from client\.test \((\S+) \[127\.0\.0\.1\]\)/m.exec(m.raw.toString('latin1'))?.[1]);
    assert.equal(received.length, 10);
    // 127.0.0.1 has a name in /etc/hosts on any machine; whatever it is, all ten carry the same one.
    assert.equal(new Set(received).size, 1, received.join(' '));
    assert.ok(received[0], 'a name was found');
  } finally {
    await h.close();
  }
});
