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
async function signInFrom(base: string, from: string, token: string, forwardedFor?: string) {
  const xff: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const form = await requestFrom(`${base}/ui/login`, { localAddress: from, headers: xff });
  const cookie = String(form.headers['set-cookie']?.[0] ?? '').split(';')[0];
  const nonce = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  return requestFrom(`${base}/ui/login`, {
    localAddress: from,
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...xff },
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

test('behind a trusted proxy (api.trusted_proxies) sign-ins are counted per forwarded client; from elsewhere the header is ignored', async () => {
  const proxy = '127.0.6.20';
  const w = await startWeb({ limits: { max_auth_failures: 2 }, trusted_proxies: [proxy] });
  try {
    assert.equal((await signInFrom(w.base, proxy, 'guess-1', '203.0.113.30')).status, 401);
    const blocked = await signInFrom(w.base, proxy, 'guess-2', '203.0.113.30');
    assert.equal(blocked.status, 429, 'the guesser behind the proxy is blocked');
    assert.match(blocked.text, /tried from 203\.0\.113\.30\./, 'the page names the forwarded client');
    assert.equal((await signInFrom(w.base, proxy, READ_TOKEN, '203.0.113.31')).status, 303, 'another client behind the proxy signs in');
    assert.ok(
      w.lines.some((l) => l.event === 'api.auth_blocked' && l.via === 'web' && l.client_ip === '203.0.113.30'),
      'the log names the forwarded client',
    );

    const direct = '127.0.6.21';
    assert.equal((await signInFrom(w.base, direct, 'guess-1', '198.51.100.1')).status, 401);
    const forged = await signInFrom(w.base, direct, 'guess-2', '198.51.100.2');
    assert.equal(forged.status, 429, 'a forged header from an untrusted address changes nothing');
    assert.match(forged.text, /tried from 127\.0\.6\.21\./);
  } finally {
    await w.cleanup();
  }
});
