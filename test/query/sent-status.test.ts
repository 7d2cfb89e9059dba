/**
 * A status the server did not send is not shown as its words: `550 User unknown` stays `550 User unknown` in
 * the trace and on the page, though the recorded outcome carries the classifier's status (for the DSN's
 * Status and statistics, marked `status_inferred`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageFate } from '../../src/query/fate.js';
import { renderFates } from '../../src/query/render.js';
import { html } from '../../src/web/html.js';
import { messagePage } from '../../src/web/pages/message.js';
import { newQueueId } from '../../src/intake/queue-id.js';
import { newMessage } from '../helpers/new-message.js';
import { enqueue, tempStore, T0 } from '../queue/fixtures.js';

test('an inferred status is kept in the record but the trace and the page show the reply as sent', async (t) => {
  const s = tempStore();
  t.after(() => s.cleanup());
  const { message, recipients } = await enqueue(s.store, { to: ['ann@example.org'] });
  const r = recipients[0]!;
  await s.store.queue.claimDue({ now: T0, limit: 1, owner: 'w', leaseUntil: T0 + 60_000 });
  await s.store.queue.recordAttempt({
    owner: 'w',
    at: T0,
    events: [
      { at: T0, kind: 'phase', messageRowId: message.id, phase: 'rcpt', code: 550, enhanced: null, text: 'User unknown', recipientId: r.id, attempt: 1 },
      {
        at: T0,
        kind: 'bounced',
        messageRowId: message.id,
        recipientId: r.id,
        attempt: 1,
        phase: 'rcpt',
        code: 550,
        enhanced: '5.1.1',
        text: 'User unknown',
        detail: { category: 'mailbox-unknown', hard: true, status_inferred: true },
      },
    ],
    recipients: [
      {
        id: r.id,
        state: 'bounced',
        nextAttemptAt: null,
        lastCode: 550,
        lastEnhanced: '5.1.1',
        lastText: 'User unknown',
        category: 'mailbox-unknown',
        hard: true,
      },
    ],
  });
  const fates = await messageFate(s.store, message.queueId, { now: T0 });
  const outcome = fates[0]!.timeline.flatMap((e) => (e.type === 'attempt' ? e.outcomes : []))[0]!;
  assert.equal(outcome.enhanced, '5.1.1', 'the record keeps the inferred status');
  const text = renderFates(fates);
  assert.match(text, /→ bounced ann@example\.org: 550 User unknown$/m);
  assert.doesNotMatch(text, /550 5\.1\.1 User unknown/);
  const page = String(
    messagePage({
      user: { principal: { name: 'support', scope: 'read' }, csrf: 'x' },
      fate: fates[0]!,
      details: null,
      subject: 'hello',
      sameMessageId: 1,
      notice: html``,
    }),
  );
  assert.match(page, /ann@example\.org<\/span>: <span class="mono">550 User unknown<\/span>/);
  assert.doesNotMatch(page, /550 5\.1\.1 User unknown/);
});

test('a queue id copied in lower case finds its message; a Message-ID keeps its case', async (t) => {
  const s = tempStore();
  t.after(() => s.cleanup());
  const { message } = await s.store.messages.enqueue(
    newMessage({ queueId: newQueueId(), messageId: 'Mixed.Case@App.Example', recipients: ['ann@example.org'] }),
  );
  assert.match(message.queueId, /^[0-9A-HJKMNP-TV-Z]{16}$/, 'a real queue id');
  const fates = await messageFate(s.store, message.queueId.toLowerCase(), { now: T0 });
  assert.equal(fates[0]?.queue_id, message.queueId);
  assert.deepEqual(await messageFate(s.store, message.messageId!.toUpperCase(), { now: T0 }), []);
});
