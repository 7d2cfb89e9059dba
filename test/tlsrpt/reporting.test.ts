/**
 * SMTP TLS reporting (RFC 8460) end to end on real sockets: dnsmasq publishes the MX hosts, the MTA-STS and
 * `_smtp._tls` TXT records; one local HTTPS server (127.0.14.60:443, test CA) serves the MTA-STS policy and
 * takes the POSTed reports; test MTAs play the MX hosts. Mail goes through intake and the real scheduler
 * into a SQLite store, which counts the TLS sessions; the reporter then sends the day's reports.
 *
 *   https.test   enforce, mx *.https.test; MX mx0 (certificate for another name), mxn (no STARTTLS),
 *                mx1 (valid): each delivery = a host-mismatch failure, a starttls-not-supported failure
 *                and a success. rua=https://reports.https.test/tlsrpt
 *   mail.test    no policy, a valid certificate; rua=mailto:tls-reports@mail.test
 *   silent.test  no _smtp._tls record: no report
 *   flaky.test   rua=https://reports.flaky.test/r, which answers 503 the first time
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { configuredIntake } from '../../src/intake/configured.js';
import { silentLogger } from '../../src/log/logger.js';
import { createDeliverySide } from '../../src/queue/delivery-side.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { parseTlsRptRecord, parseTlsRptRecords } from '../../src/tlsrpt/record.js';
import type { TlsReport } from '../../src/tlsrpt/report.js';
import { createTlsReporter } from '../../src/tlsrpt/sender.js';
import { utcDay } from '../../src/tlsrpt/sessions.js';
import { testConfig } from '../delivery/fixtures.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';

const HTTPS_IP = '127.0.14.60';
const IP = { mx0: '127.0.14.61', mxn: '127.0.14.62', mx1: '127.0.14.63', mail: '127.0.14.64' };
const DAY_MS = 86_400_000;
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-tlsrpt-'));
let ca: TestCa;
let dns: DnsServer;
let server: https.Server;
const posts: { host: string; url: string; type: string; body: Buffer }[] = [];
let flakyAnswers = 0;
const mtas: TestMta[] = [];
let store: SqliteStore;
let config: Config;
let deliveredOn: string;

before(async () => {
  ca = createTestCa(dir);
  dns = await startDnsServer({
    mx: [
      { name: 'https.test', exchange: 'mx0.https.test', preference: 5 },
      { name: 'https.test', exchange: 'mxn.https.test', preference: 7 },
      { name: 'https.test', exchange: 'mx1.https.test', preference: 10 },
      ...['mail.test', 'silent.test', 'flaky.test'].map((name) => ({ name, exchange: 'mx.mail.test', preference: 10 })),
    ],
    a: [
      { name: 'mta-sts.https.test', address: HTTPS_IP },
      { name: 'reports.https.test', address: HTTPS_IP },
      { name: 'reports.flaky.test', address: HTTPS_IP },
      { name: 'mx0.https.test', address: IP.mx0 },
      { name: 'mxn.https.test', address: IP.mxn },
      { name: 'mx1.https.test', address: IP.mx1 },
      { name: 'mx.mail.test', address: IP.mail },
    ],
    txt: [
      { name: '_mta-sts.https.test', text: 'v=STSv1; id=20261203;' },
      { name: '_smtp._tls.https.test', text: 'v=TLSRPTv1; rua=https://reports.https.test/tlsrpt' },
      { name: '_smtp._tls.mail.test', text: 'v=TLSRPTv1;rua=mailto:tls-reports@mail.test' },
      { name: '_smtp._tls.flaky.test', text: 'v=TLSRPTv1; rua=https://reports.flaky.test/r' },
    ],
  });
  server = https.createServer(ca.issue(['mta-sts.https.test', 'reports.https.test', 'reports.flaky.test']), (req, res) => {
    const host = String(req.headers.host);
    if (req.method === 'GET' && host === 'mta-sts.https.test' && req.url === '/.well-known/mta-sts.txt') {
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('version: STSv1\nmode: enforce\nmx: *.https.test\nmax_age: 86400\n');
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ host, url: String(req.url), type: String(req.headers['content-type']), body: Buffer.concat(chunks) });
      if (host === 'reports.flaky.test' && flakyAnswers++ === 0) return void res.writeHead(503).end();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(443, HTTPS_IP, resolve));
  mtas.push(await startTestMta({ host: IP.mx0, tls: ca.issue(['wrong-name.https.test']) }));
  mtas.push(await startTestMta({ host: IP.mxn }));
  mtas.push(await startTestMta({ host: IP.mx1, tls: ca.issue(['mx1.https.test']) }));
  mtas.push(await startTestMta({ host: IP.mail, tls: ca.issue(['mx.mail.test']) }));
  config = testConfig(dns.address, {
    test_only_ca_file: ca.file,
    worker_thread: false,
    // One message per connection: every delivery opens its own TLS session, so the counts are exact.
    max_messages_per_connection: 1,
    tls_reporting: { enabled: true, organization_name: 'Mailtrail Test', contact_info: 'postmaster@relay.mailtrail.test' },
  });
  store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 2000 });

  // A day's mail: two to https.test, one to each of the others, through intake and the real scheduler.
  const intake = configuredIntake({ config, store, logger: silentLogger() });
  deliveredOn = utcDay(Date.now());
  for (const to of ['a@https.test', 'b@https.test', 'c@mail.test', 'd@silent.test', 'e@flaky.test']) {
    await intake.accept(
      {
        mailFrom: 'app@sender.test',
        recipients: [{ address: to, notify: null, orcpt: null }],
        envId: null,
        ret: null,
        username: 'app',
        clientIp: '127.0.0.1',
        clientHostname: null,
        helo: null,
        protocol: 'ESMTPA',
        tls: null,
        senderDomains: ['*'],
      },
      Buffer.from(`From: app@sender.test\r\nTo: ${to}\r\nSubject: hello\r\n\r\nHello.\r\n`),
    );
  }
  const side = createDeliverySide({ config, store, logger: silentLogger() });
  for (let i = 0; i < 10; i++) {
    await side.scheduler.runOnce();
    const counts = await store.queue.countsByState(Date.now());
    if (!counts.byState.queued && !counts.byState.deferred) break;
  }
  await side.deliverer.close();
});

after(async () => {
  await Promise.all(mtas.map((m) => m.stop()));
  await new Promise((r) => server?.close(r));
  await dns?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const nextDay = (hours = 0) => Date.parse(`${deliveredOn}T00:00:00Z`) + DAY_MS + hours * 3_600_000 + 60_000;
const reporter = (s = store) =>
  createTlsReporter({ config, store: s, intake: configuredIntake({ config, store: s, logger: silentLogger() }), logger: silentLogger() });
const reportsOfMail = async () => (await store.query.search({ sender: '', limit: 50 })).filter((m) => m.origin === 'dsn');

test('the mail was delivered and every TLS session counted for its day', async () => {
  assert.equal(mtas[2]!.messages.length, 2, 'both https.test messages reached mx1 over TLS');
  const rows = await store.tlsReports.sessionsOn(deliveredOn);
  assert.deepEqual([...new Set(rows.map((r) => r.domain))].sort(), ['flaky.test', 'https.test', 'mail.test', 'silent.test']);
});

test('nothing is sent before the day is over', async () => {
  assert.deepEqual(await reporter().runOnce(Date.parse(`${deliveredOn}T23:00:00Z`)), []);
  assert.equal(posts.filter((p) => p.url !== '/.well-known/mta-sts.txt').length, 0);
});

test('after the day: https rua gets the gzipped JSON report with the right counts and result types; no TXT, no report', async () => {
  const results = await reporter().runOnce(nextDay());
  assert.deepEqual(results.map((r) => `${r.domain} ${r.state}`).sort(), ['flaky.test failed', 'https.test sent', 'mail.test sent', 'silent.test no-report']);
  const post = posts.find((p) => p.host === 'reports.https.test')!;
  assert.equal(post.type, 'application/tlsrpt+gzip');
  assert.equal(post.url, '/tlsrpt');
  const report = JSON.parse(gunzipSync(post.body).toString('utf8')) as TlsReport;
  assert.equal(report['organization-name'], 'Mailtrail Test');
  assert.equal(report['contact-info'], 'postmaster@relay.mailtrail.test');
  assert.deepEqual(report['date-range'], { 'start-datetime': `${deliveredOn}T00:00:00Z`, 'end-datetime': `${deliveredOn}T23:59:59Z` });
  assert.equal(report['report-id'], `${deliveredOn}T00:00:00Z_https.test@relay.mailtrail.test`);
  assert.equal(report.policies.length, 1);
  const [p] = report.policies;
  assert.deepEqual(p!.policy, {
    'policy-type': 'sts',
    'policy-string': ['version: STSv1', 'mode: enforce', 'mx: *.https.test', 'max_age: 86400'],
    'policy-domain': 'https.test',
    'mx-host': ['*.https.test'],
  });
  assert.deepEqual(p!.summary, { 'total-successful-session-count': 2, 'total-failure-session-count': 4 });
  const details = p!['failure-details']!.map(({ 'sending-mta-ip': ip, ...rest }) => {
    assert.ok(net.isIP(ip ?? ''), `sending-mta-ip is our address (${ip})`);
    return rest;
  });
  assert.deepEqual(
    details.sort((a, b) => a['result-type'].localeCompare(b['result-type'])),
    [
      {
        'result-type': 'certificate-host-mismatch',
        'receiving-mx-hostname': 'mx0.https.test',
        'receiving-ip': IP.mx0,
        'failed-session-count': 2,
        'failure-reason-code': 'ERR_TLS_CERT_ALTNAME_INVALID',
      },
      { 'result-type': 'starttls-not-supported', 'receiving-mx-hostname': 'mxn.https.test', 'receiving-ip': IP.mxn, 'failed-session-count': 2 },
    ],
  );
  assert.equal(posts.filter((x) => x.host === 'reports.flaky.test').length, 1, 'flaky.test was tried and failed');
});

test('mailto rua: the report is a multipart/report; report-type=tlsrpt mail queued through intake', async () => {
  const mails = await reportsOfMail();
  assert.equal(mails.length, 1, 'one report mail (mail.test); none for silent.test');
  const m = mails[0]!;
  assert.equal(m.mailFrom, '', 'the null sender: nothing is reported back about a report');
  assert.deepEqual(
    (await store.messages.recipients(m.id)).map((r) => [r.address, r.state]),
    [['tls-reports@mail.test', 'queued']],
  );
  const parsed = await simpleParser((await store.messages.content(m.id))!);
  const type = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
  assert.equal(type.value, 'multipart/report');
  assert.equal(type.params['report-type'], 'tlsrpt');
  assert.equal(parsed.subject, `Report Domain: mail.test Submitter: relay.mailtrail.test Report-ID: <${deliveredOn}T00:00:00Z_mail.test@relay.mailtrail.test>`);
  assert.equal(parsed.headers.get('tls-report-domain'), 'mail.test');
  assert.equal(parsed.headers.get('tls-report-submitter'), 'relay.mailtrail.test');
  assert.match(parsed.text ?? '', /SMTP TLS report \(RFC 8460\) for mail\.test/);
  assert.equal(parsed.attachments.length, 1);
  const [a] = parsed.attachments;
  assert.equal(a!.contentType, 'application/tlsrpt+gzip');
  const start = Date.parse(`${deliveredOn}T00:00:00Z`) / 1000;
  assert.equal(a!.filename, `relay.mailtrail.test!mail.test!${start}!${start + 86_399}.json.gz`);
  const report = JSON.parse(gunzipSync(a!.content).toString('utf8')) as TlsReport;
  assert.deepEqual(report.policies, [
    {
      policy: { 'policy-type': 'no-policy-found', 'policy-domain': 'mail.test' },
      summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 },
    },
  ]);
});

test('a report is sent once: another node finds it sent; a failed one is retried once at the next run', async () => {
  const other = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 2000 });
  try {
    const results = await reporter(other).runOnce(nextDay(1));
    assert.deepEqual(
      results.map((r) => `${r.domain} ${r.state}`),
      ['flaky.test sent'],
    );
    assert.deepEqual(await reporter(other).runOnce(nextDay(2)), []);
  } finally {
    await other.close();
  }
  assert.deepEqual(await reporter().runOnce(nextDay(3)), []);
  assert.equal(posts.filter((p) => p.host === 'reports.https.test').length, 1, 'https.test: one POST in all');
  assert.equal(posts.filter((p) => p.host === 'reports.flaky.test').length, 2, 'flaky.test: the failure and its one retry');
  assert.equal((await reportsOfMail()).length, 1, 'mail.test: one mail in all');
});

test('TLSRPT records are read strictly (RFC 8460 §3)', () => {
  assert.deepEqual(
    parseTlsRptRecord('v=TLSRPTv1; rua=mailto:a@example.com, https://r.example.com/x ;').record?.rua.map((r) => r.kind),
    ['mailto', 'https'],
  );
  assert.deepEqual(parseTlsRptRecord('v=TLSRPTv1;rua=mailto:a@example.com;ext_1=yes').record?.rua.length, 1);
  for (const bad of [
    'v=TLSRPTv1',
    'v=TLSRPTv1; rua=mailto:not-an-address',
    'v=TLSRPTv1; rua=https://a.example/x; rua=https://b.example/y',
    'v=TLSRPTv1; rua=ftp://a.example/',
    'v=TLSRPTv1; rua=mailto:a@example.com; bad field',
  ]) {
    assert.equal(parseTlsRptRecord(bad).record, null, bad);
  }
  assert.equal(parseTlsRptRecords(['v=TLSRPTv1; rua=mailto:a@example.com', 'v=TLSRPTv1; rua=mailto:b@example.com']).record, null, 'two records: none');
  assert.equal(parseTlsRptRecords(['v=spf1 -all', 'v=TLSRPTv1; rua=mailto:b@example.com']).record?.rua.length, 1, 'other TXT records are ignored');
});

test('tls_reporting.enabled without organization_name or contact_info is refused with the key named', () => {
  assert.throws(
    () => parseConfig({ hostname: 'relay.mailtrail.test', delivery: { tls_reporting: { enabled: true } } }),
    /tls_reporting\.organization_name[\s\S]*tls_reporting\.contact_info|tls_reporting\.contact_info[\s\S]*tls_reporting\.organization_name/,
  );
});
