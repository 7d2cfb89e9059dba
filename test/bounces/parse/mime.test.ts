/** Transfer encodings of a notice's parts as transports leave them, and HTML-only notices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import { bodyText, decodeQuotedPrintable, htmlToText, parseMime } from '../../../src/bounces/parse/mime.js';

test('a quoted-printable soft line break followed by spaces a transport appended is still a soft break (RFC 2045 §6.7)', () => {
  assert.equal(
    decodeQuotedPrintable('554 4.4.7 = \r\nMessage expired=\t\nafter 3 days =3D gave up').toString('latin1'),
    '554 4.4.7 Message expiredafter 3 days = gave up',
  );
  // An `=` that starts no escape and ends no line stays as it is.
  assert.equal(decodeQuotedPrintable('a = b').toString('latin1'), 'a = b');
});

test('a quoted-printable delivery-status part with trailing spaces after its soft breaks keeps the remote reply whole', () => {
  const mail = [
    'From: MAILER-DAEMON@mx.example',
    'To: b+1@bounces.shop.example',
    'Subject: Delivery Status Notification (Failure)',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--b1',
    'Content-Type: message/delivery-status',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Reporting-MTA: dns; mx.example',
    '',
    'Final-Recipient: rfc822; ann@far.example',
    'Action: failed',
    'Status: 4.4.7',
    'Diagnostic-Code: smtp; 554 4.4.7 =  ',
    'Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection t= ',
    'imed out>',
    '--b1--',
    '',
  ].join('\r\n');
  const [r] = parseBounceSync(Buffer.from(mail)).recipients;
  assert.match(r.diagnostic ?? '', /Connection timed out/);
  // The expiry only says the MTA gave up; the quoted reply is why.
  assert.equal(r.status, '4.4.2');
});

test("HTML is read with the line breaks a browser shows: <br> and blocks break lines, the source's own do not", () => {
  assert.equal(htmlToText('<p>Delivery failed:<br>\n<b>ann</b>@example.org</p>'), '\nDelivery failed:\nann@example.org\n');
  // <pre> keeps its lines and indentation (a plain notice wrapped in HTML).
  assert.equal(htmlToText('<pre>  ann@example.org\n    550 No such user</pre>'), '\n  ann@example.org\n    550 No such user\n');
  // So does a block styled to show its lines (webmail and gateways put a notice's text in a `white-space: pre-wrap` div).
  assert.equal(
    htmlToText('<div style="font-family:monospace;white-space: pre-wrap;">&lt;ann@example.org&gt;: 550 No such user\n&lt;bob@example.org&gt;: 552 Quota</div>'),
    '\n<ann@example.org>: 550 No such user\n<bob@example.org>: 552 Quota\n',
  );
  assert.equal(htmlToText('<div style="color:red">a\nb</div>'), '\na b\n');
  assert.equal(htmlToText('<table><tr><td>Status</td><td>5.1.1</td></tr></table>&#x41;&amp;&lt;'), '\n\nStatus 5.1.1\n\nA&<');
});

test('blocks that touch make one line break, as a browser shows them; paragraphs and table rows stay apart', () => {
  // Webmail and Outlook write plain text converted to HTML as one <div> per line, an empty line as <div><br></div>.
  assert.equal(htmlToText('<div>a</div><div>b</div><div><br></div><div>c</div>'), '\na\nb\n\nc\n');
  // A <br> that ends a block adds no line of its own.
  assert.equal(htmlToText('<div>a<br></div><div>b</div>'), '\na\nb\n');
  assert.equal(htmlToText('<ul><li>a</li><li>b</li></ul>'), '\n\na\nb\n\n');
  assert.equal(htmlToText('<p>a</p>\n<p>b</p>'), '\na\n\nb\n');
  assert.equal(htmlToText('<table><tr><td>a</td></tr><tr><td>b</td></tr></table>'), '\n\na\n\nb\n\n');
});

test("a notice converted to HTML one <div> a line keeps each recipient's reason whole", () => {
  const lines = [
    'This message was created automatically by mail delivery software.',
    '',
    'A message that you sent could not be delivered to one or more of its',
    'recipients. This is a permanent error. The following address(es) failed:',
    '',
    '  ann@dest.example',
    '    SMTP error from remote mail server after end of data:',
    '    host mx.dest.example [192.0.2.10]:',
    '    550 mx.dest.example :',
    '    You have exceeded your daily sending quota - 192.0.2.20',
    '',
    "------ This is a copy of the message's headers. ------",
    '',
    'To: ann@dest.example',
    'Subject: Invoice',
  ];
  const divs = lines.map((l) => `<div>${l ? l.replace(/</g, '&lt;').replace(/ {2}/g, '&nbsp; ') : '<br>'}</div>`).join('');
  const r = parseBounceSync(
    Buffer.from(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.sender.example>',
        'To: app@sender.example',
        'Subject: Mail delivery failed: returning message to sender',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        `<html><body><div dir="ltr">${divs}</div></body></html>`,
        '',
      ].join('\r\n'),
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@dest.example', 'rate-limited', false]],
  );
});

test('an HTML-only notice reads as the same notice in plain text', () => {
  const lines = [
    '------- Failure Reasons --------',
    '',
    'User not listed in public Name & Address Book',
    'ann@example.org',
    '',
    '------- Returned Message --------',
  ];
  const head = [
    'From: Postmaster <postmaster@notes.example.org>',
    'To: b+7-f00d@bounces.shop.example',
    'Subject: DELIVERY FAILURE: User ann (ann@example.org) not listed in Domino Directory',
    'MIME-Version: 1.0',
  ];
  const plain = parseBounceSync(Buffer.from([...head, 'Content-Type: text/plain', '', ...lines, ''].join('\r\n')));
  const html = lines.map((l) => l.replace(/&/g, '&amp;')).join('<br>\r\n');
  const asHtml = parseBounceSync(Buffer.from([...head, 'Content-Type: text/html', '', `<html><body>${html}</body></html>`, ''].join('\r\n')));
  assert.equal(plain.recipients[0]?.category, 'mailbox-unknown');
  const read = (r: typeof plain) => r.recipients.map((x) => [x.address, x.category, x.hard]);
  assert.deepEqual(read(asHtml), read(plain));
});

test('a notice in HTML beside a stub text part ("This message is in HTML format") is read from the HTML', () => {
  const lines = [
    'Your message',
    '',
    'was not delivered to:',
    '',
    'ann@example.org',
    '',
    'because:',
    '',
    'User ann (ann@example.org) not listed in Domino Directory',
  ];
  const head = ['From: Postmaster <postmaster@notes.example.org>', 'To: b+7-f00d@bounces.shop.example', 'Subject: DELIVERY FAILURE', 'MIME-Version: 1.0'];
  const plain = parseBounceSync(Buffer.from([...head, 'Content-Type: text/plain', '', ...lines, ''].join('\r\n')));
  const alternative = parseBounceSync(
    Buffer.from(
      [
        ...head,
        'Content-Type: multipart/alternative; boundary="alt"',
        '',
        '--alt',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'This message is in HTML format.',
        '--alt',
        'Content-Type: text/html; charset=utf-8',
        '',
        `<html><body><p>${lines.join('<br>\r\n')}</p></body></html>`,
        '--alt--',
        '',
      ].join('\r\n'),
    ),
  );
  const read = (r: typeof plain) => r.recipients.map((x) => [x.address, x.category, x.hard]);
  assert.deepEqual(read(plain), [['ann@example.org', 'mailbox-unknown', true]]);
  assert.deepEqual(read(alternative), read(plain));
});

test("a multipart's part that opens with its blank line has no headers: its first paragraph is body (RFC 2046 §5.1.1)", () => {
  const mail = (part: string) => ['From: a@b.example', 'Content-Type: multipart/mixed; boundary="p"', '', '--p', part, '--p--', ''].join('\r\n');
  // Sendmail's notice opens so: its "The original message was received at …" paragraph was read as a header block.
  const headless = parseMime(mail('\r\nThe original message was received at Mon, 7 Dec 2026 12:10:16 GMT\r\nfrom root@localhost\r\n\r\nlater'));
  assert.match(bodyText(headless), /^The original message was received at/);
  // A stray blank line before real header fields (a careless writer) still gives the fields.
  const stray = parseMime(mail('\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello'));
  assert.equal(stray.children[0]?.type, 'text/plain');
  assert.match(bodyText(stray), /^hello/);
});
