/**
 * Hostile and broken input: the parser must never throw, must answer quickly, and must say so (error)
 * when a limit stopped it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const TIME_LIMIT_MS = 2000;

async function timed(raw: Buffer) {
  const t = performance.now();
  const r = await parseBounce(raw);
  const ms = performance.now() - t;
  assert.ok(ms < TIME_LIMIT_MS, `took ${ms.toFixed(0)} ms`);
  assert.ok(['bounce', 'delay', 'delivery-report', 'auto-reply', 'complaint', 'not-a-bounce'].includes(r.kind));
  assert.ok(Array.isArray(r.recipients));
  return r;
}

test('every prefix of real-looking reports parses without throwing', async () => {
  const names = readdirSync(fixtures).filter((f) => f.endsWith('.eml'));
  for (const name of names) {
    const raw = readFileSync(path.join(fixtures, name));
    for (let n = 0; n <= raw.length; n += 7) await timed(raw.subarray(0, n));
  }
});

test('malformed headers and MIME do not throw', async () => {
  const cases = [
    '',
    '\n\n\n',
    ':::\n: \n\t\n',
    'Content-Type: multipart/report; boundary=\n\n--\n--\n',
    'Content-Type: multipart/mixed; boundary="x"\n\n--x\n--x\n--x--\n',
    'Content-Type: multipart/mixed; boundary="x"\n\n--x',
    'Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n!!!notbase64',
    'Content-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=4=\n',
    'Subject: =?utf-8?B?####?= =?x?Q?=FF?=\nFrom: <<<@@@>>>\n\nx',
    'Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient:\nAction:\nStatus: 9.9.9\n--b--',
    'Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\nContent-Type: message/feedback-report\n\n\n--b--',
    'From: mailer-daemon@x\nSubject: Undelivered\n\n{"notificationType":"Bounce","bounce":{',
  ];
  for (const c of cases) await timed(Buffer.from(c));
});

test('binary garbage does not throw', async () => {
  for (let i = 0; i < 50; i++) await timed(randomBytes(1 + Math.floor(Math.random() * 20000)));
});

test('a 5 MB body is parsed within the time bound', async () => {
  const head =
    'From: MAILER-DAEMON@x.example\nTo: a@example.com\nSubject: Undelivered Mail\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n';
  const big = 'x'.repeat(80) + '\n';
  const raw = Buffer.from(head + big.repeat(Math.ceil(5_000_000 / big.length)) + '\n--b--\n');
  await timed(raw);
  await timed(Buffer.from('From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n' + 'a@b.example: 550 no\n'.repeat(250_000)));
});

test('long runs that regular expressions could rescan from every position stay linear (dots, digits, dashes, blank lines)', async () => {
  // Each of these took seconds at 30 KB when an address or separator pattern restarted inside a run.
  const head = 'From: MAILER-DAEMON@x.example\nTo: a@example.com\nSubject: Undelivered Mail Returned to Sender\n\n';
  for (const unit of ['.', '5', '-', ' \n', '  x\n']) {
    await timed(Buffer.from(head + unit.repeat(Math.ceil(100_000 / unit.length)) + '\n'));
  }
  const dsn = (text: string) =>
    'From: MAILER-DAEMON@x.example\nTo: a@example.com\nSubject: failed\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n' +
    `--b\nContent-Type: text/plain\n\n${text}\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x.example\n\n` +
    'Final-Recipient: rfc822; postmaster@y.example\nAction: failed\nStatus: 5.0.0\n\n--b--\n';
  await timed(Buffer.from(dsn(' \n'.repeat(100_000))));
  await timed(
    Buffer.from(
      'From: list@lists.example.org\nTo: a@example.com\nSubject: refused\n\n' +
        ' \n'.repeat(100_000) +
        'you are not a member of this mailing list <l@lists.example.org>\n',
    ),
  );
});

test("an address repeated thousands of times as the returned message's sender stays linear", async () => {
  // The returned message's sender is excluded from the failed recipients; each repeat once counted the
  // lines before it (quadratic: 400 KB took seconds).
  const repeats = 'From: a@b.example\n'.repeat(24000);
  const body = `The message could not be delivered.\n\n${repeats}\n----- Original message -----\n\n${repeats}`;
  await timed(Buffer.from('From: MAILER-DAEMON@x.example\nTo: c@example.com\nSubject: Returned mail\n\n' + body));
});

test('a notice listing thousands of distinct addresses stays linear, and at most 1000 of them are read', async () => {
  // Counting the lines before every address, and reading the whole notice again per recipient, was
  // quadratic: 200 KB of address lines took 8 s.
  let lines = '';
  for (let i = 0; lines.length < 200_000; i++) lines += `u${i}@b.example:\n`;
  const r = await timed(Buffer.from('From: MAILER-DAEMON@x.example\nTo: c@example.com\nSubject: Returned mail\n\n' + lines));
  assert.equal(r.recipients.length, 1000);
});

test('a delivery-status report of thousands of recipients without diagnostics stays linear', async () => {
  // Each recipient once searched the whole notice for its own line (quadratic: 400 KB took seconds).
  let blocks = '';
  let text = '';
  for (let i = 0; blocks.length < 600_000; i++) blocks += `Final-Recipient: rfc822; u${i}@b.example\nAction: failed\nStatus: 5.0.0\n\n`;
  for (let i = 0; text.length < 100_000; i++) text += `u${i}@b.example: host said no\n`;
  const mail = `From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; boundary=b\n\n--b\nContent-Type: text/plain\n\n${text}\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n${blocks}--b--\n`;
  const r = await timed(Buffer.from(mail));
  assert.ok(r.recipients.length > 8000);
});

test('1000 levels of nested multiparts stop at the depth limit with an error', async () => {
  let body = 'leaf\n';
  for (let i = 1000; i > 0; i--) body = `Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\n${body}\n--b${i}--\n`;
  const r = await timed(Buffer.from(body));
  assert.match(r.error ?? '', /nesting deeper than 20/);
  const nestedMessages = 'Content-Type: message/rfc822\n\n'.repeat(1000) + 'x';
  assert.match((await timed(Buffer.from(nestedMessages))).error ?? '', /nesting/);
});

test('100k parts stop at the part limit with an error', async () => {
  const raw = Buffer.from('Content-Type: multipart/mixed; boundary="b"\n\n' + '--b\nContent-Type: text/plain\n\nx\n'.repeat(100_000) + '--b--\n');
  const r = await timed(raw);
  assert.match(r.error ?? '', /more than 500 MIME parts/);
});

test('limits can be raised or lowered per call', async () => {
  const raw = Buffer.from('Content-Type: multipart/mixed; boundary="b"\n\n' + '--b\n\nx\n'.repeat(10) + '--b--\n');
  assert.equal((await parseBounce(raw, { maxParts: 5 })).error?.includes('more than 5 MIME parts'), true);
  assert.equal((await parseBounce(raw, { maxParts: 50 })).error, undefined);
});

test('HTML that markup patterns could rescan from every "<" stays linear (unclosed tags, heads, comments, pre)', async () => {
  // Each took seconds at 100-400 KB when a tag pattern looked for its ">" or its closing tag from every "<".
  const html = (body: string) => Buffer.from(`From: MAILER-DAEMON@x.example\nTo: a@example.com\nSubject: Undeliverable\nContent-Type: text/html\n\n${body}`);
  for (const unit of ['<', '<head', '<!--', '<pre>', '<p', '<td', '<script ', '<br']) await timed(html(unit.repeat(Math.ceil(200_000 / unit.length))));
  await timed(html(`${'<pre>x'.repeat(20_000)}</pre>${'<head>'.repeat(20_000)}`));
});
