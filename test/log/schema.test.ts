/**
 * The log schema (README "Log schema") on a real delivery path: intake commits a message, the scheduler
 * hands it to the real deliverer, which resolves the MX in a real DNS server (dnsmasq) and talks SMTP to a
 * scripted MTA on 127.0.12.1:25 that accepts one recipient and refuses the other. The pino output is
 * captured and the documented fields checked on message.received, smtp.phase and delivery.attempt lines;
 * `mailtrail tail --json` must give the same values under the same names.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createIntake } from '../../src/intake/intake.js';
import { toTailRecord } from '../../src/log/format.js';
import { createLogger } from '../../src/log/logger.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { tempStore, testConfig } from '../queue/fixtures.js';
import { createTestDeliverer, realDelivererMissing } from '../queue/real-deliverer.js';
import { FEED_START } from '../../src/store/store.js';

type Line = Record<string, unknown>;

const MTA_IP = '127.0.12.1';
let dns: DnsServer;
let mta: TestMta;
const lines: Line[] = [];
let queueId: string;
let messageId: string | null;
const t = tempStore();

before(async () => {
  if (realDelivererMissing) return;
  dns = await startDnsServer({
    mx: [{ name: 'schema.test', exchange: 'mx.schema.test', preference: 10 }],
    a: [{ name: 'mx.schema.test', address: MTA_IP }],
  });
  mta = await startTestMta({ host: MTA_IP, rcpt: { 'nobody@schema.test': { code: 550, text: '5.1.1 No such user here' } } });

  const logger = createLogger({ log: { level: 'info', file: null } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const config = testConfig({ dns_servers: [dns.address], connect_timeout_ms: 5_000, greeting_timeout_ms: 5_000, command_timeout_ms: 5_000 });
  const intake = createIntake({ store: t.store, hostname: 'relay.schema.test', logger });
  const raw = Buffer.from(
    'From: app@sender.test\r\nTo: alice@schema.test, nobody@schema.test\r\nSubject: schema\r\nMessage-ID: <schema-1@sender.test>\r\nX-Mailtrail-Tag: receipts\r\n\r\nHello.\r\n',
  );
  const accepted = await intake.accept(
    {
      mailFrom: 'app@sender.test',
      recipients: [
        { address: 'alice@schema.test', notify: null, orcpt: null },
        { address: 'nobody@schema.test', notify: null, orcpt: null },
      ],
      envId: null,
      ret: null,
      username: 'app',
      clientIp: '127.0.0.1',
      clientHostname: null,
      helo: 'client.test',
      protocol: 'ESMTPA',
      tls: null,
    },
    raw,
  );
  queueId = accepted.queueId;
  messageId = accepted.messageId;

  const deliverer = await createTestDeliverer(config, logger);
  const scheduler = createScheduler({ config, store: t.store, deliverer, logger });
  try {
    assert.equal(await scheduler.runOnce(), 2);
  } finally {
    await scheduler.stop(1_000);
    await deliverer.close();
  }
});

after(async () => {
  await mta?.stop();
  await dns?.stop();
  await t.cleanup();
});

const of = (event: string) => lines.filter((l) => l.event === event);

function assertCommon(l: Line) {
  assert.equal(typeof l.time, 'string');
  assert.ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(l.time as string), `ISO 8601 time: ${l.time}`);
  assert.equal(l.level, 'info');
  assert.equal(l.queue_id, queueId);
  assert.equal(l.message_id, messageId);
  assert.equal(l.tag, 'receipts');
  for (const legacy of ['queueId', 'messageId', 'remote_ip', 'remote_host', 'host', 'status', 'attempts', 'durationMs']) {
    assert.ok(!(legacy in l), `${l.event} has no "${legacy}" (the schema name is used)`);
  }
}

test('message.received: ids, tag, sender, size and client', { skip: realDelivererMissing }, () => {
  const [l] = of('message.received');
  assert.ok(l, 'one message.received line');
  assertCommon(l);
  assert.equal(messageId, 'schema-1@sender.test');
  assert.equal(l.sender, 'app@sender.test');
  assert.equal(l.recipients, 2);
  assert.equal(typeof l.size, 'number');
  assert.equal(l.user, 'app');
  assert.equal(l.client_ip, '127.0.0.1');
});

test('smtp.phase: every step with its reply, MX, IP, attempt and timing, and the message ids and tag', { skip: realDelivererMissing }, () => {
  const phases = of('smtp.phase');
  assert.deepEqual(
    [...new Set(phases.map((l) => l.phase))].filter((p) => ['dns', 'connect', 'ehlo', 'mail', 'rcpt', 'data'].includes(p as string)),
    ['dns', 'connect', 'ehlo', 'mail', 'rcpt', 'data'],
  );
  for (const l of phases) {
    assertCommon(l);
    assert.equal(l.domain, 'schema.test');
    assert.equal(l.attempt, 1);
    assert.equal(typeof l.duration_ms, 'number');
  }
  const connect = phases.find((l) => l.phase === 'connect')!;
  assert.equal(connect.mx, 'mx.schema.test');
  assert.equal(connect.ip, MTA_IP);
  assert.equal(connect.code, 220);
  const refused = phases.find((l) => l.phase === 'rcpt' && l.recipient === 'nobody@schema.test')!;
  assert.deepEqual([refused.code, refused.enhanced], [550, '5.1.1']);
  assert.match(String(refused.text), /No such user here/);
  assert.ok(phases.some((l) => l.phase === 'rcpt' && l.recipient === 'alice@schema.test' && l.code === 250));
});

test('delivery.attempt: one per recipient with outcome, deciding phase and reply, MX, IP, attempt, duration', { skip: realDelivererMissing }, () => {
  const attempts = of('delivery.attempt');
  assert.equal(attempts.length, 2);
  for (const l of attempts) {
    assertCommon(l);
    for (const k of [
      'recipient',
      'domain',
      'phase',
      'code',
      'enhanced',
      'text',
      'mx',
      'ip',
      'attempt',
      'duration_ms',
      'outcome',
      'category',
      'hard',
      'next_attempt_at',
    ]) {
      assert.ok(k in l, `delivery.attempt has ${k}`);
    }
    assert.equal(l.mx, 'mx.schema.test');
    assert.equal(l.ip, MTA_IP);
    assert.equal(l.attempt, 1);
  }
  const alice = attempts.find((l) => l.recipient === 'alice@schema.test')!;
  assert.deepEqual([alice.outcome, alice.phase, alice.code], ['delivered', 'data', 250]);
  const nobody = attempts.find((l) => l.recipient === 'nobody@schema.test')!;
  assert.deepEqual([nobody.outcome, nobody.phase, nobody.code, nobody.enhanced, nobody.hard], ['bounced', 'rcpt', 550, '5.1.1', true]);
});

test('mailtrail tail --json shows the same delivery under the same names and values', { skip: realDelivererMissing }, async () => {
  const feed = (await t.store.events.after(FEED_START, 1_000)).map(toTailRecord);
  for (const logged of of('delivery.attempt')) {
    const shown = feed.find((r) => r.outcome !== null && r.recipient === logged.recipient);
    assert.ok(shown, `a feed event for ${logged.recipient}`);
    for (const k of [
      'queue_id',
      'message_id',
      'recipient',
      'domain',
      'tag',
      'attempt',
      'outcome',
      'phase',
      'code',
      'enhanced',
      'mx',
      'ip',
      'category',
      'hard',
    ] as const) {
      assert.deepEqual(shown[k], logged[k], `${k} of ${logged.recipient}`);
    }
  }
  const received = feed.find((r) => r.event === 'received')!;
  assert.deepEqual([received.queue_id, received.message_id, received.tag, received.sender], [queueId, messageId, 'receipts', 'app@sender.test']);
});
