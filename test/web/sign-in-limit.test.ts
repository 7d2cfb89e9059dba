/**
 * The web page's sign-in under the failure limit it shares with bearer tokens (api.limits.max_auth_failures),
 * over real sockets: after N invalid tokens from one address, a plain 429 page with Retry-After saying when
 * to try again, the token not looked up, a valid token refused too until the window passes; the API is
 * closed to that address as well (one budget), other addresses are not affected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestFrom } from '../helpers/http-from.js';
import { ADMIN_TOKEN, READ_TOKEN, startWeb } from './helpers.js';

/** Signs in from `from` with a fresh form (its nonce cookie and field), as a browser there would. */
async function signInFrom(base: string, from: string, token: string) {
  const form = await requestFrom(`${base}/ui/login`, { localAddress: from });
  const cookie = String(form.headers['set-cookie']?.[0] ?? '').split(';')[0];
  const nonce = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  return requestFrom(`${base}/ui/login`, {
    localAddress: from,
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: nonce, token, next: '/ui/messages' }).toString(),
  });
}

test('after max_auth_failures failed sign-ins: a 429 page saying when to try again, for valid tokens too, and the API is closed to the address', async () => {
  const w = await startWeb({ limits: { max_auth_failures: 3, auth_failure_window_ms: 10 * 60_000 } });
  try {
    const b = w.browser();
    assert.equal((await b.signIn('wrong-1')).status, 401);
    assert.equal((await b.signIn('wrong-2')).status, 401);
    const third = await b.signIn('wrong-3');
    assert.equal(third.status, 429, 'the failure that reaches the limit is answered 429');
    const retry = Number(third.headers.get('retry-after'));
    assert.ok(retry > 590 && retry <= 600, `Retry-After is the rest of the window (got ${third.headers.get('retry-after')})`);
    assert.match(third.body, /Too many failed sign-ins/);
    assert.match(third.body, /Too many invalid tokens were tried from 127\.0\.0\.1\. Try again in 10 min \(at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\./);
    assert.equal(third.headers.get('content-type'), 'text/html; charset=utf-8', 'a plain page');

    let lookups = 0;
    const find = w.store.tokens.findBySha256.bind(w.store.tokens);
    w.store.tokens.findBySha256 = (sha: string) => {
      lookups++;
      return find(sha);
    };
    const good = await b.signIn(ADMIN_TOKEN);
    assert.equal(good.status, 429, 'a valid token does not lift the block');
    assert.equal(b.cookies.has('mailtrail_session'), false, 'and no session is made');
    assert.equal((await b.signIn('wrong-4')).status, 429);
    assert.equal(lookups, 0, 'no sign-in of a blocked address reaches the store');

    const api = await fetch(`${w.base}/v1/queue`, { headers: { authorization: `Bearer ${READ_TOKEN}` }, signal: AbortSignal.timeout(5000) });
    assert.equal(api.status, 429, 'the API shares the budget: the address is blocked there too');
    assert.ok(api.headers.get('retry-after'), 'with Retry-After');

    const other = await signInFrom(w.base, '127.0.6.9', READ_TOKEN);
    assert.equal(other.status, 303, 'another address signs in');
    assert.ok(
      w.lines.some((l) => l.event === 'api.auth_blocked' && l.via === 'web' && l.client_ip === '127.0.0.1' && l.failures === 3),
      'the block is logged once, with the address and the count',
    );
  } finally {
    await w.cleanup();
  }
});

test('bearer-token failures and sign-in failures from one address add up', async () => {
  const w = await startWeb({ limits: { max_auth_failures: 3 } });
  try {
    const from = '127.0.6.10';
    for (const token of ['guess-1', 'guess-2']) {
      const r = await requestFrom(`${w.base}/v1/queue`, { localAddress: from, headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 401);
    }
    const r = await signInFrom(w.base, from, 'guess-3');
    assert.equal(r.status, 429, 'the sign-in is the third failure of the address');
    assert.match(r.text, /Try again in \d+ min/);
  } finally {
    await w.cleanup();
  }
});
