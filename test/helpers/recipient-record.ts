/** A recipient row as the store returns it, for tests of pure functions over recipients (no database). */
import type { RecipientRecord } from '../../src/types.js';

export function recipientRecord(over: Partial<RecipientRecord> & { updatedAt: number }): RecipientRecord {
  return {
    id: 1,
    messageRowId: 1,
    address: 'ann@example.com',
    domain: 'example.com',
    state: 'queued',
    attempts: 0,
    nextAttemptAt: null,
    leaseOwner: null,
    leaseUntil: null,
    notify: null,
    orcpt: null,
    lastCode: null,
    lastEnhanced: null,
    lastText: null,
    category: null,
    hard: null,
    delayNotifiedAt: null,
    ...over,
  };
}
