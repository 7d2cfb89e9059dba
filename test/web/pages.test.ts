/** What each page says, on the query fixture's history (the same words as the trace and the API). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { messageFate } from '../../src/query/fate.js';
import { MESSAGE_ID } from '../query/fixture.js';
import { NOW, READ_TOKEN, startWeb, type Client } from './helpers.js';

let w: Awaited<ReturnType<typeof startWeb>>;
let b: Client;
before(async () => {
  w = await startWeb();
  b = w.browser();
  await b.signIn(READ_TOKEN);
});
after(() => w.cleanup());

const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');

test('search: a queue id alone goes straight to its message; a shared Message-ID lists both, newest first, with their verdicts', async () => {
  assert.equal((await b.get('/ui/messages?q=QOLDER0001')).location, '/ui/messages/QOLDER0001');
  const both = text((await b.get(`/ui/messages?q=${encodeURIComponent(`<${MESSAGE_ID}>`)}`)).body);
  assert.ok(both.indexOf('QNEWER0001') < both.indexOf('QOLDER0001'));
  const [fate] = await messageFate(w.store, 'QNEWER0001', { now: NOW });
  for (const r of fate.recipients) assert.ok(both.includes(r.verdict), `the verdict of ${r.address}`);
});

test('search: subject words, state, date range and paging; a bad value is shown at its field', async () => {
  assert.match(text((await b.get('/ui/messages?subject=SHIPPED+order')).body), /Your order 4711 has shipped .*Your order 4711 has shipped/);
  assert.match((await b.get('/ui/messages?subject=nothing-like-this')).body, /No message matches/);
  const expired = text((await b.get('/ui/messages?state=expired')).body);
  assert.match(expired, /frank@gone\.test/);
  assert.doesNotMatch(expired, /alice@example\.com/);
  assert.match(text((await b.get('/ui/messages?since=2024-04-30&until=2024-05-01')).body), /QNEWER0001/, '"until" includes the whole day');
  assert.match((await b.get('/ui/messages?since=2024-05-02')).body, /No message matches/);
  const bad = await b.get('/ui/messages?since=yesterday');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /aria-invalid="true"[^>]*>|id="since-error"/);
  assert.match(bad.body, /expected an ISO 8601 time/);
  // A day not in the calendar is a bad value at its field, not a crash; the last day of the calendar is a day.
  for (const impossible of ['2024-13-45', '2024-02-32', '2023-02-29']) {
    const r = await b.get(`/ui/messages?until=${impossible}`);
    assert.equal(r.status, 400, impossible);
    assert.match(r.body, /expected an ISO 8601 time/);
  }
  assert.match(text((await b.get('/ui/messages?since=2024-04-30&until=9999-12-31')).body), /QNEWER0001/);
  // A link made for the API opens the same search: `message` is the page's `q`. A filter given twice is an error
  // at its field, not an unfiltered list.
  assert.equal((await b.get('/ui/messages?message=QOLDER0001')).location, '/ui/messages/QOLDER0001');
  const twice = await b.get('/ui/messages?state=expired&state=bounced');
  assert.equal(twice.status, 400);
  assert.match(twice.body, /state is given more than once/);
  const bogus = await b.get('/ui/messages?state=bogus');
  assert.equal(bogus.status, 400);
  assert.match(bogus.body, /id="state-error">[^<]+</, 'the reason is shown at the select');
  const first = await b.get('/ui/messages?tag=transactional&state=delivered');
  assert.match(first.body, /QNEWER0001/);
});

test('the message page: the verdicts first, then every attempt with each phase explained, bounces, facts and headers', async () => {
  const page = await b.get('/ui/messages/QNEWER0001');
  const t = text(page.body);
  assert.ok(t.indexOf('What happened') < t.indexOf('Timeline'), 'verdicts before the timeline');
  assert.match(t, /5 recipients: 2 bounced, 1 deferred, 1 suppressed, 1 delivered/);
  assert.match(
    t,
    /Bounced after delivery: mailbox full \(soft, 5\.2\.2\); delivered to mx\.example\.com at 10:02 UTC, bounce reported by mx\.example\.net at 12:02 UTC/,
  );
  assert.match(t, /Why: The recipient's mailbox is full/);
  // Every phase of the first attempt is there, with its reply and what it means.
  for (const [phase, reply, meaning] of [
    ['connect', '220 mx.example.com ESMTP', 'accepted'],
    ['mail', '250 2.1.0 Ok', 'accepted the sender address'],
    ['rcpt alice@example.com', '250 2.1.5 Ok', 'accepted this recipient'],
    ['data', '250 2.0.0 Ok: queued as 4Vx', 'accepted the message'],
  ])
    assert.match(t, new RegExp(`${phase} ${reply.replace(/[.]/g, '\\.')} [^|]*${meaning}`, 'i'), phase);
  assert.match(t, /rcpt carol@example\.org 550 5\.1\.1 User unknown The recipient's mail server says this mailbox does not exist/);
  assert.match(t, /TLS: TLSv1\.3/, 'the STARTTLS facts of the attempt');
  assert.match(t, /Bounces and reports received bounce/);
  assert.match(page.body, /href="\/ui\/inbound\/1"/);
  assert.match(t, /Submission TLS TLSv1\.3, TLS_AES_256_GCM_SHA384/);
  assert.match(t, /3 header fields, as stored/);
  assert.match(t, /2 messages have this Message-ID/);
  assert.equal((await b.get('/ui/messages/QNOSUCH001')).status, 404);
});

test('a long timeline shows its latest entries and pages back, saying what is left out', async () => {
  const small = await startWeb({ timelineLimit: 2 });
  try {
    const c = small.browser();
    await c.signIn(READ_TOKEN);
    const whole = (await messageFate(small.store, 'QNEWER0001', { now: NOW }))[0]!;
    const n = whole.timeline.length;
    const latest = await c.get('/ui/messages/QNEWER0001');
    const t = text(latest.body);
    assert.match(t, new RegExp(`${n - 2} earlier entries are not shown\\. Show earlier entries`));
    assert.match(t, /From the timeline entries shown above, not the whole history/);

    assert.doesNotMatch(t, /Back to the latest entries/);
    const link = /href="([^"]*timeline_before=\d+)#h-timeline"/.exec(latest.body)?.[1];
    assert.ok(link, 'a link to the earlier entries');
    const earlier = await c.get(link.replace(/&amp;/g, '&'));
    assert.equal(earlier.status, 200);
    assert.match(text(earlier.body), /Back to the latest entries/);
    assert.notEqual(text(earlier.body), t);
    // The subject is the page's title whichever entries are shown.
    assert.match(earlier.body, new RegExp(`<title>${whole.submission.subject ?? 'QNEWER0001'}`));
    // A broken page link shows the latest entries.
    assert.equal(text((await c.get('/ui/messages/QNEWER0001?timeline_before=abc')).body), t);
    // A report sent to the sender (its event the newest, on the latest page only) is listed on every page.
    const [m] = await small.store.query.findMessages('QNEWER0001');
    const [r] = await small.store.messages.recipients(m!.id);
    await small.store.events.append({
      at: NOW,
      kind: 'dsn-sent',
      messageRowId: m!.id,
      recipientId: r!.id,
      detail: { type: 'failure', dsn_queue_id: 'QDSN000001' },
    });
    const again = text((await c.get(link.replace(/&amp;/g, '&'))).body);
    assert.match(again, /Notices sent to the sender .* a failure report about/);
  } finally {
    await small.cleanup();
  }
});

test('the queue: each destination with what waits, since when, the last reply explained, the next attempt', async () => {
  const t = text((await b.get('/ui/queue')).body);
  assert.match(t, /1 recipient waiting: 1 deferred/);
  assert.match(
    t,
    /greylist\.test 1 \(1 deferred, 0 queued\) 2024-05-01 10:00:00 UTC waiting 3 h 451 4\.7\.1 Greylisted, try again later 2024-05-01 10:22:00 UTC The receiving server asked mailtrail to retry later \(greylisting\).* due now/,
  );
});

test('suppressions: the reason, the source and the message that caused the entry', async () => {
  const body = (await b.get('/ui/suppressions')).body;
  assert.match(text(body), /dave@blocked\.test complaint complained on 2024-04-01/);
  assert.match(text(body), /1 address in all/);
});

test('health: three charts drawn as SVG with a bar per bucket and a title, rates, and the failing domains', async () => {
  const body = (await b.get('/ui/health')).body;
  assert.equal((body.match(/<svg class="chart"/g) ?? []).length, 3);
  assert.match(body, /<svg class="chart" id="chart-1" viewBox="0 0 720 220" role="img" aria-labelledby="chart-1-title chart-1-desc"/);
  assert.match(body, /<title>10:00: 2 delivered, 3 deferred, 1 bounced, 0 complained<\/title><rect class="bar bar-delivered"/);
  const t = text(body);
  assert.match(t, /50\.0 % bounce rate \(2 bounced of 4 sent\)/);
  assert.match(t, /greylist\.test 3 \(0 bounced, 3 deferred\) 451 4\.7\.1 Greylisted, try again later ×3/);
});

test('a verdict that starts with an address keeps its case; others start with a capital', async () => {
  const { sentence } = await import('../../src/web/format.js');
  assert.equal(sentence('good@rcpt.test: delivered'), 'good@rcpt.test: delivered');
  assert.equal(sentence('2 recipients: delivered'), '2 recipients: delivered');
  assert.equal(sentence('all delivered'), 'All delivered');
});

test('a page that does not exist is a 404 that keeps the signed-in navigation', async () => {
  const r = await b.get('/ui/no-such-page');
  assert.equal(r.status, 404);
  assert.match(r.body, /No such page/);
  assert.match(r.body, /href="\/ui\/queue"/, 'the navigation of a signed-in user');
  assert.doesNotMatch(r.body, />Sign in</);
});
