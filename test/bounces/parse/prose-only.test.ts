/**
 * A "user unknown" that only a notice's own prose states (session 54, issue 16): the notice is in no format a row of
 * non-standard.ts knows, and it gives no reply code, no status and no SMTP stage for the recipient. Nothing shows that
 * the receiving server judged the address at RCPT; a filter or gateway may have written it after taking the message
 * (Yahoo's "This user doesn't have a … account" is said at the end of the data), as a "user unknown" after DATA often
 * is. It is read as that one is: the category stays, the verdict is soft, the confidence low. Each mail is written
 * here from the shape such notices have, with made-up addresses and hosts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { deliveryReport, EXIM_PERMANENT_OPENING } from '../../helpers/notice-text.js';

const notice = (lines: string[], subject = 'Returned mail: User unknown'): Buffer =>
  Buffer.from(
    [
      'From: "Mail Delivery System" <MAILER-DAEMON@mx.isp.example>',
      'To: b+7-f00d@bounces.shop.example',
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'The following addresses had delivery errors.',
      '',
      ...lines,
      '',
    ].join('\r\n'),
  );

async function only(lines: string[]) {
  const r = await parseBounce(notice(lines));
  assert.equal(r.kind, 'bounce');
  assert.equal(r.format, 'non-standard');
  assert.equal(r.recipients.length, 1);
  return r.recipients[0]!;
}

test('prose alone ("<address> [User unknown]", "This user doesn\'t have a … account"): mailbox-unknown, soft, low confidence', async () => {
  for (const line of ['kim@dest.example [User unknown]', "<kim@dest.example>: This user doesn't have a dest.example account (kim@dest.example) [0]"]) {
    const rec = await only([line]);
    assert.equal(rec.address, 'kim@dest.example', line);
    assert.equal(rec.category, 'mailbox-unknown', line);
    assert.equal(rec.hard, false, line);
    assert.equal(rec.confidence, 'low', line);
    assert.match(rec.explanation ?? '', /not suppressed on this notice alone/, line);
  }
});

test("the same words with a reply code, a status or the RCPT stage are the server's verdict: hard", async () => {
  for (const line of [
    'kim@dest.example [550 User unknown]',
    'kim@dest.example [5.1.1 User unknown]',
    'kim@dest.example [User unknown (in reply to RCPT TO command)]',
    'kim@dest.example [SMTP error from remote mail server after RCPT TO:<kim@dest.example>: User unknown]',
  ]) {
    const rec = await only([line]);
    assert.equal(rec.category, 'mailbox-unknown', line);
    assert.equal(rec.hard, true, line);
  }
});

test("words that name the lookup that failed, X.1.1 written out, or the writer's own server having no such user are a verdict on the address", async () => {
  for (const line of [
    'kim@dest.example [User unknown in virtual alias table]',
    'kim@dest.example [User unknown in local recipient table]',
    'kim@dest.example [not listed in Domino Directory]',
    'kim@dest.example [BAD DESTINATION MAILBOX ADDRESS - USER UNKNOWN]',
    'kim@dest.example [<kim@dest.example>... User unknown]',
    'kim@dest.example [no such user - there is no user by that name at this server]',
  ]) {
    const rec = await only([line]);
    assert.equal(rec.category, 'mailbox-unknown', line);
    assert.equal(rec.hard, true, line);
  }
});

test('a notice in a format a row knows (Postfix, Exim) keeps its verdict, and so does a report with a Status', async () => {
  const exim = await parseBounce(
    Buffer.from(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.isp.example>',
        'To: b+7-f00d@bounces.shop.example',
        'Subject: Mail delivery failed: returning message to sender',
        '',
        ...EXIM_PERMANENT_OPENING,
        '  kim@dest.example',
        '    Unrouteable address',
        '',
      ].join('\r\n'),
    ),
  );
  assert.deepEqual(
    exim.recipients.map((x) => [x.address, x.hard]),
    [['kim@dest.example', true]],
  );
  const report = await parseBounce(
    Buffer.from(
      deliveryReport(
        ['From: MAILER-DAEMON@mx.isp.example', 'To: b+7-f00d@bounces.shop.example', 'Subject: Undelivered Mail Returned to Sender'],
        ['kim@dest.example [User unknown]'],
        ['Reporting-MTA: dns; mx.isp.example', '', 'Final-Recipient: rfc822; kim@dest.example', 'Action: failed', 'Status: 5.1.1'],
      ).join('\r\n'),
    ),
  );
  assert.deepEqual(
    report.recipients.map((x) => [x.address, x.category, x.hard]),
    [['kim@dest.example', 'mailbox-unknown', true]],
  );
});
