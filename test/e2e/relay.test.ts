/**
 * The whole relay, wired by src/main.ts and run by `mailtrail start` as a separate process, against real
 * sockets on loopback: an app submits over STARTTLS with AUTH, the relay resolves MX through a real DNS
 * server (dnsmasq), delivers to a scripted MTA that takes one recipient and refuses the other at RCPT,
 * sends the sender a failure notice, and later receives an asynchronous DSN (sent with swaks) on its
 * bounce listener. The story is then read back the way an operator would: the HTTP API and the
 * `mailtrail trace`, `bounces` and `suppressions` commands, each as a subprocess.
 *
 *   nodemailer ──STARTTLS+AUTH──► relay 127.0.7.1:10587
 *                                   │ MX rcpt.test → 127.0.7.2:25 (test MTA: good ✓, nobody 550 5.1.1)
 *                                   │ failure DSN to app@example.com → MX 127.0.7.3:25 (sender's MTA)
 *   swaks ── DSN 5.2.2 to VERP ──► bounce listener 127.0.7.1:10025
 *   fetch ── Bearer token ───────► API 127.0.7.1:18025
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { runCli, startRelayProcess, waitFor, type RelayProcess } from './cli.js';

const RELAY_IP = '127.0.7.1';
const MX_IP = '127.0.7.2';
const SENDER_MX_IP = '127.0.7.3';
const SUBMISSION_PORT = 10587;
const BOUNCE_PORT = 10025;
const API_PORT = 18025;
const TOKEN = 'e2e-admin-token-0123456789abcdef';
const VERP_SECRET = 'e2e-verp-secret-0123456789';
const USER = 'app';
const PASSWORD = 'correct horse battery staple';
const SENDER = 'app@example.com';
const GOOD = 'good@rcpt.test';
const BAD = 'nobody@rcpt.test';
const MESSAGE_ID = `e2e-${process.pid}-${Date.now()}@example.com`;

let dir: string;
let configFile: string;
let dns: DnsServer | undefined;
let mta: TestMta | undefined;
let senderMta: TestMta | undefined;
let relay: RelayProcess | undefined;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-e2e-relay-'));
  dns = await startDnsServer({
    authoritative: ['test', 'example.com'],
    mx: [
      { name: 'rcpt.test', exchange: 'mx.rcpt.test', preference: 10 },
      { name: 'example.com', exchange: 'mx.example.com', preference: 10 },
    ],
    a: [
      { name: 'mx.rcpt.test', address: MX_IP },
      { name: 'mx.example.com', address: SENDER_MX_IP },
    ],
  });
  mta = await startTestMta({
    host: MX_IP,
    name: 'mx.rcpt.test',
    rcpt: { [BAD]: { code: 550, text: '5.1.1 <nobody@rcpt.test>: Recipient address rejected: User unknown' } },
  });
  senderMta = await startTestMta({ host: SENDER_MX_IP, name: 'mx.example.com' });

  configFile = path.join(dir, 'mailtrail.yaml');
  writeFileSync(
    configFile,
    `# written by test/e2e/relay.test.ts
hostname: relay.e2e.test
database:
  path: mailtrail.db               # relative to this file: in the temp dir
log:
  level: info
submission:
  starttls: { enabled: true, host: ${RELAY_IP}, port: ${SUBMISSION_PORT} }
  implicit_tls: { enabled: false, host: ${RELAY_IP}, port: 10465 }
  cleartext_auth: loopback
delivery:
  enabled: true
  dns_servers: ["${dns.address}"]
  dns_timeout_ms: 2000
  port: 25
  connect_timeout_ms: 5000
  greeting_timeout_ms: 5000
  command_timeout_ms: 5000
  poll_interval_ms: 200
  retry: { min_delay_ms: 1000, max_delay_ms: 2000, jitter: 0 }
  bounce_domains: { example.com: bounces.example.com }
bounces:
  enabled: true
  listener: { enabled: true, host: ${RELAY_IP}, port: ${BOUNCE_PORT} }
  verp_secret: ${VERP_SECRET}
api:
  enabled: true
  host: ${RELAY_IP}
  port: ${API_PORT}
  tokens: [{ name: e2e, token: ${TOKEN}, scope: admin }]
`,
  );
});

after(async () => {
  await relay?.stop(2_000);
  await mta?.stop();
  await senderMta?.stop();
  await dns?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Fate {
  queue_id: string;
  message_id: string | null;
  origin: string;
  mail_from: string;
  recipients: {
    address: string;
    state: string;
    verdict: string;
    last_enhanced: string | null;
    last_code: number | null;
    category: string | null;
    hard: boolean | null;
  }[];
  timeline: Array<
    | {
        type: 'event';
        kind: string;
        recipient: string | null;
        detail: Record<string, unknown> | null;
        phase: string | null;
        code: number | null;
        enhanced: string | null;
      }
    | {
        type: 'attempt';
        recipients: string[];
        phases: { phase: string | null; code: number | null; enhanced: string | null; recipient: string | null }[];
        outcomes: { kind: string; recipient: string | null; code: number | null }[];
      }
  >;
}

async function api<T>(urlPath: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://${RELAY_IP}:${API_PORT}${urlPath}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as T };
}

async function fateOf(key: string): Promise<Fate | null> {
  const { status, body } = await api<{ messages: Fate[] }>(`/v1/messages/${encodeURIComponent(key)}`);
  return status === 200 ? body.messages[0] : null;
}

const stateOf = (f: Fate | null, address: string) => f?.recipients.find((r) => r.address === address)?.state;

/** An RFC 3464 report from the recipient's MTA: the mailbox filled up after it accepted the message. */
function mailboxFullDsn(verp: string): string {
  return [
    'Return-Path: <>',
    'Date: ' + new Date().toUTCString(),
    'From: Mail Delivery System <MAILER-DAEMON@mx.rcpt.test>',
    `To: ${verp}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'Message-ID: <dsn-e2e-1@mx.rcpt.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b-e2e-dsn"',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--b-e2e-dsn',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message to <${GOOD}> could not be delivered: the mailbox is full.`,
    '',
    '--b-e2e-dsn',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.rcpt.test',
    'Arrival-Date: ' + new Date().toUTCString(),
    '',
    `Final-Recipient: rfc822; ${GOOD}`,
    `Original-Recipient: rfc822; ${GOOD}`,
    'Action: failed',
    'Status: 5.2.2',
    'Remote-MTA: dns; store.rcpt.test',
    `Diagnostic-Code: smtp; 552 5.2.2 <${GOOD}>: Mailbox full, quota exceeded`,
    '',
    '--b-e2e-dsn',
    'Content-Type: text/rfc822-headers',
    '',
    `From: ${SENDER}`,
    `To: ${GOOD}`,
    `Message-ID: <${MESSAGE_ID}>`,
    'Subject: hello from the e2e test',
    '',
    '--b-e2e-dsn--',
    '',
  ].join('\r\n');
}

test('submission → delivery → bounce, read back through the API and the CLI, then a clean stop', { timeout: 120_000 }, async (t) => {
  // 1. An account, added the way an operator does it (password from the environment, never argv).
  const added = await runCli(['users', 'add', USER, '--domains', 'example.com', '--config', configFile], { env: { MAILTRAIL_PASSWORD: PASSWORD } });
  assert.equal(added.code, 0, `users add failed: ${added.stderr}`);
  assert.match(added.stdout, /added user app/);

  // 2. The relay, as `mailtrail start`.
  relay = startRelayProcess(configFile);
  const started = await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');
  assert.equal(started.config_file, configFile);
  assert.equal(started.database, path.join(dir, 'mailtrail.db'));
  assert.deepEqual(started.api, { host: RELAY_IP, port: API_PORT });
  assert.equal(started.delivery, true);
  assert.ok(!relay.lines.some((l) => l.event === 'relay.no_users'), 'a user exists: no "no users yet" hint expected');

  // 3. One message, two recipients, over STARTTLS with AUTH.
  const transport = nodemailer.createTransport({
    host: RELAY_IP,
    port: SUBMISSION_PORT,
    secure: false,
    requireTLS: true,
    auth: { user: USER, pass: PASSWORD },
    tls: { rejectUnauthorized: false },
  });
  let info;
  try {
    info = await transport.sendMail({
      from: SENDER,
      to: [GOOD, BAD],
      subject: 'hello from the e2e test',
      text: 'Two recipients: one will be accepted, one refused.\n',
      messageId: `<${MESSAGE_ID}>`,
    });
  } finally {
    transport.close();
  }
  const queued = /queued as (\S+)/.exec(info.response);
  assert.ok(queued, `expected "queued as <id>" in the reply, got ${info.response}`);
  const queueId = queued[1];
  assert.deepEqual(info.accepted.sort(), [BAD, GOOD].sort());

  // 4. Delivered to one, bounced at RCPT for the other (polled through the API with the token).
  const afterDelivery = await waitFor(
    async () => {
      const f = await fateOf(MESSAGE_ID);
      return stateOf(f, GOOD) === 'delivered' && stateOf(f, BAD) === 'bounced' ? f : null;
    },
    'good delivered and nobody bounced (GET /v1/messages/{id})',
    30_000,
  );
  assert.equal(afterDelivery.queue_id, queueId);
  const anonymous = await fetch(`http://${RELAY_IP}:${API_PORT}/v1/messages/${encodeURIComponent(MESSAGE_ID)}`);
  assert.equal(anonymous.status, 401, 'the API refuses a request without the token');
  assert.equal(mta!.messages.length, 1, 'the MTA got the message once, for the recipient it accepted');
  const received = mta!.messages[0];
  assert.deepEqual(
    received.rcptTo.map((r) => r.address),
    [GOOD],
  );
  // VERP: the return path names the recipient, at the bounce domain, with a token.
  const verp = received.mailFrom;
  assert.match(verp, /^b\+[0-9a-z]+-[a-z2-7]{16}@bounces\.example\.com$/);
  assert.match(received.raw.toString('utf8'), new RegExp(`Message-ID: <${MESSAGE_ID.replace(/[.]/g, '\\.')}>`, 'i'));

  // The failure notice for the refused recipient is queued to the sender and delivered to its MX.
  await senderMta!.waitForMessages(1, 30_000);
  const notice = senderMta!.messages[0];
  assert.equal(notice.mailFrom, '', 'a DSN goes out with the null sender');
  assert.deepEqual(
    notice.rcptTo.map((r) => r.address),
    [SENDER],
  );
  const noticeText = notice.raw.toString('utf8');
  assert.match(noticeText, /multipart\/report; report-type=delivery-status/i);
  assert.match(noticeText, new RegExp(`Final-Recipient: rfc822; ?${BAD}`, 'i'));
  assert.match(noticeText, /Status: 5\.1\.1/);
  assert.doesNotMatch(noticeText, new RegExp(`Final-Recipient: rfc822; ?${GOOD}`, 'i'), 'the delivered recipient is not in the failure notice');

  // 5. Later, the recipient's MTA reports the mailbox full: an RFC 3464 DSN to the VERP address.
  const dsnFile = path.join(dir, 'dsn.eml');
  writeFileSync(dsnFile, mailboxFullDsn(verp));
  const swaks = await promisify(execFile)(
    'swaks',
    ['--server', RELAY_IP, '--port', String(BOUNCE_PORT), '--helo', 'mx.rcpt.test', '--from', '<>', '--to', verp, '--data', `@${dsnFile}`],
    {
      timeout: 20_000,
    },
  ).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`swaks failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
  assert.match(swaks.stdout, /^<-\s+250 .*stored as inbound/m, 'the bounce listener accepted the DSN');
  await waitFor(async () => stateOf(await fateOf(MESSAGE_ID), GOOD) === 'bounced', 'good turned bounced by the asynchronous DSN', 20_000);

  // 6. `mailtrail trace --json`, as a subprocess reading the database the relay is writing.
  const traced = await runCli(['trace', `<${MESSAGE_ID}>`, '--json', '--config', configFile]);
  assert.equal(traced.code, 0, traced.stderr);
  const fates = (JSON.parse(traced.stdout) as { messages: Fate[] }).messages;
  assert.equal(fates.length, 1);
  const fate = fates[0];
  assert.equal(fate.queue_id, queueId);
  assert.equal(fate.message_id, MESSAGE_ID);
  assert.equal(fate.mail_from, SENDER);

  await t.test('recipient 1: delivered, then bounced after delivery (5.2.2, soft, mailbox full)', () => {
    const good = fate.recipients.find((r) => r.address === GOOD)!;
    assert.equal(good.state, 'bounced');
    assert.match(
      good.verdict,
      /^bounced after delivery: mailbox full \(soft, 5\.2\.2\); delivered to mx\.rcpt\.test at \d\d:\d\d UTC, bounce reported by mx\.rcpt\.test at \d\d:\d\d UTC$/,
    );
    const events = fate.timeline.filter((e) => e.type === 'event' && (e as { recipient: string | null }).recipient === GOOD);
    const bounced = events.find((e) => e.type === 'event' && e.kind === 'bounced') as Extract<Fate['timeline'][number], { type: 'event' }> | undefined;
    assert.ok(bounced, 'a bounced event for the good recipient');
    assert.equal(bounced.enhanced, '5.2.2');
    assert.equal(bounced.detail?.category, 'mailbox-full');
    assert.equal(bounced.detail?.hard, false);
    assert.equal(bounced.detail?.match_rule, 'verp');
    const delivered = fate.timeline.find((e) => e.type === 'attempt' && e.outcomes.some((o) => o.kind === 'delivered' && o.recipient === GOOD));
    assert.ok(delivered, 'the delivery attempt that preceded the bounce is kept');
  });

  await t.test('recipient 2: bounced at RCPT with 550 5.1.1, hard', () => {
    const bad = fate.recipients.find((r) => r.address === BAD)!;
    assert.equal(bad.state, 'bounced');
    assert.equal(bad.last_code, 550);
    assert.equal(bad.last_enhanced, '5.1.1');
    assert.equal(bad.hard, true);
    assert.equal(bad.category, 'mailbox-unknown');
    assert.match(bad.verdict, /^bounced by mx\.rcpt\.test \[127\.0\.7\.2\] at .*: mailbox unknown \(hard, 5\.1\.1\)/);
    assert.doesNotMatch(bad.verdict, /after delivery/);
  });

  await t.test('the timeline holds every SMTP phase with the server codes', () => {
    const attempts = fate.timeline.filter((e): e is Extract<Fate['timeline'][number], { type: 'attempt' }> => e.type === 'attempt');
    // VERP: one transaction per recipient.
    const forGood = attempts.find((a) => a.recipients.includes(GOOD));
    const forBad = attempts.find((a) => a.recipients.includes(BAD));
    assert.ok(forGood && forBad, 'one attempt per recipient');
    const codes = (a: typeof forGood) => Object.fromEntries(a.phases.filter((p) => p.phase !== 'dns').map((p) => [p.phase, p.code]));
    assert.deepEqual(
      { connect: codes(forGood).connect, ehlo: codes(forGood).ehlo, mail: codes(forGood).mail, rcpt: codes(forGood).rcpt, data: codes(forGood).data },
      { connect: 220, ehlo: 250, mail: 250, rcpt: 250, data: 250 },
    );
    const badRcpt = forBad.phases.find((p) => p.phase === 'rcpt');
    assert.deepEqual({ code: badRcpt?.code, enhanced: badRcpt?.enhanced, recipient: badRcpt?.recipient }, { code: 550, enhanced: '5.1.1', recipient: BAD });
    assert.ok(!forBad.phases.some((p) => p.phase === 'data' && p.code !== null), 'no DATA after the only recipient was refused');
    assert.ok(
      forGood.phases.some((p) => p.phase === 'dns'),
      'the MX lookup is part of the attempt',
    );
  });

  await t.test('failure notices go to the sender: at once for the refused recipient, and again when the late bounce arrives', async () => {
    const dsnSent = fate.timeline.filter((e) => e.type === 'event' && e.kind === 'dsn-sent') as Extract<Fate['timeline'][number], { type: 'event' }>[];
    // mailtrail put its own VERP address in MAIL FROM, so the late bounce came to it, not to the sender:
    // it owes the sender the notice the sender would otherwise have received.
    assert.deepEqual(
      dsnSent.map((e) => [e.recipient, e.detail?.type]),
      [
        [BAD, 'failure'],
        [GOOD, 'failure'],
      ],
    );
    // The notice is a message of its own, traceable by its queue id, delivered to the sender's MX.
    const dsnQueueId = String(dsnSent[0].detail?.dsn_queue_id);
    const notice = await fateOf(dsnQueueId);
    assert.ok(notice, `the DSN ${dsnQueueId} is in the database`);
    assert.equal(notice.origin, 'dsn');
    assert.equal(notice.mail_from, '');
    assert.deepEqual(
      notice.recipients.map((r) => [r.address, r.state]),
      [[SENDER, 'delivered']],
    );
  });

  await t.test('`mailtrail trace` without --json tells the same story in words', async () => {
    const text = await runCli(['trace', MESSAGE_ID, '--config', configFile]);
    assert.equal(text.code, 0, text.stderr);
    const out = text.stdout;
    assert.equal(out.split('\n')[0], '2 recipients: all bounced', 'the verdict leads');
    assert.match(out, new RegExp(`^Message <${MESSAGE_ID.replace(/[.]/g, '\\.')}>\\s+queue id ${queueId}`, 'm'));
    assert.match(out, new RegExp(`^  ${GOOD}\\s+bounced after delivery: mailbox full \\(soft, 5\\.2\\.2\\)`, 'm'));
    assert.match(out, new RegExp(`^  ${BAD}\\s+bounced by mx\\.rcpt\\.test \\[127\\.0\\.7\\.2\\] .*mailbox unknown \\(hard, 5\\.1\\.1\\)`, 'm'));
    assert.match(out, /by user app from 127\.0\.0\.1/);
    assert.match(out, /over TLSv1\.[23]/, 'the submission was under STARTTLS');
    for (const phase of ['connect', 'ehlo', 'mail', 'rcpt', 'data'])
      assert.match(out, new RegExp(`^\\s+${phase}\\s+\\d{3}`, 'm'), `phase ${phase} with a code`);
    assert.match(out, /rcpt\s+550 5\.1\.1 .*\(nobody@rcpt\.test\)/);
    assert.match(out, /dsn-sent\s+nobody@rcpt\.test/);
    assert.match(out, /bounced\s+good@rcpt\.test: 552 5\.2\.2 .*\(reported by mx\.rcpt\.test\)/);
  });

  await t.test('`mailtrail bounces` lists the DSN, matched by VERP to recipient 1', async () => {
    const listed = await runCli(['bounces', '--json', '--config', configFile]);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].kind, 'bounce');
    assert.equal(rows[0].match_rule, 'verp');
    assert.equal(rows[0].queue_id, queueId);
    assert.equal(rows[0].recipient, GOOD);
    assert.deepEqual(rows[0].rcpt_to, [verp]);
    const unmatched = await runCli(['bounces', '--unmatched', '--config', configFile]);
    assert.equal(unmatched.code, 0, unmatched.stderr);
    assert.equal(unmatched.stdout, 'no unmatched inbound mail\n');
  });

  await t.test('a soft asynchronous bounce (mailbox full) does not suppress the address', async () => {
    const list = await runCli(['suppressions', 'list', '--json', '--config', configFile]);
    assert.equal(list.code, 0, list.stderr);
    const addresses = list.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { address: string }).address);
    assert.ok(!addresses.includes(GOOD), `${GOOD} must not be suppressed for a full mailbox: ${list.stdout}`);
  });

  // src/types.ts (glossary, "hard"): "Hard bounces and complaints suppress", at RCPT as well as by mail later.
  await t.test('a hard bounce at RCPT (550 5.1.1) puts the address on the suppression list', async () => {
    const list = await runCli(['suppressions', 'list', '--json', '--config', configFile]);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { address: string; source: string });
    assert.deepEqual(
      rows.map((r) => [r.address, r.source]),
      [[BAD, 'hard-bounce']],
    );
  });

  // 7. SIGTERM: a clean stop, exit 0, relay.stopped logged.
  const t0 = Date.now();
  const exit = await relay.stop(10_000);
  assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${relay.stderr()}`);
  assert.ok(Date.now() - t0 < 10_000, 'stopped within the grace period');
  assert.ok(
    relay.lines.some((l) => l.event === 'relay.stopping' && l.signal === 'SIGTERM'),
    'relay.stopping with the signal',
  );
  assert.ok(
    relay.lines.some((l) => l.event === 'relay.stopped'),
    'relay.stopped logged',
  );
  assert.equal(relay.stderr(), '', 'nothing on stderr');
});
