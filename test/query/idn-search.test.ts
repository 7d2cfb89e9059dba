/** Search by an internationalised recipient or domain as a person types it: recipients are stored with the A-label. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newQueueId } from '../../src/intake/queue-id.js';
import { searchMessages } from '../../src/query/search.js';
import { newMessage } from '../helpers/new-message.js';
import { tempStore } from '../queue/fixtures.js';

test('a recipient or domain typed in Unicode finds the message stored under the A-label', async (t) => {
  const s = tempStore();
  t.after(() => s.cleanup());
  const { message } = await s.store.messages.enqueue(newMessage({ queueId: newQueueId(), recipients: ['kunde@xn--bcher-kva.test', 'other@example.org'] }));
  for (const p of [{ recipient: 'kunde@bücher.test' }, { recipient: 'Kunde@BÜCHER.test' }, { domain: 'bücher.test' }, { domain: 'xn--bcher-kva.test' }]) {
    const found = await searchMessages(s.store, p);
    assert.deepEqual(
      found.messages.map((m) => m.queue_id),
      [message.queueId],
      JSON.stringify(p),
    );
  }
});
