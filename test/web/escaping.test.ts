/**
 * Mail is written by strangers: a subject, a header, a reply text or a bounce can carry markup. Every
 * page shows it as text. The hostile message here goes through the store as intake and delivery write it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// biome-ignore lint/suspicious/noShadowRestrictedNames: the page's HTML escape under test, not the global escape()
import { escape, html } from '../../src/web/html.js';
import { newMessage, T0 } from '../query/fixture.js';
import { ADMIN_TOKEN, startWeb } from './helpers.js';

const EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';

test('html`` escapes every value, keeps its own markup, and drops control characters', () => {
  assert.equal(
    html`<p title="${EVIL}">${EVIL}</p>`.value,
    '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;">&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;</p>',
  );
  assert.equal(html`<ul>${['a<b', html`<li>ok</li>`]}</ul>`.value, '<ul>a&lt;b<li>ok</li></ul>');
  assert.equal(escape('bell\x07 esc\x1b[31m tab\tnl\n'), 'bell\uFFFD esc\uFFFD[31m tab\tnl\n');
});

let w: Awaited<ReturnType<typeof startWeb>>;
let inboundId: number;
before(async () => {
  w = await startWeb();
  const raw = Buffer.from(
    `From: "${EVIL}" <evil@shop.example.com>\r\nSubject: ${EVIL}\r\nMessage-ID: <evil@shop.example.com>\r\nX-Evil: "><svg onload=alert(3)>\r\n\r\nbody\r\n`,
  );
  const m = await w.store.messages.enqueue(
    newMessage({ queueId: 'QEVIL00001', messageId: 'evil@shop.example.com', raw, subject: EVIL, tag: 'x', recipients: ['victim@example.com'] }),
  );
  const r = m.recipients[0];
  await w.store.queue.claimDue({ now: T0, limit: 100, owner: 'w', leaseUntil: T0 + 60_000 });
  await w.store.queue.recordAttempt({
    owner: 'w',
    at: T0,
    events: [
      {
        at: T0,
        messageRowId: m.message.id,
        kind: 'phase',
        attempt: 1,
        phase: 'rcpt',
        recipientId: r.id,
        code: 550,
        enhanced: '5.1.1',
        text: `<${EVIL}>: no such user`,
        remoteHost: '<b>mx</b>.example.com',
      },
      {
        at: T0,
        messageRowId: m.message.id,
        recipientId: r.id,
        kind: 'bounced',
        attempt: 1,
        phase: 'rcpt',
        code: 550,
        enhanced: '5.1.1',
        text: `<${EVIL}>: no such user`,
        remoteHost: '<b>mx</b>.example.com',
        detail: { category: 'mailbox-unknown', hard: true },
      },
    ],
    recipients: [
      {
        id: r.id,
        state: 'bounced',
        nextAttemptAt: null,
        lastCode: 550,
        lastEnhanced: '5.1.1',
        lastText: `<${EVIL}>: no such user`,
        category: 'mailbox-unknown',
        hard: true,
      },
    ],
    suppress: [{ recipientId: r.id, address: r.address, reason: `hard bounce: ${EVIL}` }],
  });
  const inbound = await w.store.inbound.receive({
    receivedAt: T0,
    mailFrom: EVIL,
    rcptTo: ['b@x'],
    clientIp: null,
    raw: Buffer.from(`Subject: ${EVIL}\r\n\r\n${EVIL}\r\n`),
  });
  inboundId = inbound.id;
  await w.store.inbound.record({
    id: inbound.id,
    processedAt: T0,
    kind: 'bounce',
    parse: {
      kind: 'bounce',
      format: EVIL,
      reporting_mta: EVIL,
      recipients: [{ address: EVIL, action: 'failed', status: '5.1.1', diagnostic: EVIL, category: null, hard: null }],
    },
    match: { messageRowId: m.message.id, recipientId: r.id, rule: 'verp' },
    effects: [],
  });
});
after(() => w.cleanup());

function noMarkupFromMail(body: string, where: string) {
  assert.doesNotMatch(body, /<script>alert|<img src=x|<svg onload|<b>mx<\/b>/, `${where}: markup from the mail reached the page`);
  assert.match(body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, `${where}: the text is shown, escaped`);
}

test('the message page, search, suppressions and the raw inbound mail show hostile text as text', async () => {
  const b = w.browser();
  await b.signIn(ADMIN_TOKEN);
  noMarkupFromMail((await b.get('/ui/messages/QEVIL00001')).body, 'message page');
  noMarkupFromMail((await b.get('/ui/messages?recipient=victim%40example.com')).body, 'search');
  noMarkupFromMail((await b.get('/ui/suppressions?contains=victim')).body, 'suppressions');
  noMarkupFromMail((await b.get(`/ui/inbound/${inboundId}`)).body, 'raw inbound mail');
  noMarkupFromMail((await b.get('/ui/health')).body, 'health (the most common reply of a failing domain)');
  const headers = (await b.get('/ui/messages/QEVIL00001')).body;
  assert.match(headers, /&quot;&gt;&lt;svg onload=alert\(3\)&gt;/, 'the hostile header, escaped');
});
