/** A file saved from a mailbox holds several notices, each after a `From sender date` line: all are read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';

function notice(address: string): string {
  return [
    'From: MAILER-DAEMON@q.example',
    'To: b+7-f00d@bounces.shop.example',
    'Subject: failure notice',
    '',
    'Hi. This is the qmail-send program at q.example.',
    "I'm afraid I wasn't able to deliver your message to the following addresses.",
    "This is a permanent error; I've given up. Sorry it didn't work out.",
    '',
    `<${address}>:`,
    'Sorry, no mailbox here by that name. (#5.1.1)',
    '',
  ].join('\n');
}

test("an mbox file of two notices gives both notices' recipients, in file order", () => {
  const file = [
    'From MAILER-DAEMON Mon Jun  2 10:00:00 2031',
    notice('ann@q.example'),
    '',
    'From MAILER-DAEMON Tue Jun  3 11:30:00 2031',
    notice('bob@q.example'),
  ].join('\n');
  const r = parseBounceSync(Buffer.from(file));
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.hard]),
    [
      ['ann@q.example', true],
      ['bob@q.example', true],
    ],
  );
});

test('a "From " line inside one notice\'s text (no date after it) does not split the mail', () => {
  const r = parseBounceSync(Buffer.from(`${notice('ann@q.example')}\nFrom the postmaster: sorry.\n`));
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['ann@q.example'],
  );
});

test('a "From " line with trailing spaces (as some mail stores write them) still starts a notice', () => {
  const file = [
    'From MAILER-DAEMON Mon Jun  2 10:00:00 2031 ',
    notice('ann@q.example'),
    '',
    'From MAILER-DAEMON Tue Jun  3 11:30:00 2031\t',
    notice('bob@q.example'),
  ].join('\n');
  const r = parseBounceSync(Buffer.from(file));
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['ann@q.example', 'bob@q.example'],
  );
});
