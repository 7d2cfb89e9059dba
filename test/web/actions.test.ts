/**
 * Actions through the page take the API's code path (src/api/actions.ts): the same state change, the same
 * log line, and who did it, in the log and (retry, cancel) in the message's timeline.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { messageFate } from '../../src/query/fate.js';
import { newMessage, T0 } from '../query/fixture.js';
import { ADMIN_TOKEN, startWeb, type Client } from './helpers.js';

let w: Awaited<ReturnType<typeof startWeb>>;
let b: Client;
before(async () => {
  w = await startWeb();
  b = w.browser();
  await b.signIn(ADMIN_TOKEN);
});
after(() => w.cleanup());

test('retry: erin is due now, the page says so, the timeline and the log name who asked and through what', async () => {
  await b.get('/ui/messages/QNEWER0001');
  const r = await b.post('/ui/messages/QNEWER0001/retry', {});
  assert.equal(r.status, 303);
  assert.equal(r.location, '/ui/messages/QNEWER0001?done=retried&n=1');
  assert.match((await b.get(r.location!)).body, /Retry requested: 1 recipient is due now/);
  const [fate] = await messageFate(w.store, 'QNEWER0001');
  const requeued = fate.timeline.find((e) => e.type === 'event' && e.kind === 'requeued');
  assert.deepEqual(requeued?.type === 'event' && requeued.detail, { by: 'operator', via: 'web' });
  const line = w.lines.find((l) => l.event === 'message.requeued');
  assert.deepEqual([line?.queue_id, line?.recipients, line?.token, line?.via, line?.component], ['QNEWER0001', 1, 'operator', 'web', 'web']);
});

test('cancel: the verdict names the operator and the page; a second cancel finds nothing and says so', async () => {
  await b.get('/ui/messages/QNEWER0001');
  assert.equal((await b.post('/ui/messages/QNEWER0001/cancel', {})).location, '/ui/messages/QNEWER0001?done=cancelled&n=1');
  const page = await b.get('/ui/messages/QNEWER0001');
  assert.match(page.body, /Cancelled by operator via the web page at /);
  assert.doesNotMatch(page.body, /Retry now/, 'nothing waits any more: no action offered');
  const again = await b.post('/ui/messages/QNEWER0001/cancel', {});
  assert.equal(again.location, '/ui/messages/QNEWER0001?error=nothing-to-cancel');
  assert.match((await b.get(again.location!)).body, /Nothing to cancel/);
  assert.equal((await b.post('/ui/messages/QNOSUCH001/retry', {})).status, 404);
});

test('suppressions: add, search, remove, each logged with who did it', async () => {
  await b.get('/ui/suppressions');
  const added = await b.post('/ui/suppressions', { address: ' Someone@Example.com ', reason: 'asked us to stop' });
  assert.equal(added.location, '/ui/suppressions?done=suppression-added');
  assert.equal((await w.store.suppressions.get('someone@example.com'))?.reason, 'asked us to stop');
  assert.equal((await b.post('/ui/suppressions', { address: 'not an address' })).location, '/ui/suppressions?error=bad-address');
  const listed = await b.get('/ui/suppressions?contains=example.com');
  assert.match(listed.body, /someone@example\.com/);
  assert.doesNotMatch(listed.body, /dave@blocked\.test/, 'the search narrows');
  const removed = await b.post('/ui/suppressions/remove', { address: 'someone@example.com', back: '/ui/suppressions?contains=example.com' });
  assert.equal(removed.location, '/ui/suppressions?contains=example.com&done=suppression-removed');
  assert.equal(await w.store.suppressions.get('someone@example.com'), null);
  assert.equal((await b.post('/ui/suppressions/remove', { address: 'someone@example.com' })).location, '/ui/suppressions?error=not-suppressed');
  for (const event of ['suppression.added', 'suppression.removed']) {
    const line = w.lines.find((l) => l.event === event);
    assert.deepEqual([line?.recipient, line?.token, line?.via], ['someone@example.com', 'operator', 'web'], event);
  }
});

test('the suppressed recipient of a message can be taken off the list from the message page', async () => {
  const page = await b.get('/ui/messages/QNEWER0001');
  assert.match(page.body, /Remove this address from the suppression list/);
  const r = await b.post('/ui/suppressions/remove', { address: 'dave@blocked.test', back: '/ui/messages/QNEWER0001' });
  assert.equal(r.location, '/ui/messages/QNEWER0001?done=suppression-removed');
  assert.match((await b.get(r.location!)).body, /it has been removed since/);
});

test('a failed webhook is sent again from the message page', async () => {
  await w.store.webhooks.stage({ now: T0, limit: 10, route: () => [] });
  const m = await w.store.messages.enqueue(newMessage({ queueId: 'QHOOKWEB01', messageId: 'hookweb@x', recipients: ['h@example.com'] }));
  await w.store.events.append({
    at: T0,
    messageRowId: m.message.id,
    recipientId: m.recipients[0].id,
    kind: 'bounced',
    phase: 'inbound',
    code: 550,
    enhanced: '5.1.1',
    text: 'gone',
  });
  await w.store.webhooks.stage({ now: T0, limit: 10, route: (e) => (e.kind === 'bounced' ? [{ endpoint: 'crm', type: 'bounced', payload: '{}' }] : []) });
  const [row] = await w.store.webhooks.claimDue({ now: T0, limit: 10, leaseUntil: T0 + 1 });
  await w.store.webhooks.recordAttempt({ id: row.id, at: T0, state: 'failed', nextAttemptAt: null, status: 502, error: 'HTTP 502 Bad Gateway' });
  const page = await b.get('/ui/messages/QHOOKWEB01');
  assert.match(page.body, /HTTP 502 Bad Gateway/);
  assert.match(page.body, new RegExp(`action="/ui/webhooks/${row.id}/resend"`));
  const r = await b.post(`/ui/webhooks/${row.id}/resend`, { back: '/ui/messages/QHOOKWEB01' });
  assert.equal(r.location, '/ui/messages/QHOOKWEB01?done=webhook-resent&n=1');
  assert.equal((await w.store.webhooks.get(row.id))?.state, 'pending');
  const line = w.lines.find((l) => l.event === 'webhook.resent');
  assert.deepEqual([line?.outbox_id, line?.endpoint, line?.token, line?.via], [row.id, 'crm', 'operator', 'web']);
  assert.equal(
    (await b.post(`/ui/webhooks/${row.id}/resend`, { back: 'https://evil.example/' })).location,
    '/ui/messages?error=webhook-not-failed',
    'pending now; and "back" stays on the page',
  );
});
