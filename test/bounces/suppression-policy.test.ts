/**
 * bounces.suppress_on: every hard bounce suppresses (`hard`), or only those the parser is highly
 * confident of (`high-confidence`); the bounce itself is recorded either way.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InboundProcessor, SuppressOn } from '../../src/bounces/processor.js';
import type { ParsedRecipient, ParseResult } from '../../src/bounces/types.js';
import { enqueue, jsonProcessor, setState, stateOf, tempStore, type TempStore } from './support.js';
import { suppressionList } from '../../src/suppression/list.js';

let t: TempStore;
before(() => {
  t = tempStore();
});
after(() => t.cleanup());

const processorWith = (suppressOn: SuppressOn): InboundProcessor => jsonProcessor(t.store, { suppressOn });

async function bounce(p: InboundProcessor, queueId: string, recipient: ParsedRecipient): Promise<void> {
  const report: ParseResult = {
    kind: 'bounce',
    format: 'rfc3464',
    recipients: [recipient],
    original_message_id: null,
    envelope_id: queueId,
    reporting_mta: 'mx.remote.test',
    feedback_type: null,
  };
  const row = await t.store.inbound.receive({
    receivedAt: Date.now(),
    mailFrom: '',
    rcptTo: ['postmaster@bounces.test'],
    clientIp: null,
    raw: Buffer.from(JSON.stringify(report)),
  });
  await p.process(row.id);
}

const hardUnknown = (address: string, confidence: ParsedRecipient['confidence']): ParsedRecipient => ({
  address,
  action: 'failed',
  status: '5.1.1',
  diagnostic: '550 5.1.1 User unknown',
  category: 'mailbox-unknown',
  hard: true,
  confidence,
  evidence: { source: 'diagnostic', rule: 'wording:user-unknown', text: '550 5.1.1 User unknown' },
});

test('high-confidence: a hard bounce of low confidence bounces the recipient but does not suppress the address', async () => {
  const p = processorWith('high-confidence');
  const {
    message,
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['low@remote.test'] });
  setState(t.store, r.id, 'delivered');
  await bounce(p, message.queueId, hardUnknown('low@remote.test', 'low'));
  assert.equal(stateOf(t.store, r.id), 'bounced');
  assert.equal(await suppressionList(t.store).has('low@remote.test'), false);
  const [ev] = (await t.store.events.forMessage(message.id)).filter((e) => e.phase === 'inbound');
  assert.equal(ev.detail?.confidence, 'low', 'the event says how certain the verdict was');
});

test('high-confidence: a hard bounce of high confidence suppresses', async () => {
  const p = processorWith('high-confidence');
  const {
    message,
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['high@remote.test'] });
  setState(t.store, r.id, 'delivered');
  await bounce(p, message.queueId, hardUnknown('high@remote.test', 'high'));
  assert.equal(await suppressionList(t.store).has('high@remote.test'), true);
});

test('hard (the default): every hard bounce suppresses, whatever its confidence', async () => {
  const p = processorWith('hard');
  const {
    message,
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['any@remote.test'] });
  setState(t.store, r.id, 'delivered');
  await bounce(p, message.queueId, hardUnknown('any@remote.test', 'low'));
  assert.equal(await suppressionList(t.store).has('any@remote.test'), true);
});
