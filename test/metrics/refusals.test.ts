/**
 * Attacks made visible: SMTP refusals and HTTP credential failures driven over real sockets, then read
 * from GET /metrics, with labels that name a listener and a reason, never an address or a user name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createRefusalCounters } from '../../src/metrics/refusals.js';
import { requestFrom } from '../helpers/http-from.js';
import { READ_TOKEN, startApi } from '../api/helpers.js';
import { tempStore } from '../query/fixture.js';
import { RawClient, startHarness } from '../submission/harness.js';
import { parseExposition, sampleValue } from './exposition.js';

test('SMTP refusals and HTTP credential failures are counted in /metrics by listener and reason', async () => {
  const refusals = createRefusalCounters();
  const sub = await startHarness({ limits: { max_connections_per_ip: 1 }, deps: { refusals } });
  // One set of counters for the listener, the API and the registry /metrics serves, as main.ts wires them.
  const t = tempStore();
  const metrics = createMetrics({ store: t.store, logger: silentLogger(), defaultMetrics: false, refusals });
  const served = await startApi({ metrics, refusals }, { limits: { max_auth_failures: 2 } });
  const clients: RawClient[] = [];
  try {
    // Submission: AUTH in clear text (538), MAIL without AUTH (530), a wrong password after STARTTLS (535).
    const clear = await RawClient.connect(sub.starttlsPort, { localAddress: '127.0.8.1' });
    clients.push(clear);
    await clear.read();
    await clear.command('EHLO client.test');
    assert.equal((await clear.command('AUTH PLAIN AGFwcABub3Bl'))?.code, 538);
    assert.equal((await clear.command('MAIL FROM:<a@example.com>'))?.code, 530);
    const wrong = await RawClient.connect(sub.starttlsPort, { localAddress: '127.0.8.2' });
    clients.push(wrong);
    await wrong.read();
    await wrong.command('EHLO client.test');
    await wrong.startTls();
    assert.equal((await wrong.login('app', 'not the password'))?.code, 535);
    // A second connection from 127.0.8.2 is over max_connections_per_ip: 421 before a byte is read.
    const over = await RawClient.connect(sub.starttlsPort, { localAddress: '127.0.8.2' });
    clients.push(over);
    assert.equal((await over.read())?.code, 421);

    // HTTP: two invalid tokens (the second starts a block), then a request refused for the block.
    const get = (token: string) => requestFrom(`${served.base}/v1/queue`, { localAddress: '127.0.8.3', headers: { authorization: `Bearer ${token}` } });
    assert.equal((await get('guess-1')).status, 401);
    assert.equal((await get('guess-2')).status, 429);
    assert.equal((await get(READ_TOKEN)).status, 429);

    const scrape = await requestFrom(`${served.base}/metrics`, { localAddress: '127.0.8.4', headers: { authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(scrape.status, 200, scrape.text);
    const text = scrape.text;
    const smtp = (reason: string) => sampleValue(text, 'mailtrail_smtp_refusals_total', { listener: 'submission', reason });
    assert.equal(smtp('cleartext-auth'), 1, 'AUTH before STARTTLS');
    assert.equal(smtp('relay-attempt'), 1, 'MAIL without AUTH');
    assert.equal(smtp('auth-failure'), 1, 'the wrong password');
    assert.equal(smtp('limit'), 1, 'the connection over the per-address limit');
    assert.equal(smtp('auth-user-budget'), 0, 'known reasons start at 0');
    assert.equal(sampleValue(text, 'mailtrail_http_auth_failures_total', { via: 'api' }), 2);
    assert.equal(sampleValue(text, 'mailtrail_http_auth_blocks_total', { via: 'api' }), 1);
    assert.equal(sampleValue(text, 'mailtrail_http_auth_blocked_requests_total', { via: 'api' }), 1);
    assert.equal(sampleValue(text, 'mailtrail_http_connections_refused_total', { limit: 'per-ip' }), 0);
    for (const s of parseExposition(text).filter((s) => /^mailtrail_(smtp_refusals|http_)/.test(s.name)))
      for (const v of Object.values(s.labels)) assert.doesNotMatch(v, /127\.0\.|app/, `no address or user name in a label (${s.name} ${v})`);
  } finally {
    for (const c of clients) c.destroy();
    await served.cleanup();
    await t.cleanup();
    await sub.close();
  }
});

test('a reason that is not a plain word is counted as other, so a label never carries free text', async () => {
  const refusals = createRefusalCounters();
  refusals.smtpRefused('bounces', '5.1.1 No such recipient <x@y>');
  refusals.smtpRefused('bounces', 'recipient');
  const metrics = createMetrics({
    store: {} as never,
    logger: silentLogger(),
    defaultMetrics: false,
    refusals,
  });
  const text = await metrics.registry.metrics();
  assert.equal(sampleValue(text, 'mailtrail_smtp_refusals_total', { listener: 'bounces', reason: 'other' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_smtp_refusals_total', { listener: 'bounces', reason: 'recipient' }), 1);
});
