/**
 * DKIM on the real path: `mailtrail dkim keygen` (a subprocess) makes the key and prints the record, dnsmasq
 * publishes that record, the relay (in-process, one thread) signs at intake and delivers over SMTP to a test
 * MTA, and dkimpy verifies the message as the MTA received it (after dot-stuffing both ways). Then the
 * refusals: a From domain the user may not send from is not signed with its key, and a key that cannot
 * sign makes the app hear 451 with nothing queued.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { hashPassword } from '../../src/auth/password.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { startRelay, type Relay } from '../../src/main.js';
import { messageFate } from '../../src/query/fate.js';
import { renderFates } from '../../src/query/render.js';
import { dkimpyUnavailable, dkimpyVerify } from '../helpers/dkim-verify.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { runCli, waitFor } from '../e2e/cli.js';

const RELAY_IP = '127.0.14.1';
const MX_IP = '127.0.14.2';
const PORT = 14587;
const skip = dkimpyUnavailable();
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-dkim-'));
const configFile = path.join(dir, 'mailtrail.yaml');
let dns: DnsServer;
let mta: TestMta;
let relay: Relay;
const records: { name: string; text: string }[] = [];

/** `name. 3600 IN TXT ( "part" "part" )` → name and the joined text, as a resolver gives it. */
function fromZoneRecord(line: string): { name: string; text: string } {
  const m = /^(\S+)\. 3600 IN TXT \( (.*) \)$/.exec(line.trim());
  assert.ok(m, `keygen printed a zone record: ${line}`);
  return { name: m[1], text: [...m[2].matchAll(/"([^"]*)"/g)].map((p) => p[1]).join('') };
}

before(async () => {
  if (skip) return;
  writeFileSync(
    configFile,
    `hostname: relay.dkim.test
database: { path: q.db }
submission:
  starttls: { host: ${RELAY_IP}, port: ${PORT} }
  implicit_tls: { enabled: false, host: ${RELAY_IP}, port: 14465 }
  cleartext_auth: loopback
api: { enabled: false }
`,
  );
  for (const args of [
    ['shop.test', '--selector', 'mt1'],
    ['shop.test', '--selector', 'mt2', '--algorithm', 'ed25519'],
  ]) {
    const r = await runCli(['dkim', 'keygen', ...args, '--config', configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /signs mail from shop\.test from now on/);
    records.push(fromZoneRecord(r.stdout));
  }
  dns = await startDnsServer({
    mx: [{ name: 'rcpt.test', exchange: 'mx.rcpt.test', preference: 10 }],
    a: [{ name: 'mx.rcpt.test', address: MX_IP }],
    txt: records,
  });
  mta = await startTestMta({ host: MX_IP });
  const config = loadConfig(configFile);
  config.delivery.worker_thread = false;
  config.delivery.dns_servers = [dns.address];
  config.delivery.poll_interval_ms = 100;
  relay = await startRelay(config, { logger: silentLogger() });
  // A broken key of one domain, there before the first message: it must not stop the other domains' mail.
  await relay.store.dkimKeys.add({
    domain: 'broken.test',
    selector: 's1',
    algorithm: 'rsa-sha256',
    privateKey: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
    publicKey: 'x',
    active: true,
    createdAt: Date.now(),
  });
  await relay.store.users.add({
    name: 'app',
    passwordHash: await hashPassword('secret-pw-123'),
    senderDomains: ['shop.test', 'other.test', 'broken.test'],
    createdAt: Date.now(),
  });
});

after(async () => {
  await relay?.stop();
  await Promise.all([mta?.stop(), dns?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const transport = () =>
  nodemailer.createTransport({ host: RELAY_IP, port: PORT, secure: false, ignoreTLS: true, auth: { user: 'app', pass: 'secret-pw-123' } });

test('keygen keys sign at intake; dkimpy accepts the message as delivered, with its 8-bit body and dot-leading lines', {
  skip: skip ?? false,
  timeout: 30_000,
}, async () => {
  const info = await transport().sendMail({
    envelope: { from: 'news@shop.test', to: ['alice@rcpt.test'] },
    raw:
      'From: Boutique Frédéric <news@shop.test>\r\nTo: alice@rcpt.test\r\nSubject: Voilà\r\nMessage-ID: <dkim-1@shop.test>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nDéjà vu à 10 €.\r\n.\r\n..double\r\n' +
      'y'.repeat(990) +
      '\r\n',
  });
  assert.match(info.response, /^250 /);
  const received = await waitFor(async () => mta.messages.find((m) => m.raw.includes('dkim-1@shop.test')), 'delivery to the test MTA');
  const verdicts = await dkimpyVerify(received.raw, dns.address);
  assert.deepEqual(
    verdicts.map((v) => [v.d, v.s, v.a, v.ok, v.error]),
    [
      ['shop.test', 'mt1', 'rsa-sha256', true, null],
      ['shop.test', 'mt2', 'ed25519-sha256', true, null],
    ],
  );

  const [fate] = await messageFate(relay.store, 'dkim-1@shop.test');
  assert.deepEqual(fate.submission.dkim, [
    { d: 'shop.test', s: 'mt1', a: 'rsa-sha256' },
    { d: 'shop.test', s: 'mt2', a: 'ed25519-sha256' },
  ]);
  assert.match(renderFates([fate]), /Signed {5}DKIM d=shop\.test s=mt1 \(rsa-sha256\), d=shop\.test s=mt2 \(ed25519-sha256\)/);
});

test('a header broken off by a line that is no field (a stray CR, a body without its blank line) is delivered with its blank line, and verifies', {
  skip: skip ?? false,
  timeout: 30_000,
}, async () => {
  for (const [id, head] of [
    ['dkim-cr@shop.test', `From: news@shop.test\r\nTo: alice@rcpt.test\r\nSubject: cr\rinside\r\nMessage-ID: <dkim-cr@shop.test>\r\n\r\n`],
    ['dkim-noblank@shop.test', `From: news@shop.test\r\nTo: alice@rcpt.test\r\nMessage-ID: <dkim-noblank@shop.test>\r\n`],
  ]) {
    await transport().sendMail({
      envelope: { from: 'news@shop.test', to: ['alice@rcpt.test'] },
      raw: `${head}Body line, no blank line above it in the second case.\r\n`,
    });
    const tag = id === 'dkim-cr@shop.test' ? 'Subject: cr' : 'dkim-noblank@shop.test';
    const received = await waitFor(async () => mta.messages.find((m) => m.raw.includes(tag)), `delivery of ${id}`);
    const verdicts = await dkimpyVerify(received.raw, dns.address);
    assert.deepEqual(
      verdicts.map((v) => [v.a, v.ok, v.error]),
      [
        ['rsa-sha256', true, null],
        ['ed25519-sha256', true, null],
      ],
      id,
    );
  }
});

test('a From domain without a key goes unsigned, and the trace says why', { skip: skip ?? false }, async () => {
  await transport().sendMail({
    envelope: { from: 'a@other.test', to: ['alice@rcpt.test'] },
    raw: 'From: a@other.test\r\nTo: alice@rcpt.test\r\nSubject: x\r\nMessage-ID: <dkim-2@other.test>\r\n\r\nHi.\r\n',
  });
  const [fate] = await messageFate(relay.store, 'dkim-2@other.test');
  assert.deepEqual(fate.submission.dkim, []);
  assert.match(fate.submission.dkim_note ?? '', /no DKIM key for other\.test \(mailtrail dkim keygen other\.test\)/);
  assert.match(renderFates([fate]), /Signed {5}not signed: no DKIM key for other\.test/);
});

test("a header From in a domain the user may not send from is not signed with that domain's key", { skip: skip ?? false }, async () => {
  await relay.store.users.add({ name: 'tenant', passwordHash: await hashPassword('secret-pw-456'), senderDomains: ['other.test'], createdAt: Date.now() });
  const t = nodemailer.createTransport({ host: RELAY_IP, port: PORT, secure: false, ignoreTLS: true, auth: { user: 'tenant', pass: 'secret-pw-456' } });
  await t.sendMail({
    envelope: { from: 'a@other.test', to: ['alice@rcpt.test'] },
    raw: 'From: ceo@shop.test\r\nTo: alice@rcpt.test\r\nSubject: x\r\nMessage-ID: <dkim-3@other.test>\r\n\r\nHi.\r\n',
  });
  const [fate] = await messageFate(relay.store, 'dkim-3@other.test');
  assert.deepEqual(fate.submission.dkim, []);
  assert.match(fate.submission.dkim_note ?? '', /shop\.test is not among the sending user's domains/);
  const raw = await relay.store.messages.content((await relay.store.messages.getByQueueId(fate.queue_id))!.id);
  assert.ok(!raw!.toString('latin1').includes('DKIM-Signature'), 'nothing signed with shop.test');
});

test("a stored key that cannot sign: that domain's app hears 451 4.3.5 and nothing is queued (other domains were signed meanwhile)", {
  skip: skip ?? false,
}, async () => {
  const before = await relay.store.messages.count();
  await assert.rejects(
    transport().sendMail({
      envelope: { from: 'a@broken.test', to: ['alice@rcpt.test'] },
      raw: 'From: a@broken.test\r\nTo: alice@rcpt.test\r\nSubject: x\r\n\r\nHi.\r\n',
    }),
    (err: Error & { responseCode?: number; response?: string }) => {
      assert.equal(err.responseCode, 451);
      assert.match(err.response ?? '', /^451 4\.3\.5 Message not queued: the stored DKIM key s1 of broken\.test is unusable/);
      return true;
    },
  );
  assert.equal(await relay.store.messages.count(), before);
});
