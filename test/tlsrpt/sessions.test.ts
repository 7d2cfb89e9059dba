/**
 * Which TLS sessions an attempt's phases count for RFC 8460 reports, on the phase shapes the deliverer
 * records (test/tlsrpt/reporting.test.ts sees the same on real sockets for enforce and no policy).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttemptReport, PhaseRecord } from '../../src/delivery/types.js';
import { tlsSessionsOf } from '../../src/tlsrpt/sessions.js';

const AT = Date.UTC(2030, 0, 1, 12);
const at = (host: string, ip: string | null) => ({ at: AT, durationMs: 1, enhanced: null, text: null, remoteHost: host, remoteIp: ip });
const dns = (mtaSts?: Record<string, unknown>, kind = 'mx'): PhaseRecord => ({
  phase: 'dns',
  ...at('', null),
  code: null,
  remoteHost: null,
  detail: { kind, ...(mtaSts ? { mta_sts: mtaSts } : {}) },
});
const connect = (host: string, ip: string, extra: Record<string, unknown> = {}): PhaseRecord => ({
  phase: 'connect',
  ...at(host, ip),
  code: 220,
  detail: { port: 25, local_ip: '192.0.2.1', ...extra },
});
const ehlo = (host: string, ip: string, starttls: boolean): PhaseRecord => ({
  phase: 'ehlo',
  ...at(host, ip),
  code: 250,
  detail: { extensions: starttls ? { STARTTLS: '', PIPELINING: '' } : { PIPELINING: '' } },
});
const starttls = (host: string, ip: string, detail: Record<string, unknown>, error: string | null = null): PhaseRecord => ({
  phase: 'starttls',
  ...at(host, ip),
  code: 220,
  error,
  detail,
});
const report = (phases: PhaseRecord[]): AttemptReport => ({
  startedAt: AT,
  finishedAt: AT,
  domain: 'x.test',
  phases,
  recipients: [],
  mx: null,
  ip: null,
  throttled: false,
});
const brief = (r: AttemptReport) =>
  tlsSessionsOf(r)
    .map((c) => `${c.result} ${c.receivingMx} ${c.reason} ×${c.sessions}`.replace(/ +/g, ' '))
    .sort();

test('opportunistic, no policy: a failed handshake counts once, not its cleartext retry; a reused connection not at all', () => {
  const r = report([
    dns(),
    connect('mx1.x.test', '198.51.100.1'),
    ehlo('mx1.x.test', '198.51.100.1', true),
    starttls('mx1.x.test', '198.51.100.1', { tls_error: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'ETLS'),
    connect('mx1.x.test', '198.51.100.1'),
    ehlo('mx1.x.test', '198.51.100.1', true),
  ]);
  assert.deepEqual(brief(r), ['validation-failure mx1.x.test ERR_SSL_WRONG_VERSION_NUMBER ×1']);
  assert.deepEqual(tlsSessionsOf(r)[0]!.policyId, '', 'no-policy-found');
  const reused = report([dns(), connect('mx1.x.test', '198.51.100.1', { reused: true })]);
  assert.deepEqual(brief(reused), []);
});

test('testing policy: an unverified certificate and an unlisted MX are failures though the mail went', () => {
  const sts = { mode: 'testing', id: 'p7', mx: ['mx1.x.test'], max_age: 600, not_matching: ['other.x.test'] };
  const r = report([
    dns(sts),
    connect('mx1.x.test', '198.51.100.1'),
    ehlo('mx1.x.test', '198.51.100.1', true),
    starttls('mx1.x.test', '198.51.100.1', { verified: false, authorization_error: 'CERT_HAS_EXPIRED' }),
    connect('other.x.test', '198.51.100.2'),
    ehlo('other.x.test', '198.51.100.2', true),
    starttls('other.x.test', '198.51.100.2', { verified: true }),
  ]);
  assert.deepEqual(brief(r), ['certificate-expired mx1.x.test CERT_HAS_EXPIRED ×1', 'validation-failure other.x.test mx-not-in-policy ×1']);
  assert.deepEqual([tlsSessionsOf(r)[0]!.policyId, tlsSessionsOf(r)[0]!.policyMode, tlsSessionsOf(r)[0]!.policyMaxAge], ['p7', 'testing', 600]);
});

test('a failed policy fetch counts once per attempt; routes and the smarthost count nothing', () => {
  const r = report([
    dns({ mode: 'none', source: 'none', error: 'x', error_type: 'sts-policy-invalid' }),
    connect('mx1.x.test', '198.51.100.1'),
    ehlo('mx1.x.test', '198.51.100.1', false),
  ]);
  assert.deepEqual(brief(r), ['starttls-not-supported mx1.x.test ×1', 'sts-policy-invalid ×1']);
  assert.deepEqual(brief(report([dns(undefined, 'route'), connect('relay.x.test', '198.51.100.9'), ehlo('relay.x.test', '198.51.100.9', false)])), []);
});
