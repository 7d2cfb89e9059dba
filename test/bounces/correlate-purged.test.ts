/**
 * A report whose VERP token we signed, for a recipient whose message has since been purged (retention): it is
 * certainly about that message, so it is not given to another one by a guess (the newest message to the same
 * address, or one reusing its Message-ID); it stays unmatched.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { correlate } from '../../src/bounces/correlate.js';
import type { ParseResult } from '../../src/bounces/types.js';
import { verpAddress } from '../../src/verp/token.js';
import { enqueue, setState, tempStore, type TempStore } from './support.js';

const SECRET = 'a-verp-secret-of-enough-length-0123456789';
let t: TempStore;
before(() => {
  t = tempStore();
});
after(() => t.cleanup());

test('a verified token of a purged recipient matches nothing, not the newest message to the same address', async () => {
  const old = await enqueue(t.store, { recipients: ['ann@sink.test'], messageId: 'same@app.test', createdAt: Date.now() - 100 * 86_400_000 });
  const newer = await enqueue(t.store, { recipients: ['ann@sink.test'], messageId: 'same@app.test' });
  setState(t.store, newer.recipients[0]!.id, 'delivered');
  const rcpt = verpAddress(SECRET, 'bounces.test', { recipientId: old.recipients[0]!.id });
  // The old message purged, as retention deletes it.
  for (const table of ['events', 'recipients', 'message_content', 'messages'])
    t.store.db.prepare(`DELETE FROM ${table} WHERE ${table === 'messages' ? 'id' : 'message_id'} = ?`).run(old.message.id);

  const parse: ParseResult = {
    kind: 'bounce',
    format: 'rfc3464',
    recipients: [
      {
        address: 'ann@sink.test',
        final_recipient: 'ann@sink.test',
        original_recipient: null,
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 User unknown',
        category: 'mailbox-unknown',
        hard: true,
        confidence: 'high',
      },
    ],
    original_message_id: 'same@app.test',
    envelope_id: old.message.queueId,
    reporting_mta: 'mx.sink.test',
    feedback_type: null,
  } as ParseResult;
  const opts = { verpSecret: SECRET, correlationWindowMs: 365 * 86_400_000, now: Date.now() };
  assert.equal(await correlate(t.store, [rcpt], parse, opts), null);
  // The same report without the token is a guess, and the guess is the newer message (the rule says so).
  const guessed = await correlate(t.store, ['postmaster@bounces.test'], parse, opts);
  assert.equal(guessed?.rule, 'message-id');
  assert.equal(guessed?.message.id, newer.message.id);
});
