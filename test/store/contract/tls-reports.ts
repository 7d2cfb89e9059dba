/**
 * TLS reporting (RFC 8460): session counts written with an attempt (only when the attempt was ours), read
 * per day; the once-per-day-and-domain claim that lets any node send a report and only one send it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TlsSessionCount } from '../../../src/store/deliverability.js';
import { enqueue, MIN, T0, update, withFreshStore, type OpenStore } from './support.js';

const count = (over: Partial<TlsSessionCount>): TlsSessionCount => ({
  day: '2030-01-01',
  domain: 'tls.test',
  policyId: 'p1',
  policyMode: 'enforce',
  policyMx: ['*.tls.test'],
  policyMaxAge: 86_400,
  result: 'success',
  sendingIp: '192.0.2.1',
  receivingMx: 'mx1.tls.test',
  receivingIp: '198.51.100.1',
  reason: '',
  sessions: 1,
  ...over,
});

export function tlsReportsContract(open: OpenStore): void {
  const fresh = (fn: Parameters<typeof withFreshStore>[1]) => () => withFreshStore(open, fn);

  describe('TLS reports', () => {
    test(
      'counts are written with the attempt, added up per key, and not written for a lost claim',
      fresh(async (store) => {
        const m = await enqueue(store, { recipients: ['a@tls.test', 'b@tls.test'] });
        const [a, b] = m.recipients;
        const claimed = await store.queue.claimDue({ now: T0, limit: 10, owner: 'A', leaseUntil: T0 + MIN });
        assert.equal(claimed.length, 2);
        const failure = count({ result: 'certificate-host-mismatch', receivingMx: 'mx0.tls.test', reason: 'ERR_TLS_CERT_ALTNAME_INVALID', sessions: 2 });
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [update(a!.id, 'delivered')], tlsSessions: [count({}), failure] });
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [update(b!.id, 'delivered')], tlsSessions: [count({ sessions: 3 })] });
        // b is no longer A's: nothing of this attempt is written, its counts neither.
        const lost = await store.queue.recordAttempt({
          owner: 'A',
          at: T0,
          events: [],
          recipients: [update(b!.id, 'delivered')],
          tlsSessions: [count({ sessions: 50 })],
        });
        assert.deepEqual(lost.lost, [b!.id]);
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [], tlsSessions: [count({ day: '2030-01-02' })] });
        const rows = await store.tlsReports.sessionsOn('2030-01-01');
        assert.deepEqual(
          rows.sort((x, y) => x.result.localeCompare(y.result)),
          [failure, count({ sessions: 4 })],
        );
        assert.deepEqual(await store.tlsReports.sessionsOn('2030-01-02'), [], 'an attempt with no recipient of ours writes no counts');
      }),
    );

    test(
      'a report is claimed by one node only; a failed one once more; a dead sender is replaced after its lease',
      fresh(async (store, opened) => {
        const other = await opened.another();
        const req = (owner: string, now = T0) => ({ day: '2030-01-01', domain: 'tls.test', owner, now, leaseUntil: now + 10 * MIN, maxTries: 2 });
        const both = await Promise.all([store.tlsReports.claim(req('A')), other.tlsReports.claim(req('B'))]);
        assert.deepEqual(
          both.filter((n) => n !== null),
          [1],
          'exactly one node holds it',
        );
        const holder = both[0] === 1 ? 'A' : 'B';
        const loser = holder === 'A' ? 'B' : 'A';
        assert.equal(
          await store.tlsReports.finish({ day: '2030-01-01', domain: 'tls.test', owner: loser, now: T0, state: 'sent', reportId: 'x', note: null }),
          false,
          'only the holder finishes it',
        );
        assert.equal(
          await store.tlsReports.finish({ day: '2030-01-01', domain: 'tls.test', owner: holder, now: T0, state: 'failed', reportId: 'r1', note: 'HTTP 503' }),
          true,
        );
        assert.equal(await other.tlsReports.claim(req('B', T0 + 1)), 2, 'a failed report is tried once more, by any node');
        assert.equal(
          await store.tlsReports.finish({ day: '2030-01-01', domain: 'tls.test', owner: 'B', now: T0, state: 'failed', reportId: 'r1', note: 'HTTP 503' }),
          true,
        );
        assert.equal(await store.tlsReports.claim(req('A', T0 + 2)), null, 'then given up');

        assert.equal(await store.tlsReports.claim({ ...req('A'), domain: 'sent.test' }), 1);
        assert.equal(
          await store.tlsReports.finish({ day: '2030-01-01', domain: 'sent.test', owner: 'A', now: T0, state: 'sent', reportId: 'r2', note: null }),
          true,
        );
        assert.equal(await other.tlsReports.claim({ ...req('B', T0 + 1), domain: 'sent.test' }), null, 'a sent report is never sent again');

        assert.equal(await store.tlsReports.claim({ ...req('A'), domain: 'dead.test' }), 1);
        assert.equal(await other.tlsReports.claim({ ...req('B', T0 + MIN), domain: 'dead.test' }), null, 'a live claim is respected');
        assert.equal(await other.tlsReports.claim({ ...req('B', T0 + 10 * MIN), domain: 'dead.test' }), 2, 'a claim past its lease is taken over');
      }),
    );

    test(
      'forget removes the counts and finished reports of older days',
      fresh(async (store) => {
        const m = await enqueue(store, { recipients: ['c@tls.test'] });
        await store.queue.claimDue({ now: T0, limit: 10, owner: 'A', leaseUntil: T0 + MIN });
        await store.queue.recordAttempt({
          owner: 'A',
          at: T0,
          events: [],
          recipients: [update(m.recipients[0]!.id, 'delivered')],
          tlsSessions: [count({ day: '2030-01-01' }), count({ day: '2030-01-03' })],
        });
        await store.tlsReports.claim({ day: '2030-01-01', domain: 'tls.test', owner: 'A', now: T0, leaseUntil: T0 + MIN, maxTries: 2 });
        await store.tlsReports.finish({ day: '2030-01-01', domain: 'tls.test', owner: 'A', now: T0, state: 'sent', reportId: 'r', note: null });
        assert.equal(await store.tlsReports.forget('2030-01-02'), 2);
        assert.deepEqual(await store.tlsReports.sessionsOn('2030-01-01'), []);
        assert.equal((await store.tlsReports.sessionsOn('2030-01-03')).length, 1);
        assert.equal(
          await store.tlsReports.claim({ day: '2030-01-01', domain: 'tls.test', owner: 'A', now: T0, leaseUntil: T0 + MIN, maxTries: 2 }),
          1,
          'its row is gone too',
        );
      }),
    );
  });
}
