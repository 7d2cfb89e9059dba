import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const parse = (name: string) => parseBounce(readFileSync(path.join(fixtures, name)));

test('an RFC 3464 report gives every recipient in order, with its fields and the original Message-ID', async () => {
  const r = await parse('rfc3464-multi.eml');
  assert.equal(r.kind, 'bounce');
  assert.equal(r.format, 'rfc3464');
  assert.equal(r.reporting_mta, 'mx.example.org');
  assert.equal(r.envelope_id, 'Q123ABC');
  assert.equal(r.original_message_id, '<orig-1@example.com>');
  assert.deepEqual(r.recipients.map((x) => x.address), ['alice@example.net', 'bob@example.net']);
  const [alice, bob] = r.recipients;
  assert.equal(alice.status, '5.1.1');
  assert.equal(alice.action, 'failed');
  assert.match(alice.diagnostic ?? '', /Recipient address rejected: User unknown/, 'a folded Diagnostic-Code is unfolded');
  assert.equal(alice.remote_mta, 'mx.example.net');
  assert.equal(alice.original_recipient, 'Alice@Example.NET');
  assert.equal(alice.hard, true);
  assert.equal(alice.category, 'mailbox-unknown');
  assert.equal(bob.status, '5.2.2');
  assert.equal(bob.hard, false);
});

test('Action: delayed is a delay, not a bounce', async () => {
  const r = await parse('rfc3464-delayed.eml');
  assert.equal(r.kind, 'delay');
  assert.equal(r.recipients[0].action, 'delayed');
  assert.equal(r.recipients[0].will_retry_until, 'Fri, 5 Jan 2024 10:00:00 +0000');
});

test('an ARF report is a complaint for the original recipient', async () => {
  const r = await parse('arf.eml');
  assert.equal(r.kind, 'complaint');
  assert.equal(r.format, 'arf');
  assert.equal(r.feedback_type, 'abuse');
  assert.deepEqual(r.recipients.map((x) => [x.address, x.action]), [['dave@isp.example', null]]);
  assert.equal(r.original_message_id, '<orig-2@example.com>');
});

test('an out-of-office reply is an auto-reply; a DSN with Auto-Submitted stays a bounce', async () => {
  const r = await parse('auto-reply.eml');
  assert.equal(r.kind, 'auto-reply');
  assert.equal(r.recipients[0].address, 'erin@example.net');
  assert.equal((await parse('rfc3464-multi.eml')).kind, 'bounce');
  const subjectOnly = Buffer.from('From: x@example.net\nTo: app@example.com\nSubject: Out of Office: Hello\n\nAway.\n');
  assert.equal((await parseBounce(subjectOnly)).kind, 'auto-reply');
  const plain = Buffer.from('From: x@example.net\nTo: app@example.com\nSubject: Lunch?\n\nShall we?\n');
  assert.equal((await parseBounce(plain)).kind, 'not-a-bounce');
});

test('qmail notices give each recipient with its own status', async () => {
  const r = await parse('qmail.eml');
  assert.equal(r.kind, 'bounce');
  assert.equal(r.format, 'non-standard');
  assert.deepEqual(r.recipients.map((x) => [x.address, x.status, x.hard]), [
    ['frank@example.net', '5.1.1', true],
    ['grace@example.net', '5.2.2', false],
  ]);
  assert.equal(r.original_message_id, '<orig-4@example.com>');
});

test('Exim notices give the failed address and the remote reply', async () => {
  const r = await parse('exim.eml');
  assert.deepEqual(r.recipients.map((x) => x.address), ['heidi@example.net']);
  assert.equal(r.recipients[0].status, '5.1.1');
  assert.equal(r.recipients[0].reply_code, 550);
  assert.equal(r.original_message_id, '<orig-5@example.com>');
});

test('Sendmail notices give the failed address; an unknown host is hard', async () => {
  const r = await parse('sendmail.eml');
  assert.deepEqual(r.recipients.map((x) => x.address), ['ivan@example.net']);
  assert.equal(r.recipients[0].hard, true);
  assert.equal(r.recipients[0].status?.charAt(0), '5');
});
