/**
 * The history both backends' compact-form tests write (backend.test.ts under test/store/sqlite and
 * test/store/postgres): ten messages, each with one delivered attempt to the same MX (connect, mail, rcpt,
 * data, then the outcome). What is shared (the MX name, a usual reply, the classification) and what stays
 * inline (each queue id) is then checked in each backend's own tables.
 */
import type { Store } from '../../src/store/store.js';
import { newMessage } from './new-message.js';

export const COMPACT_MX = 'mx1.compact.test';

export async function writeCompactAttempts(store: Store, t0: number): Promise<void> {
  const mx = { remoteHost: COMPACT_MX, remoteIp: '192.0.2.55', attempt: 1 };
  for (let i = 0; i < 10; i++) {
    const m = await store.messages.enqueue(newMessage({ createdAt: t0 + i, recipients: [`r${i}@compact.test`] }));
    const r = m.recipients[0]!.id;
    await store.queue.claimDue({ now: t0 + 10_000, limit: 100, owner: 'c', leaseUntil: t0 + 60_000 });
    const at = t0 + 1_000 + i;
    const base = { at, messageRowId: m.message.id, ...mx };
    await store.queue.recordAttempt({
      owner: 'c',
      at,
      events: [
        { ...base, kind: 'phase', phase: 'connect', code: 220, text: `${COMPACT_MX} ESMTP ready` },
        { ...base, kind: 'phase', phase: 'mail', code: 250, enhanced: '2.1.0', text: 'Sender OK' },
        { ...base, recipientId: r, kind: 'phase', phase: 'rcpt', code: 250, enhanced: '2.1.5', text: 'Recipient OK' },
        { ...base, kind: 'phase', phase: 'data', code: 250, enhanced: '2.0.0', text: `queued as Q${i}` },
        {
          ...base,
          recipientId: r,
          kind: 'delivered',
          phase: 'data',
          code: 250,
          enhanced: '2.0.0',
          text: `queued as Q${i}`,
          detail: { category: 'accepted', hard: false },
        },
      ],
      recipients: [{ id: r, state: 'delivered', nextAttemptAt: null, lastCode: 250, lastEnhanced: '2.0.0', lastText: 'ok', category: 'accepted', hard: null }],
    });
  }
}
