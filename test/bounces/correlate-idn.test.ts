/**
 * Internationalised addresses: we store a recipient's domain in its A-label form (what DNS knows), while an
 * RFC 6533 report (`Final-Recipient: utf-8; …`) may name it in Unicode. Both are the same recipient.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ParsedRecipient } from '../../src/bounces/types.js';
import { splitAddress } from '../../src/intake/intake.js';
import { enqueue, jsonProcessor, reportJson, setState, stateOf, tempStore, type TempStore } from './support.js';

let t: TempStore;
before(() => {
  t = tempStore();
});
after(() => t.cleanup());

const stored = (a: string): string => splitAddress(a).address;

function unknownUser(address: string): ParsedRecipient {
  return {
    address,
    final_recipient: address,
    original_recipient: null,
    action: 'failed',
    status: '5.1.1',
    diagnostic: `550 5.1.1 <${address}>: Recipient address rejected: User unknown in local recipient table`,
    category: 'mailbox-unknown',
    hard: true,
    confidence: 'high',
  };
}

async function receive(raw: Buffer): Promise<void> {
  const row = await t.store.inbound.receive({ receivedAt: Date.now(), mailFrom: '', rcptTo: ['postmaster@bounces.test'], clientIp: null, raw });
  await jsonProcessor(t.store).process(row.id);
}

test('a report naming the Unicode domain finds the recipient we stored under its A-label, among several', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: [stored('用户@例え.test'), stored('jane@bücher.test')] });
  assert.equal(a.address, '用户@xn--r8jz45g.test', 'stored with the A-label');
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  await receive(reportJson({ original_message_id: `<${message.messageId}>`, recipients: [unknownUser('jane@bücher.test')] }));
  assert.equal(stateOf(t.store, b.id), 'bounced');
  assert.equal(stateOf(t.store, a.id), 'delivered', 'the other recipient is not touched');
});

test('the last-resort match by address also reads a Unicode domain as its A-label', async () => {
  const {
    recipients: [r],
  } = await enqueue(t.store, { recipients: [stored('δοκιμή@παράδειγμα.test')] });
  setState(t.store, r.id, 'delivered');
  await receive(reportJson({ recipients: [unknownUser('δοκιμή@παράδειγμα.test')] }));
  assert.equal(stateOf(t.store, r.id), 'bounced');
});

test('a UTF-8 local part Exim wrote as punycode for a server without SMTPUTF8 ("xn--mller-kva@") is the address we sent to', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: [stored('müller@ascii.test'), stored('jane@ascii.test')] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  await receive(reportJson({ original_message_id: `<${message.messageId}>`, recipients: [unknownUser('xn--mller-kva@ascii.test')] }));
  assert.equal(stateOf(t.store, a.id), 'bounced');
  assert.equal(stateOf(t.store, b.id), 'delivered', 'the other recipient is not touched');
});
