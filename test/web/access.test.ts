/**
 * The locks of the web page, each proven by a refusal: no session, no CSRF token, a read token, a removed
 * token, a stale or foreign sign-in form, an open redirect. Plain HTTP with a cookie jar; the real browser
 * test (browser.test.ts) walks the pages themselves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../src/api/auth.js';
import { ADMIN_TOKEN, READ_TOKEN, startWeb } from './helpers.js';

let w: Awaited<ReturnType<typeof startWeb>>;
let clock = Date.now();
before(async () => {
  w = await startWeb({ now: () => clock });
});
after(() => w.cleanup());

const PAGES = ['/ui/messages', '/ui/messages?q=QNEWER0001', '/ui/messages/QNEWER0001', '/ui/queue', '/ui/suppressions', '/ui/health', '/ui/inbound/1'];
const ACTIONS: [string, Record<string, string>][] = [
  ['/ui/messages/QNEWER0001/retry', {}],
  ['/ui/messages/QNEWER0001/cancel', {}],
  ['/ui/suppressions', { address: 'x@example.com' }],
  ['/ui/suppressions/remove', { address: 'dave@blocked.test' }],
  ['/ui/webhooks/1/resend', {}],
  ['/ui/logout', {}],
];

/** Nothing about any message in a refusal. */
function revealsNothing(body: string) {
  for (const secret of ['QNEWER0001', 'order-4711', 'alice@example.com', 'dave@blocked.test', 'mx.example.com', 'Your order'])
    assert.ok(!body.includes(secret), `the refusal shows ${secret}`);
}

const erinState = () =>
  w.store.db.prepare("SELECT state, next_attempt_at FROM recipients WHERE address = 'erin@greylist.test'").get() as { state: string; next_attempt_at: number };
const operatorEvents = () => w.store.db.prepare("SELECT COUNT(*) FROM events WHERE kind IN ('requeued', 'cancelled')").pluck().get() as number;

describe('without a session', () => {
  test('every page sends the browser to the sign-in form and shows nothing', async () => {
    const b = w.browser();
    for (const path of PAGES) {
      const r = await b.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/ui/login?next=${encodeURIComponent(path)}`, path);
      revealsNothing(r.body);
    }
  });

  test('a made-up session cookie is no session', async () => {
    const b = w.browser();
    b.cookies.set('mailtrail_session', 'forged-0123456789abcdefghijklmnopqrstuvwxyzABCDE');
    const r = await b.get('/ui/messages/QNEWER0001');
    assert.equal(r.status, 303);
    revealsNothing(r.body);
  });

  test('every action is refused with 401 and changes nothing', async () => {
    const before = [erinState(), operatorEvents(), await w.store.suppressions.count()];
    for (const [path, fields] of ACTIONS) {
      const r = await w.browser().post(path, fields, { csrf: 'anything' });
      assert.equal(r.status, 401, path);
      revealsNothing(r.body);
    }
    assert.deepEqual([erinState(), operatorEvents(), await w.store.suppressions.count()], before);
  });

  test('only the sign-in form and the stylesheet are public', async () => {
    const b = w.browser();
    assert.equal((await b.get('/ui/login')).status, 200);
    const css = await b.get('/ui/assets/style.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});

describe('signing in', () => {
  test('a valid token opens a session: an httpOnly, SameSite=Strict cookie for /ui, and the page asked for', async () => {
    const b = w.browser();
    await b.get('/ui/login?next=%2Fui%2Fqueue');
    const r = await b.post('/ui/login', { token: READ_TOKEN, next: '/ui/queue' });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/ui/queue');
    const set = r.headers.getSetCookie().find((c) => c.startsWith('mailtrail_session='))!;
    assert.match(set, /; Path=\/ui; Max-Age=43200; HttpOnly; SameSite=Strict$/, 'not Secure over plain HTTP');
    assert.equal((await b.get('/ui/queue')).status, 200);
    assert.ok(w.lines.some((l) => l.event === 'web.signed_in' && l.token === 'reader'));
  });

  test('behind a TLS proxy (X-Forwarded-Proto: https) the cookie is Secure', async () => {
    const b = w.browser();
    await b.get('/ui/login');
    const res = await fetch(`${b.base}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: `mailtrail_login=${b.cookies.get('mailtrail_login')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-proto': 'https',
      },
      body: new URLSearchParams({ _csrf: b.csrf!, token: READ_TOKEN }),
    });
    assert.match(res.headers.getSetCookie().find((c) => c.startsWith('mailtrail_session='))!, /; Secure$/);
  });

  test('a wrong token: 401, the form again, no session, and a log line', async () => {
    const b = w.browser();
    const r = await b.signIn('not-a-token-of-ours-at-all');
    assert.equal(r.status, 401);
    assert.match(r.body, /That token is not valid/);
    assert.ok(!b.cookies.has('mailtrail_session'));
    assert.ok(w.lines.some((l) => l.event === 'web.sign_in_failed' && l.client_ip === '127.0.0.1'));
  });

  test('a sign-in form from elsewhere (no matching nonce) is refused even with a valid token', async () => {
    const b = w.browser();
    const r = await b.post('/ui/login', { token: ADMIN_TOKEN }, { csrf: 'made-up' });
    assert.equal(r.status, 403);
    assert.ok(!b.cookies.has('mailtrail_session'));
  });

  test('"next" never leads off the page', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/ui/',
      '/ui\\@evil.example',
      'javascript:alert(1)',
      '/ui/login?next=x',
      '/ui/../v1/queue',
      '/ui/%2e%2E/v1/queue',
      '/ui/x/../../v1/queue',
    ]) {
      const b = w.browser();
      await b.get('/ui/login');
      const r = await b.post('/ui/login', { token: READ_TOKEN, next });
      assert.equal(r.location, '/ui/messages', next);
    }
  });

  test('"next" with characters beyond Latin-1 (a search for a non-ASCII subject) redirects percent-encoded, never a 500', async () => {
    const b = w.browser();
    await b.get('/ui/login');
    const r = await b.post('/ui/login', { token: READ_TOKEN, next: '/ui/messages?subject=Ā€😀' });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/ui/messages?subject=${encodeURIComponent('Ā€😀')}`);
    const again = await b.get(`/ui/login?next=${encodeURIComponent('/ui/messages?q=Ā')}`);
    assert.equal(again.status, 303, 'signed in: straight on');
    assert.equal(again.location, `/ui/messages?q=${encodeURIComponent('Ā')}`);
    const lone = await b.get(`/ui/login?next=${encodeURIComponent('/ui/messages?q=')}%ED%A0%80`);
    assert.ok(lone.status === 303 || lone.status === 200, `status ${lone.status}`);
  });

  test("a page URL that does not decode is a plain 400 with the page headers, not fastify's JSON", async () => {
    const r = await w.browser().get('/ui/messages/%ff');
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(r.headers.get('content-security-policy'), "default-src 'none'");
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.body, /^Not understood: the URL does not decode/);
  });

  test('each sign-in gets a new session id: an id planted beforehand is never the session', async () => {
    const b = w.browser();
    const planted = 'planted-0123456789abcdefghijklmnopqrstuvwxyzABC';
    b.cookies.set('mailtrail_session', planted);
    const r = await b.signIn(READ_TOKEN);
    assert.equal(r.status, 303);
    assert.notEqual(b.cookies.get('mailtrail_session'), planted);
    const attacker = w.browser();
    attacker.cookies.set('mailtrail_session', planted);
    assert.equal((await attacker.get('/ui/messages')).status, 303, 'the planted id opens nothing');
  });
});

describe('with a session', () => {
  test('an action without the CSRF token, or with another one, is refused and changes nothing', async () => {
    const b = w.browser();
    await b.signIn(ADMIN_TOKEN);
    await b.get('/ui/messages/QNEWER0001');
    const before = [erinState(), operatorEvents(), await w.store.suppressions.count()];
    for (const [path, fields] of ACTIONS) {
      for (const csrf of [null, 'x'.repeat(43)]) {
        const r = await b.post(path, fields, { csrf });
        assert.equal(r.status, 403, `${path} with ${csrf === null ? 'no' : 'a wrong'} token`);
        assert.match(r.body, /did not come from this page/);
      }
    }
    assert.deepEqual([erinState(), operatorEvents(), await w.store.suppressions.count()], before);
    assert.ok(w.lines.some((l) => l.event === 'web.refused' && l.reason === 'csrf' && l.token === 'operator'));
  });

  test('a read token cannot act, even with a valid CSRF token; its pages show no action', async () => {
    const b = w.browser();
    await b.signIn(READ_TOKEN);
    const page = await b.get('/ui/messages/QNEWER0001');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /Retry now|Cancel delivery|Remove this address/);
    assert.doesNotMatch((await b.get('/ui/suppressions')).body, /Add an address|>Remove</);
    const before = [erinState(), operatorEvents(), await w.store.suppressions.count()];
    for (const [path, fields] of ACTIONS.filter(([p]) => p !== '/ui/logout')) {
      const r = await b.post(path, fields);
      assert.equal(r.status, 403, path);
      assert.match(r.body, /has read scope: it can look but not act/);
    }
    assert.deepEqual([erinState(), operatorEvents(), await w.store.suppressions.count()], before);
    assert.ok(w.lines.some((l) => l.event === 'web.refused' && l.reason === 'scope' && l.token === 'reader'));
  });

  test('removing the token ends its sessions at once', async () => {
    const token = 'mt_short-lived-0123456789abcdef';
    await w.store.tokens.add({ name: 'temp', sha256: hashToken(token), scope: 'admin', createdAt: clock });
    const b = w.browser();
    await b.signIn(token);
    assert.equal((await b.get('/ui/queue')).status, 200);
    await w.store.tokens.remove('temp');
    const r = await b.get('/ui/queue');
    assert.equal(r.status, 303);
    revealsNothing(r.body);
  });

  test('a session unused for an hour, or older than 12 hours, has ended', async () => {
    const b = w.browser();
    await b.signIn(READ_TOKEN);
    clock += 59 * 60_000;
    assert.equal((await b.get('/ui/queue')).status, 200, 'used within the hour: still alive');
    for (let i = 0; i < 13; i++) {
      clock += 55 * 60_000;
      await b.get('/ui/queue');
    }
    assert.equal((await b.get('/ui/queue')).status, 303, 'more than 12 hours after sign-in');
    const idle = w.browser();
    await idle.signIn(READ_TOKEN);
    clock += 61 * 60_000;
    assert.equal((await idle.get('/ui/queue')).status, 303, 'idle over an hour');
  });

  test('signing out ends the session and clears the cookie', async () => {
    const b = w.browser();
    await b.signIn(READ_TOKEN);
    await b.get('/ui/messages');
    const cookie = b.cookies.get('mailtrail_session')!;
    const r = await b.post('/ui/logout', {});
    assert.equal(r.status, 303);
    assert.equal(r.location, '/ui/login');
    assert.ok(!b.cookies.has('mailtrail_session'));
    const replay = w.browser();
    replay.cookies.set('mailtrail_session', cookie);
    assert.equal((await replay.get('/ui/messages')).status, 303, 'the old cookie opens nothing');
  });

  test('every response forbids scripts, framing, referrers and caching', async () => {
    const b = w.browser();
    await b.signIn(READ_TOKEN);
    for (const path of ['/ui/login', '/ui/messages/QNEWER0001', '/ui/health']) {
      const r = await b.get(path);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/, path);
      assert.doesNotMatch(csp, /script-src/, `${path}: no script source allowed at all`);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.doesNotMatch(r.body, /<script/i);
    }
  });
});
