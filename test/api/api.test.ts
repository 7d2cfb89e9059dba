import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MESSAGE_ID, newMessage, seedHistory, T0 } from '../query/fixture.js';
import { ADMIN_TOKEN, startApi, STORED_TOKEN } from './helpers.js';

describe('HTTP API', () => {
  let h: Awaited<ReturnType<typeof startApi>>;
  let ready = false;
  before(async () => {
    h = await startApi({ ready: () => ready, metrics: { contentType: 'text/plain; version=0.0.4', render: async () => 'mailtrail_up 1\n' } });
    await seedHistory(h.store);
  });
  after(() => h.cleanup());

  describe('authentication', () => {
    test('no token: 401 with a JSON error and a WWW-Authenticate challenge', async () => {
      const r = await h.call('GET', '/v1/queue', { token: null });
      assert.equal(r.status, 401);
      assert.match(r.json.error, /bearer token/);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    });
    test('an unknown token or another scheme: 401', async () => {
      assert.equal((await h.call('GET', '/v1/queue', { token: 'not-a-real-token-at-all' })).status, 401);
      const basic = await fetch(`${h.base}/v1/queue`, { headers: { authorization: 'Basic cmVhZGVyOng=' } });
      assert.equal(basic.status, 401);
      assert.deepEqual(Object.keys((await basic.json()) as object), ['error']);
    });
    test('a read token may read but not change: 403', async () => {
      assert.equal((await h.call('GET', '/v1/queue')).status, 200);
      const r = await h.call('POST', '/v1/suppressions', { body: { address: 'x@example.com' } });
      assert.equal(r.status, 403);
      assert.match(r.json.error, /scope read.*needs admin/);
      assert.equal((await h.call('POST', '/v1/messages/QNEWER0001/cancel')).status, 403);
    });
    test('tokens added with `mailtrail tokens add` (stored hashed) work too', async () => {
      assert.equal((await h.call('GET', '/v1/queue', { token: STORED_TOKEN })).status, 200);
      assert.equal((await h.call('DELETE', '/v1/suppressions/x%40example.com', { token: STORED_TOKEN })).status, 403);
    });
    test('health and readiness need no token; readiness follows the ready hook', async () => {
      assert.deepEqual((await h.call('GET', '/healthz', { token: null })).json, { status: 'ok' });
      assert.equal((await h.call('GET', '/readyz', { token: null })).status, 503);
      ready = true;
      assert.equal((await h.call('GET', '/readyz', { token: null })).status, 200);
    });
  });

  describe('validation', () => {
    test('a bad query parameter is 400 naming the field', async () => {
      const r = await h.call('GET', '/v1/messages?limit=500');
      assert.equal(r.status, 400);
      assert.equal(r.json.error, 'invalid request');
      assert.equal(r.json.field, 'limit');
      assert.ok(r.json.message);
      assert.equal((await h.call('GET', '/v1/messages?state=lost')).json.field, 'state');
      assert.equal((await h.call('GET', '/v1/messages?since=yesterday')).json.field, 'since');
      // A day not in the calendar is refused, not moved into the next month.
      for (const day of ['2024-02-31', '2024-13-01', '2024-04-31T10:00:00Z']) {
        const bad = await h.call('GET', `/v1/messages?since=${day}`);
        assert.deepEqual([bad.status, bad.json.field], [400, 'since'], day);
      }
      assert.equal((await h.call('GET', '/v1/messages?since=2024-02-29')).status, 200, 'a leap day is a day');
      assert.equal((await h.call('GET', '/v1/messages?recipient=nobody')).json.field, 'recipient');
      assert.equal((await h.call('GET', '/v1/messages?cursor=garbage')).json.field, 'cursor');
    });
    test('a parameter given twice is 400 saying so, not "required"', async () => {
      for (const q of ['limit=1&limit=2', 'recipient=a@example.com&recipient=b@example.com']) {
        const r = await h.call('GET', `/v1/messages?${q}`);
        assert.equal(r.status, 400, q);
        assert.deepEqual([r.json.field, r.json.message], [q.split('=')[0], 'given more than once; give it once'], q);
      }
    });
    test('a URL that does not decode, or a path part over 1,000 characters, is refused in the shape of every refusal', async () => {
      const bad = await h.call('GET', '/v1/messages/%ff');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json, {
        error: 'invalid request',
        field: 'url',
        message: 'the URL does not decode: a % must be followed by two hex digits that make UTF-8',
      });
      const long = await h.call('GET', `/v1/messages/${'x'.repeat(1001)}`);
      assert.equal(long.status, 414);
      assert.equal(long.json.field, 'url');
    });
    test('an unknown parameter is refused rather than silently ignored', async () => {
      const r = await h.call('GET', '/v1/messages?recipent=a@example.com');
      assert.equal(r.status, 400);
      assert.equal(r.json.field, 'recipent');
      assert.match(r.json.message, /recipient/);
    });
    test('a bad body is 400 naming the field; malformed JSON names the body', async () => {
      const r = await h.call('POST', '/v1/suppressions', { token: ADMIN_TOKEN, body: { address: 'not an address' } });
      assert.equal(r.status, 400);
      assert.equal(r.json.field, 'address');
      const missing = await h.call('POST', '/v1/suppressions', { token: ADMIN_TOKEN, body: {} });
      assert.deepEqual([missing.json.field, missing.json.message], ['address', 'required']);
      const res = await fetch(`${h.base}/v1/suppressions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{"address":',
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { field: string }).field, 'body');
    });
    test('a bad path parameter is 400', async () => {
      const r = await h.call('POST', '/v1/messages/bad%20id!/retry', { token: ADMIN_TOKEN });
      assert.equal(r.status, 400);
      assert.equal(r.json.field, 'queueId');
    });
    test('an unknown endpoint is a JSON 404', async () => {
      const r = await h.call('GET', '/v2/nothing');
      assert.equal(r.status, 404);
      assert.match(r.json.error, /no such endpoint/);
    });
  });

  describe('messages', () => {
    test('GET /v1/messages/{id} accepts a URL-encoded Message-ID with or without <>, and a queue id', async () => {
      const bare = await h.call('GET', `/v1/messages/${encodeURIComponent(MESSAGE_ID)}`);
      assert.equal(bare.status, 200);
      assert.deepEqual(
        bare.json.messages.map((m: { queue_id: string }) => m.queue_id),
        ['QNEWER0001', 'QOLDER0001'],
      );
      const bracketed = await h.call('GET', `/v1/messages/${encodeURIComponent(`<${MESSAGE_ID}>`)}`);
      assert.equal(bracketed.json.messages.length, 2);
      const byQueue = await h.call('GET', '/v1/messages/QNEWER0001');
      assert.equal(byQueue.json.messages.length, 1);
      const bob = byQueue.json.messages[0].recipients.find((r: { address: string }) => r.address === 'bob@example.com');
      assert.equal(
        bob.verdict,
        'bounced after delivery: mailbox full (soft, 5.2.2); delivered to mx.example.com at 2024-05-01 10:02 UTC, bounce reported by mx.example.net at 2024-05-01 12:02 UTC',
      );
      assert.equal(byQueue.json.messages[0].tag, 'transactional');
      assert.ok(byQueue.json.messages[0].timeline.some((e: { type: string }) => e.type === 'attempt'));
    });
    test('timeline_limit and timeline_before page a timeline back from its latest entries; bad values are 400', async () => {
      const whole = (await h.call('GET', '/v1/messages/QNEWER0001')).json.messages[0];
      assert.equal(whole.timeline_more, null);
      assert.equal(whole.submission.subject === null || typeof whole.submission.subject === 'string', true);
      const n = whole.timeline.length;
      assert.ok(n >= 3, `the seeded timeline has ${n} entries`);
      const latest = (await h.call('GET', '/v1/messages/QNEWER0001?timeline_limit=2')).json.messages[0];
      assert.deepEqual(latest.timeline, whole.timeline.slice(n - 2));
      assert.equal(latest.timeline_more.omitted, n - 2);
      const earlier = (await h.call('GET', `/v1/messages/QNEWER0001?timeline_limit=2&timeline_before=${latest.timeline_more.before}`)).json.messages[0];
      assert.deepEqual(earlier.timeline, whole.timeline.slice(n - 4, n - 2));
      for (const q of ['timeline_limit=0', 'timeline_limit=5001', 'timeline_limit=x', 'timeline_before=-1', 'timeline=all']) {
        const bad = await h.call('GET', `/v1/messages/QNEWER0001?${q}`);
        assert.equal(bad.status, 400, q);
        assert.equal(bad.json.field, q.split('=')[0], q);
      }
    });
    test('a long Message-ID with a slash is found', async () => {
      const id = `${'x'.repeat(180)}/part@long.example.com`;
      await h.store.messages.enqueue(newMessage({ queueId: 'QLONGID001', messageId: id, createdAt: T0 - 60_000, recipients: ['z@example.com'] }));
      const r = await h.call('GET', `/v1/messages/${encodeURIComponent(id)}`);
      assert.equal(r.status, 200);
      assert.equal(r.json.messages[0].queue_id, 'QLONGID001');
    });
    test('an unknown Message-ID is 404 with the id in the error', async () => {
      const r = await h.call('GET', `/v1/messages/${encodeURIComponent('<nope@example.com>')}`);
      assert.equal(r.status, 404);
      assert.match(r.json.error, /nope@example\.com/);
      assert.match(r.json.error, /purged: history is kept retention\.history_days after delivery ended/);
    });
    test('search paginates with a cursor over all matches exactly once', async () => {
      const seen: string[] = [];
      let path = '/v1/messages?limit=2';
      for (let i = 0; i < 20 && path; i++) {
        const r = await h.call('GET', path);
        assert.equal(r.status, 200);
        seen.push(...r.json.messages.map((m: { queue_id: string }) => m.queue_id));
        path = r.json.next_cursor ? `/v1/messages?limit=2&cursor=${encodeURIComponent(r.json.next_cursor)}` : '';
      }
      assert.equal(path, '');
      assert.equal(seen.length, await h.store.messages.count());
      assert.equal(new Set(seen).size, seen.length);
    });
    test('search filters by recipient, tag, state and time range', async () => {
      const r = await h.call('GET', '/v1/messages?recipient=carol%40example.org');
      assert.deepEqual(
        r.json.messages.map((m: { queue_id: string }) => m.queue_id),
        ['QNEWER0001'],
      );
      const tagged = await h.call('GET', '/v1/messages?tag=newsletter&state=expired');
      assert.deepEqual(
        tagged.json.messages.map((m: { queue_id: string; tag: string }) => [m.queue_id, m.tag]),
        [['QOLDER0001', 'newsletter']],
      );
      const range = await h.call('GET', `/v1/messages?since=2024-05-01T10:00:00Z&until=${T0 + 1}`);
      assert.deepEqual(
        range.json.messages.map((m: { queue_id: string }) => m.queue_id),
        ['QNEWER0001'],
      );
    });
  });

  describe('queue and operator actions', () => {
    test('GET /v1/queue counts recipients by state and waiting ones by domain', async () => {
      const r = await h.call('GET', '/v1/queue');
      assert.equal(r.status, 200);
      assert.equal(r.json.by_state.delivered, 1);
      assert.equal(r.json.by_state.bounced, 2);
      assert.equal(r.json.by_state.deferred, 1);
      assert.equal(r.json.by_state.cancelled, 0);
      const grey = r.json.waiting_by_domain.find((d: { domain: string }) => d.domain === 'greylist.test');
      assert.deepEqual([grey.queued, grey.deferred, grey.oldest_created_at], [0, 1, '2024-05-01T10:00:00.000Z']);
    });
    test('retry makes waiting recipients due now and records a requeued event', async () => {
      const r = await h.call('POST', '/v1/messages/QNEWER0001/retry', { token: ADMIN_TOKEN });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.recipients, [{ address: 'erin@greylist.test', state: 'deferred' }]);
      const erin = (await h.store.messages.recipients((await h.store.messages.getByQueueId('QNEWER0001'))!.id)).find(
        (x) => x.address === 'erin@greylist.test',
      )!;
      assert.ok(erin.nextAttemptAt! <= Date.now() && erin.nextAttemptAt! > Date.now() - 60_000);
      const fate = await h.call('GET', '/v1/messages/QNEWER0001');
      const requeued = fate.json.messages[0].timeline.find(
        (e: { kind: string; recipient: string }) => e.kind === 'requeued' && e.recipient === 'erin@greylist.test',
      );
      // Who did it is recorded with the event: the admin token's name, and the face it came through.
      assert.deepEqual(requeued?.detail, { by: 'operator', via: 'api' });
    });
    test('cancel stops waiting recipients; a second cancel has nothing left: 409; unknown ids: 404', async () => {
      const r = await h.call('POST', '/v1/messages/QNEWER0001/cancel', { token: ADMIN_TOKEN });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.recipients, [{ address: 'erin@greylist.test', state: 'cancelled' }]);
      assert.equal((await h.call('POST', '/v1/messages/QNEWER0001/cancel', { token: ADMIN_TOKEN })).status, 409);
      assert.equal((await h.call('POST', '/v1/messages/QNEWER0001/retry', { token: ADMIN_TOKEN })).status, 409);
      assert.equal((await h.call('POST', '/v1/messages/QNOSUCH/cancel', { token: ADMIN_TOKEN })).status, 404);
      const fate = await h.call('GET', '/v1/messages/QNEWER0001');
      assert.match(
        fate.json.messages[0].recipients.find((x: { address: string }) => x.address === 'erin@greylist.test').verdict,
        /^cancelled by operator via the API at /,
      );
    });
    test('cancel leaves a recipient that is being delivered right now alone', async () => {
      const m = await h.store.messages.enqueue(
        newMessage({ queueId: 'QINFLIGHT1', messageId: 'inflight@x', createdAt: Date.now(), recipients: ['busy@example.com'] }),
      );
      await h.store.queue.claimDue({ now: Date.now() + 1000, limit: 100, owner: 'worker', leaseUntil: Date.now() + 60_000 });
      assert.equal((await h.call('POST', '/v1/messages/QINFLIGHT1/cancel', { token: ADMIN_TOKEN })).status, 409);
      assert.equal((await h.store.messages.recipients(m.message.id))[0].state, 'queued');
    });
  });

  describe('webhook resends', () => {
    test('a failed delivery is made pending again; pending, delivered or unknown ones are not; a read token may not', async () => {
      await h.store.webhooks.stage({ now: T0, limit: 10, route: () => [] }); // places the cursor
      const m = await h.store.messages.enqueue(newMessage({ queueId: 'QHOOK0001', messageId: 'hook@x', recipients: ['h@example.com'] }));
      await h.store.events.append({ at: T0, messageRowId: m.message.id, recipientId: m.recipients[0].id, kind: 'bounced', phase: 'inbound' });
      await h.store.webhooks.stage({ now: T0, limit: 10, route: (e) => (e.kind === 'bounced' ? [{ endpoint: 'crm', type: 'bounced', payload: '{}' }] : []) });
      const [row] = await h.store.webhooks.claimDue({ now: T0, limit: 10, leaseUntil: T0 + 60_000 });
      assert.equal((await h.call('POST', `/v1/webhooks/${row.id}/retry`, { token: ADMIN_TOKEN })).status, 409, 'still pending');
      await h.store.webhooks.recordAttempt({ id: row.id, at: T0, state: 'failed', nextAttemptAt: null, status: 500, error: 'HTTP 500' });
      assert.equal((await h.call('POST', `/v1/webhooks/${row.id}/retry`)).status, 403, 'a read token cannot act');
      const r = await h.call('POST', `/v1/webhooks/${row.id}/retry`, { token: ADMIN_TOKEN });
      assert.equal(r.status, 200);
      assert.deepEqual([r.json.id, r.json.endpoint, r.json.state], [row.id, 'crm', 'pending']);
      assert.equal((await h.call('POST', '/v1/webhooks/99999/retry', { token: ADMIN_TOKEN })).status, 404);
      assert.equal((await h.call('POST', '/v1/webhooks/abc/retry', { token: ADMIN_TOKEN })).json.field, 'id');
    });
  });

  describe('suppressions', () => {
    test('add, list, page, remove', async () => {
      const added = await h.call('POST', '/v1/suppressions', { token: ADMIN_TOKEN, body: { address: 'Someone@Example.com', reason: 'asked us to stop' } });
      assert.equal(added.status, 201);
      assert.deepEqual([added.json.created, added.json.suppression.address, added.json.suppression.source], [true, 'someone@example.com', 'manual']);
      assert.equal((await h.call('POST', '/v1/suppressions', { token: ADMIN_TOKEN, body: { address: 'someone@example.com' } })).status, 200);
      for (let i = 0; i < 4; i++) await h.call('POST', '/v1/suppressions', { token: ADMIN_TOKEN, body: { address: `bulk${i}@example.com` } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { json: { suppressions: { address: string }[]; next_cursor: string | null } } = await h.call(
          'GET',
          `/v1/suppressions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.json.suppressions.map((s) => s.address));
        cursor = page.json.next_cursor;
        // An entry added between pages (newest, so on page one) does not shift the pages that follow.
        if (++pages === 1) await h.call('POST', '/v1/suppressions', { token: ADMIN_TOKEN, body: { address: 'late@example.com' } });
      } while (cursor);
      assert.equal(seen.length, 6); // 5 added here + dave from the seed; late@ came after page one
      assert.equal(new Set(seen).size, 6);
      assert.ok(!seen.includes('late@example.com'));
      assert.equal((await h.call('GET', '/v1/suppressions?cursor=MWUz')).status, 400, 'a cursor that is no position');
      for (const body of ['"someone@example.com"', '["someone@example.com"]']) {
        const r = await fetch(`${h.base}/v1/suppressions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body,
        });
        assert.deepEqual([r.status, await r.json()], [400, { error: 'invalid request', field: 'body', message: 'expected a JSON object' }], body);
      }
      await h.call('DELETE', '/v1/suppressions/late%40example.com', { token: ADMIN_TOKEN });
      const one = await h.call('GET', '/v1/suppressions?address=someone%40example.com');
      assert.equal(one.json.suppressions[0].reason, 'asked us to stop');
      assert.equal((await h.call('DELETE', '/v1/suppressions/someone%40example.com', { token: ADMIN_TOKEN })).status, 204);
      assert.equal((await h.call('DELETE', '/v1/suppressions/someone%40example.com', { token: ADMIN_TOKEN })).status, 404);
      assert.equal((await h.call('GET', '/v1/suppressions?address=someone%40example.com')).json.suppressions.length, 0);
    });
  });

  describe('metrics hook', () => {
    test('served with its content type when present', async () => {
      const r = await h.call('GET', '/metrics');
      assert.equal(r.status, 200);
      assert.equal(r.text, 'mailtrail_up 1\n');
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    });
    test('404 when absent, 503 when rendering fails', async () => {
      const none = await startApi();
      try {
        assert.equal((await none.call('GET', '/metrics')).status, 404);
        assert.equal((await none.call('GET', '/readyz', { token: null })).status, 200, 'without a ready hook, listening means ready');
      } finally {
        await none.cleanup();
      }
      const broken = await startApi({ metrics: { contentType: 'text/plain', render: async () => Promise.reject(new Error('boom')) } });
      try {
        assert.equal((await broken.call('GET', '/metrics')).status, 503);
      } finally {
        await broken.cleanup();
      }
    });
  });
});
