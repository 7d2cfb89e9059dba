/**
 * What session 49's probes showed (issue 16): notices written only in HTML by gateways, webmail and hosted filters,
 * and real MTAs refusing as receivers. Each case is written here from the layout such systems use, with made-up
 * addresses and hosts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { deliveryReport } from '../../helpers/notice-text.js';

const mail = (l: string[]): Buffer => Buffer.from(l.join('\r\n'));
const html = (headers: string[], body: string): Buffer =>
  mail([...headers, 'Date: Mon, 7 Dec 2026 02:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', body]);

test("an HTML notice that shows an MTA's plain lines in a pre-wrap block: each recipient keeps its own reply", async () => {
  const r = await parseBounce(
    html(
      ['From: MAILER-DAEMON <MAILER-DAEMON@smtp.webmail.example>', 'To: buyer@shop.example', 'Subject: Undelivered mail: order 77'],
      [
        '<html><body><table><tr><td>Your message could not be delivered to these addresses:</td></tr>',
        '<tr><td><div style="font-family:monospace;white-space:pre-wrap;">&lt;ann@dest.example&gt;: host mx.dest.example[192.0.2.30] said: 550 5.1.1 user not exist (in reply to RCPT TO command)',
        '&lt;bob@dest.example&gt;: host mx.dest.example[192.0.2.30] said: 552 5.3.4 message size exceeds fixed limit (in reply to end of DATA command)',
        '&lt;cy@dest.example&gt;: host mx.dest.example[192.0.2.30] said: 452 4.2.2 mailbox full (in reply to RCPT TO command)</div></td></tr>',
        '<tr><td>Webmail Example</td></tr></table></body></html>',
      ].join('\r\n'),
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@dest.example', 'mailbox-unknown', true],
      ['bob@dest.example', 'message-too-large', false],
      ['cy@dest.example', 'mailbox-full', false],
    ],
  );
});

test("a gateway's table of recipients with their reasons, then an explanation of one reason: the last recipient's reason is its own row", async () => {
  const r = await parseBounce(
    mail([
      'From: Postmaster <postmaster@gw.example>',
      'To: clerk@gw.example',
      'Subject: Failed: Weekly schedule',
      'Date: Mon, 7 Dec 2026 02:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="R"',
      '',
      '--R',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><body><img src="cid:logo"><h2>Your message couldn\'t be delivered</h2>',
      '<p>We were unable to deliver your message to the recipients below; it has been returned.</p>',
      '<table><tr><th>Recipient</th><th>Reason</th><th>Attempts</th></tr>',
      '<tr><td>ann@nomx.example</td><td>No MX records are being returned for the domain</td><td>30</td></tr>',
      '<tr><td>bob@far.example</td><td>Unable to connect to remote host</td><td>30</td></tr></table>',
      "<p>No MX records are being returned for the domain: the recipient's domain has no valid MX records, or its name was misspelt.</p>",
      '<p>Example Secure Gateway</p></body></html>',
      '--R',
      'Content-Type: image/png',
      'Content-ID: <logo>',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgo=',
      '--R--',
    ]),
  );
  assert.equal(r.kind, 'bounce');
  const [ann, bob] = r.recipients;
  assert.equal(ann?.address, 'ann@nomx.example');
  assert.equal(ann?.hard, true);
  assert.equal(bob?.address, 'bob@far.example');
  assert.equal(bob?.category, 'connection-failure');
  assert.equal(bob?.hard, false);
  assert.doesNotMatch(bob?.diagnostic ?? '', /MX records/);
});

test("a filter's digest of mail it holds for its reader, with Release links, is no notice about our mail", async () => {
  const r = await parseBounce(
    html(
      ['From: Gateway Digest <postmaster@corp.example>', 'To: ann@corp.example', 'Subject: Gateway: 2 messages on hold for ann@corp.example'],
      [
        '<html><body><h1>Your digest</h1><p>The following messages have been placed on hold.</p>',
        '<table><tr><th>From</th><th>Subject</th><th>Action</th></tr>',
        '<tr><td>events@partner.example</td><td>Registration form</td><td><a href="https://gw.example/r/1">Release</a> | <a href="https://gw.example/b/1">Block</a></td></tr>',
        '<tr><td>promo@deals.example</td><td>Your delivery failed? Claim your parcel now</td><td><a href="https://gw.example/r/2">Release</a></td></tr>',
        '</table></body></html>',
      ].join('\r\n'),
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
  assert.deepEqual(r.recipients, []);
});

test('a warning titled as a delay in Korean or Chinese is a delay, not a failure', async () => {
  for (const subject of ['=?UTF-8?B?66mU7J28IOuwnOyGoSDsp4Dsl7Ag7JWI64K0?=', '=?UTF-8?B?6YKu5Lu25bu26L+f5oqV6YCS6YCa55+l?=']) {
    const r = await parseBounce(
      html(
        ['From: Mailer <mailer-daemon@mail.example.kr>', 'To: sales@mail.example.kr', `Subject: ${subject}`],
        '<html><body><p>Recipient: ann@dest.example</p><p>Server reply: 421 4.3.2 Your IP(192.0.2.77) is filtered and this connection will be closed.</p></body></html>',
      ),
    );
    assert.equal(r.kind, 'delay', subject);
    assert.equal(r.recipients[0]?.address, 'ann@dest.example');
    assert.equal(r.recipients[0]?.action, 'delayed');
  }
});

test("Sendmail's entries for aliases expanded to programs: each recipient's reason is the entry its address ends", async () => {
  const r = await parseBounce(
    mail(
      deliveryReport(
        ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>', 'To: <news@shop.example>', 'Subject: Returned mail: see transcript for details'],
        [
          '   ----- The following addresses had permanent fatal errors -----',
          '"|/usr/local/bin/ticket-in"',
          '    (reason: Insufficient permission)',
          '    (expanded from: <help@dest.example>)',
          '"|/usr/local/bin/gone --say \\"550 mailbox gone\\""',
          '    (reason: User unknown)',
          '    (expanded from: <old@dest.example>)',
          '',
          '   ----- Transcript of session follows -----',
          '550 5.0.0 "|/usr/local/bin/ticket-in"... Insufficient permission',
          '550 5.1.1 "|/usr/local/bin/gone --say \\"550 mailbox gone\\""... User unknown',
        ],
        [
          'Reporting-MTA: dns; mx.dest.example',
          '',
          'Original-Recipient: rfc822;help@dest.example',
          'Final-Recipient: RFC822; help@dest.example',
          'X-Actual-Recipient: X-Unix; |/usr/local/bin/ticket-in',
          'Action: failed',
          'Status: 5.3.0',
          'Diagnostic-Code: X-Unix; 77',
          '',
          'Original-Recipient: rfc822;old@dest.example',
          'Final-Recipient: RFC822; old@dest.example',
          'Action: failed',
          'Status: 5.1.1',
          'Diagnostic-Code: X-Unix; 67',
        ],
      ),
    ),
  );
  const [help, old] = r.recipients;
  assert.equal(help?.address, 'help@dest.example');
  assert.match(help?.diagnostic ?? '', /Insufficient permission/);
  assert.doesNotMatch(help?.diagnostic ?? '', /User unknown|mailbox gone/);
  assert.equal(help?.hard, false);
  assert.equal(old?.address, 'old@dest.example');
  assert.match(old?.diagnostic ?? '', /User unknown/);
  assert.equal(old?.hard, true);
});
