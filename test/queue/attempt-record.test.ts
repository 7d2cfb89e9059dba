/**
 * planAttempt (src/queue/attempt-record.ts), the pure step from an attempt's report to what the queue
 * writes: the outcome events' detail that later readers (the DSN, the trace) depend on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../../src/classify/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { AttemptReport, RecipientOutcome } from '../../src/delivery/types.js';
import { planAttempt } from '../../src/queue/attempt-record.js';
import type { Job } from '../../src/queue/jobs.js';
import type { MessageRecord, RecipientRecord } from '../../src/types.js';
import { recipientRecord } from '../helpers/recipient-record.js';

const NOW = Date.UTC(2026, 0, 5, 10, 0, 0);
const retry = parseConfig({ hostname: 'relay.test' }).delivery.retry;

function recipient(id: number, address: string): RecipientRecord {
  return recipientRecord({ id, address, domain: 'example.org', nextAttemptAt: NOW, leaseOwner: 'w', leaseUntil: NOW + 60_000, updatedAt: NOW });
}

function outcome(recipientId: number, over: Partial<RecipientOutcome>): RecipientOutcome {
  const base = {
    recipientId,
    outcome: 'bounced' as const,
    phase: 'rcpt' as const,
    code: 550,
    enhanced: null,
    text: 'No such user here',
    remoteHost: 'mx.example.org',
    remoteIp: '192.0.2.5',
  };
  const o = { ...base, ...over };
  return { ...o, classification: classify({ phase: o.phase, code: o.code, enhanced: o.enhanced, text: o.text, error: o.afterBody ? 'ECONNRESET' : null }) };
}

function plan(outcomes: RecipientOutcome[], recipients: RecipientRecord[]) {
  const message = { id: 1, createdAt: NOW - 60_000, origin: 'submission' } as MessageRecord;
  const job: Job = { message, domain: 'example.org', recipients, envelopeFrom: 'app@example.com', claimedAt: NOW };
  const report: AttemptReport = {
    startedAt: NOW - 100,
    finishedAt: NOW,
    domain: 'example.org',
    phases: [],
    recipients: outcomes,
    mx: 'mx.example.org',
    ip: '192.0.2.5',
    throttled: false,
  };
  return planAttempt(job, report, { now: NOW, retry, skipSteps: 0, random: () => 0.5 });
}

test("a status the server did not give is stored with the classifier's, marked status_inferred; the server's own is not marked", () => {
  const p = plan(
    [outcome(1, {}), outcome(2, { enhanced: '5.1.1', text: '5.1.1 No such user here' })],
    [recipient(1, 'a@example.org'), recipient(2, 'b@example.org')],
  );
  const [a, b] = p.write.events.filter((e) => e.kind === 'bounced');
  assert.deepEqual([a!.enhanced, a!.detail?.status_inferred], ['5.1.1', true]);
  assert.deepEqual([b!.enhanced, b!.detail?.status_inferred], ['5.1.1', undefined]);
});

test('a deferral at the data phase says whether the message had been sent (after_body), which the trace reads for "may have it twice"', () => {
  const p = plan(
    [
      outcome(1, { outcome: 'deferred', phase: 'data', code: null, text: 'no reply within 300000 ms' }),
      outcome(2, { outcome: 'deferred', phase: 'data', code: null, text: 'the server closed the connection', afterBody: true }),
      outcome(3, { outcome: 'deferred', phase: 'rcpt', code: 451, text: '4.7.1 greylisted' }),
    ],
    [recipient(1, 'a@example.org'), recipient(2, 'b@example.org'), recipient(3, 'c@example.org')],
  );
  const deferred = p.write.events.filter((e) => e.kind === 'deferred');
  assert.deepEqual(
    deferred.map((e) => e.detail?.after_body),
    [false, true, undefined],
  );
});
