/**
 * A forwarded recipient: the report's failed address is the forwarding target, the address we sent to is
 * its original recipient. The bounce applies to our recipient, and our address is the one suppressed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enqueue, jsonProcessor, reportJson, setState, stateOf, tempStore, type TempStore } from './support.js';
import { suppressionList } from '../../src/suppression/list.js';

let t: TempStore;
before(() => {
  t = tempStore();
});
after(() => t.cleanup());

const processor = () => jsonProcessor(t.store);

test('in a message of several recipients, the forwarded one is found by its original recipient and our address is suppressed', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: ['jane@example.test', 'joe@example.test'] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  const forwarded = {
    address: 'jane.doe@elsewhere.test',
    final_recipient: 'jane.doe@elsewhere.test',
    original_recipient: 'Jane@Example.test',
    action: 'failed' as const,
    status: '5.1.1',
    diagnostic: '550 5.1.1 User unknown',
    category: 'mailbox-unknown' as const,
    hard: true,
    confidence: 'high' as const,
  };
  const row = await t.store.inbound.receive({
    receivedAt: Date.now(),
    mailFrom: '',
    rcptTo: ['postmaster@bounces.test'],
    clientIp: null,
    raw: reportJson({ envelope_id: message.queueId, recipients: [forwarded] }),
  });
  await processor().process(row.id);
  assert.equal(stateOf(t.store, a.id), 'bounced');
  assert.equal(stateOf(t.store, b.id), 'delivered');
  assert.equal(await suppressionList(t.store).has('jane@example.test'), true, 'the address we sent to');
  assert.equal(await suppressionList(t.store).has('jane.doe@elsewhere.test'), false, 'not the forwarding target');
});

test('the last-resort match by address also tries the final recipient', async () => {
  const {
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['kim@example.test'] });
  setState(t.store, r.id, 'delivered');
  const reported = {
    address: 'kim.alias@example.test',
    final_recipient: 'kim@example.test',
    original_recipient: 'kim.alias@example.test',
    action: 'failed' as const,
    status: '5.2.2',
    diagnostic: '552 5.2.2 Mailbox full',
    category: 'mailbox-full' as const,
    hard: false,
  };
  const row = await t.store.inbound.receive({
    receivedAt: Date.now(),
    mailFrom: '',
    rcptTo: ['postmaster@bounces.test'],
    clientIp: null,
    raw: reportJson({ format: 'non-standard', recipients: [reported] }),
  });
  await processor().process(row.id);
  assert.equal((await t.store.inbound.get(row.id))?.matchRule, 'recipient-window');
  assert.equal(stateOf(t.store, r.id), 'bounced');
});
