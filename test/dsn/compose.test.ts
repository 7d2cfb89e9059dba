import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import { composeDsn, type DsnInput, type DsnRecipient } from '../../src/dsn/compose.js';
import { messageRecord, rawParts, readDeliveryStatus } from './helpers.js';

const ORIGINAL = Buffer.from(
  'Message-ID: <orig-1@app.example.com>\r\nFrom: App <app@example.com>\r\nTo: bob@example.org\r\nSubject: Your invoice\r\n\r\nHello Bob,\r\nthe invoice body.\r\n',
);
const ARRIVAL = Date.UTC(2024, 0, 2, 3, 4, 5);
const NOW = Date.UTC(2024, 0, 2, 3, 9, 0);

function failed(address: string, over: Partial<DsnRecipient> = {}): DsnRecipient {
  return {
    address,
    orcpt: `rfc822;${address}`,
    action: 'failed',
    status: '5.1.1',
    diagnostic: { code: 550, enhanced: '5.1.1', text: 'The email account that you tried to reach does not exist.' },
    remoteMta: 'mx1.example.org',
    lastAttemptAt: Date.UTC(2024, 0, 2, 3, 8, 0),
    explanation: 'The receiving server says this mailbox does not exist.',
    ...over,
  };
}

function input(over: Partial<DsnInput> = {}): DsnInput {
  return {
    kind: 'failure',
    hostname: 'relay.mailtrail.test',
    from: 'MAILER-DAEMON@relay.mailtrail.test',
    to: 'app@example.com',
    message: messageRecord(),
    originalRaw: ORIGINAL,
    recipients: [failed('bob@example.org')],
    arrivalDate: ARRIVAL,
    now: NOW,
    ...over,
  };
}

async function parse(raw: Buffer): Promise<ParsedMail> {
  // keepDeliveryStatus: give the message/delivery-status part as an attachment instead of folding it into the text.
  return simpleParser(raw, { keepDeliveryStatus: true });
}

function part(mail: ParsedMail, type: string): Attachment {
  const found = mail.attachments.find((a) => a.contentType === type);
  assert.ok(found, `a ${type} part (have: ${mail.attachments.map((a) => a.contentType).join(', ')})`);
  return found;
}

test('a failure report is a multipart/report with text, delivery-status and the original headers, in that order', async () => {
  const raw = composeDsn(input({ messageId: 'dsn-1@relay.mailtrail.test' }));
  const mail = await parse(raw);

  const ct = mail.headers.get('content-type') as { value: string; params: Record<string, string> };
  assert.equal(ct.value, 'multipart/report');
  assert.equal(ct.params['report-type'], 'delivery-status');
  const parts = rawParts(raw.toString('latin1'), ct.params.boundary);
  assert.equal(parts.length, 3, 'exactly three body parts');
  assert.match(parts[0], /^Content-Description: Notification\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  assert.match(parts[1], /\r\nContent-Type: message\/delivery-status\r\n/);
  assert.match(parts[2], /\r\nContent-Type: text\/rfc822-headers\r\n/);

  assert.equal(mail.subject, 'Undelivered Mail Returned to Sender');
  assert.equal(mail.from?.value[0].address, 'MAILER-DAEMON@relay.mailtrail.test');
  assert.deepEqual(
    (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value.map((a) => a.address),
    ['app@example.com'],
  );
  assert.equal(mail.messageId, '<dsn-1@relay.mailtrail.test>');
  assert.equal(mail.inReplyTo, '<orig-1@app.example.com>');
  assert.equal(mail.references, '<orig-1@app.example.com>');
  assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
  assert.equal(mail.headers.get('mime-version'), '1.0');
  assert.equal(mail.date?.getTime(), NOW);

  // The human part names the recipient, what the server said, and the classifier's explanation.
  assert.match(mail.text ?? '', /<bob@example\.org>:/);
  assert.match(mail.text ?? '', /host mx1\.example\.org said: 550 5\.1\.1 The email account/);
  assert.match(mail.text ?? '', /What this means: The receiving server says this mailbox does not exist\./);
  assert.match(mail.text ?? '', /Queue ID: 01HQ00000000ABCD/);

  const headers = part(mail, 'text/rfc822-headers').content.toString();
  assert.match(headers, /^Message-ID: <orig-1@app\.example\.com>\r\n/);
  assert.match(headers, /Subject: Your invoice\r\n/);
  assert.doesNotMatch(headers, /the invoice body/, 'RET other than FULL returns headers only');
});

test('the delivery-status fields: per message, then one group per recipient, ENVID and ORCPT echoed', async () => {
  const raw = composeDsn(
    input({
      recipients: [
        failed('bob@example.org', { orcpt: 'rfc822;Bob.Original@example.org' }),
        failed('carol@example.net', {
          orcpt: null,
          status: '5.7.1',
          diagnostic: { code: 554, enhanced: null, text: '5.7.1 Message rejected as spam\nsee https://example.net/policy' },
          remoteMta: 'mx.example.net',
        }),
        failed('dave@nomail.example', {
          orcpt: null,
          status: '5.1.10',
          diagnostic: { code: null, text: 'the domain publishes a null MX (RFC 7505): it accepts no mail' },
          remoteMta: null,
          lastAttemptAt: null,
        }),
      ],
    }),
  );
  const ds = readDeliveryStatus(part(await parse(raw), 'message/delivery-status').content.toString());

  assert.equal(ds.perMessage.get('original-envelope-id'), 'env-42');
  assert.equal(ds.perMessage.get('reporting-mta'), 'dns; relay.mailtrail.test');
  assert.equal(ds.perMessage.get('arrival-date'), 'Tue, 02 Jan 2024 03:04:05 +0000');
  assert.equal(ds.perMessage.get('x-mailtrail-queue-id'), '01HQ00000000ABCD');
  assert.equal(ds.recipients.length, 3);

  const [bob, carol, dave] = ds.recipients;
  assert.equal(bob.get('original-recipient'), 'rfc822;Bob.Original@example.org');
  assert.equal(bob.get('final-recipient'), 'rfc822; bob@example.org');
  assert.equal(bob.get('action'), 'failed');
  assert.equal(bob.get('status'), '5.1.1');
  assert.equal(bob.get('remote-mta'), 'dns; mx1.example.org');
  assert.equal(bob.get('diagnostic-code'), 'smtp; 550 5.1.1 The email account that you tried to reach does not exist.');
  assert.equal(bob.get('last-attempt-date'), 'Tue, 02 Jan 2024 03:08:00 +0000');
  assert.equal(bob.has('will-retry-until'), false);

  assert.equal(carol.has('original-recipient'), false, 'no ORCPT given: no Original-Recipient');
  assert.equal(carol.get('status'), '5.7.1');
  // Multi-line replies become one line; the enhanced code in the text is not repeated.
  assert.equal(carol.get('diagnostic-code'), 'smtp; 554 5.7.1 Message rejected as spam see https://example.net/policy');

  assert.equal(dave.get('status'), '5.1.10');
  assert.equal(dave.has('remote-mta'), false);
  assert.equal(dave.has('last-attempt-date'), false);
  assert.equal(
    dave.get('diagnostic-code'),
    'X-Mailtrail; the domain publishes a null MX (RFC 7505): it accepts no mail',
    'no SMTP reply: our own diagnostic type',
  );
});

test('without ENVID there is no Original-Envelope-Id, and without a Message-ID no In-Reply-To', async () => {
  const raw = composeDsn(input({ message: messageRecord({ envId: null, messageId: null }) }));
  const mail = await parse(raw);
  const ds = readDeliveryStatus(part(mail, 'message/delivery-status').content.toString());
  assert.equal(ds.perMessage.has('original-envelope-id'), false);
  assert.equal(ds.perMessage.get('reporting-mta'), 'dns; relay.mailtrail.test');
  assert.equal(mail.inReplyTo, undefined);
  assert.equal(mail.headers.has('references'), false);
});

test('RET=FULL returns the whole original as message/rfc822, byte for byte', async () => {
  const raw = composeDsn(input({ message: messageRecord({ ret: 'FULL' }) }));
  const mail = await parse(raw);
  const original = part(mail, 'message/rfc822');
  assert.equal(original.content.toString('latin1'), ORIGINAL.toString('latin1'));
  assert.equal(
    mail.attachments.some((a) => a.contentType === 'text/rfc822-headers'),
    false,
  );
  assert.match(mail.text ?? '', /The message is\s+attached below\./);
  assert.match(raw.toString('latin1'), /Content-Type: message\/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n/);
});

test('RET=FULL with 8-bit content declares 8bit (message/rfc822 may not be base64-encoded)', async () => {
  const eightBit = Buffer.from(
    'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n',
    'utf8',
  );
  const raw = composeDsn(input({ message: messageRecord({ ret: 'FULL' }), originalRaw: eightBit }));
  assert.match(raw.toString('latin1'), /Content-Type: message\/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n/);
  const original = part(await parse(raw), 'message/rfc822');
  assert.ok(original.content.equals(eightBit), 'the 8-bit original comes back unchanged');
});

test('RET=FULL of an original that is not valid mail falls back to its headers, and says so', async () => {
  const bad = Buffer.from(`Subject: long\r\n\r\n${'x'.repeat(1500)}\r\n`);
  const mail = await parse(composeDsn(input({ message: messageRecord({ ret: 'FULL' }), originalRaw: bad })));
  assert.equal(
    mail.attachments.some((a) => a.contentType === 'message/rfc822'),
    false,
  );
  assert.equal(part(mail, 'text/rfc822-headers').content.toString(), 'Subject: long\r\n');
  assert.match(mail.text ?? '', /could\s+not\s+be\s+returned/);
});

test('an original with bare LF line ends is returned with CRLF', async () => {
  const lf = Buffer.from('Message-ID: <x@y>\nSubject: lf\n\nbody\n');
  const raw = composeDsn(input({ message: messageRecord({ ret: 'FULL' }), originalRaw: lf }));
  assert.equal(part(await parse(raw), 'message/rfc822').content.toString(), 'Message-ID: <x@y>\r\nSubject: lf\r\n\r\nbody\r\n');
  assert.doesNotMatch(raw.toString('latin1'), /(?<!\r)\n/, 'no bare LF anywhere');
});

test('long diagnostics are folded at spaces: no line over 78 where it can be, never over 998, nothing lost', async () => {
  const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
  const unbreakable = 'z'.repeat(2500);
  const raw = composeDsn(
    input({
      recipients: [
        failed('bob@example.org', { diagnostic: { code: 550, enhanced: '5.7.1', text: words } }),
        failed('carol@example.org', { diagnostic: { code: 550, enhanced: '5.7.1', text: unbreakable } }),
      ],
    }),
  );
  const text = raw.toString('latin1');
  for (const line of text.split('\r\n')) assert.ok(line.length <= 998, `a line of ${line.length} octets`);
  const ct = (await parse(raw)).headers.get('content-type') as { params: Record<string, string> };
  const statusPart = rawParts(text, ct.params.boundary)[1];
  const diagLines = statusPart.split('\r\n').filter(
    (l, i, all) =>
      l.startsWith('Diagnostic-Code:') ||
      (/^ /.test(l) &&
        all
          .slice(0, i)
          .reverse()
          .find((x) => !/^ /.test(x))
          ?.startsWith('Diagnostic-Code:')),
  );
  assert.ok(diagLines.length > 10, 'the long diagnostics span several lines');
  const foldable = statusPart.split('\r\n').filter((l) => !l.includes('zzz'));
  for (const line of foldable) assert.ok(line.length <= 78, `foldable line over 78: ${line}`);

  const ds = readDeliveryStatus(part(await parse(raw), 'message/delivery-status').content.toString());
  assert.equal(ds.recipients[0].get('diagnostic-code'), `smtp; 550 5.7.1 ${words}`);
  // A run without spaces can only be cut by inserting a fold, which reads back as one space.
  assert.equal(ds.recipients[1].get('diagnostic-code')?.replace(/ /g, ''), `smtp;5505.7.1${unbreakable}`);
});

// A late bounce reports the remote server's words as they were, codes included ("smtp; 552 5.2.2 …"):
// the notice mailtrail sends on must not write them twice ("552 5.2.2 552 5.2.2 …").
test('a reported diagnostic that repeats its codes gives them once, in Diagnostic-Code and in the text', async () => {
  const diagnostic = { code: 552, enhanced: '5.2.2', text: 'smtp; 552 5.2.2 <bob@example.org>: Mailbox full, quota exceeded' };
  const raw = composeDsn(input({ recipients: [failed('bob@example.org', { status: '5.2.2', diagnostic })] }));
  const mail = await parse(raw);
  const ds = readDeliveryStatus(part(mail, 'message/delivery-status').content.toString());
  assert.equal(ds.recipients[0].get('diagnostic-code'), 'smtp; 552 5.2.2 <bob@example.org>: Mailbox full, quota exceeded');
  assert.match(mail.text ?? '', /said: 552 5\.2\.2 <bob@example\.org>: Mailbox full/);
  assert.doesNotMatch(raw.toString('latin1'), /552 5\.2\.2 (?:smtp; )?552/);
});

test('non-ASCII diagnostics and addresses stay 7-bit in the report; the text part carries them as UTF-8', async () => {
  const raw = composeDsn(
    input({
      recipients: [
        failed('jörg@bücher.example', {
          orcpt: 'rfc822;jörg@bücher.example',
          diagnostic: { code: 550, enhanced: '5.1.1', text: 'Empfänger unbekannt — Postfach existiert nicht' },
        }),
      ],
    }),
  );
  // Everything we wrote ourselves is ASCII (the original here is ASCII too).
  assert.doesNotMatch(raw.toString('latin1'), /[^\x00-\x7f]/, 'the whole report is 7-bit');
  const mail = await parse(raw);
  const ds = readDeliveryStatus(part(mail, 'message/delivery-status').content.toString());
  const r = ds.recipients[0];
  assert.equal(r.get('final-recipient'), 'utf-8; j\\x{F6}rg@b\\x{FC}cher.example', 'RFC 6533 utf-8 address type with \\x{HHHH}');
  assert.equal(r.get('original-recipient'), 'utf-8;j\\x{F6}rg@b\\x{FC}cher.example');
  assert.equal(r.get('diagnostic-code'), 'smtp; 550 5.1.1 Empf\\x{E4}nger unbekannt \\x{2014} Postfach existiert nicht');
  assert.match(raw.toString('latin1'), /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n/);
  assert.match(mail.text ?? '', /<jörg@bücher\.example>:/);
  assert.match(mail.text ?? '', /Empfänger unbekannt — Postfach\s+existiert nicht/);
});

test('8-bit original headers under RET=HDRS are quoted-printable text/rfc822-headers', async () => {
  const utf8Headers = Buffer.from('Subject: Grüße\r\nFrom: Jörg <app@example.com>\r\n\r\nbody\r\n', 'utf8');
  const raw = composeDsn(input({ originalRaw: utf8Headers }));
  assert.doesNotMatch(raw.toString('latin1'), /[^\x00-\x7f]/);
  assert.equal(part(await parse(raw), 'text/rfc822-headers').content.toString('utf8'), 'Subject: Grüße\r\nFrom: Jörg <app@example.com>\r\n');
});

test('a delay warning says Action: delayed and until when it is retried', async () => {
  const until = Date.UTC(2024, 0, 7, 3, 4, 5);
  const raw = composeDsn(
    input({
      kind: 'delay',
      recipients: [
        failed('bob@example.org', {
          action: 'delayed',
          status: '4.2.2',
          diagnostic: { code: 452, enhanced: '4.2.2', text: 'Mailbox full' },
          willRetryUntil: until,
        }),
      ],
    }),
  );
  const mail = await parse(raw);
  assert.equal(mail.subject, 'Delayed Mail (still being retried)');
  const r = readDeliveryStatus(part(mail, 'message/delivery-status').content.toString()).recipients[0];
  assert.equal(r.get('action'), 'delayed');
  assert.equal(r.get('status'), '4.2.2');
  assert.equal(r.get('will-retry-until'), 'Sun, 07 Jan 2024 03:04:05 +0000');
  const flat = (mail.text ?? '').replace(/\s+/g, ' ');
  assert.match(flat, /do not need to send it again/);
  assert.match(flat, /keep trying until Sun, 07 Jan 2024 03:04:05 \+0000/);
});

test('a success report says Action: relayed with a 2.x.x status', async () => {
  const raw = composeDsn(
    input({
      kind: 'success',
      recipients: [
        failed('bob@example.org', {
          action: 'relayed',
          status: '2.0.0',
          diagnostic: { code: 250, enhanced: '2.0.0', text: 'OK queued as 12345' },
          explanation: null,
        }),
      ],
    }),
  );
  const mail = await parse(raw);
  assert.equal(mail.subject, 'Successful Mail Delivery Report');
  const r = readDeliveryStatus(part(mail, 'message/delivery-status').content.toString()).recipients[0];
  assert.equal(r.get('action'), 'relayed');
  assert.equal(r.get('status'), '2.0.0');
  assert.equal(r.get('diagnostic-code'), 'smtp; 250 2.0.0 OK queued as 12345');
});

test('composition is pure given a boundary and a Message-ID; a boundary found in the original is refused', () => {
  const a = composeDsn(input({ boundary: 'b1', messageId: 'm@x' }));
  const b = composeDsn(input({ boundary: 'b1', messageId: 'm@x' }));
  assert.ok(a.equals(b));
  const tricky = Buffer.from('Subject: x\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsmuggled\r\n');
  assert.throws(
    () => composeDsn(input({ boundary: 'b1', originalRaw: tricky, message: messageRecord({ ret: 'FULL' }) })),
    /boundary b1 occurs in the original/,
  );
  // A random boundary never collides: the report still has exactly three parts.
  const raw = composeDsn(input({ originalRaw: tricky, message: messageRecord({ ret: 'FULL' }) }));
  const boundary = /boundary="([^"]+)"/.exec(raw.toString('latin1'))![1];
  assert.equal(rawParts(raw.toString('latin1'), boundary).length, 3);
  assert.throws(() => composeDsn(input({ recipients: [] })), /at least one recipient/);
});
