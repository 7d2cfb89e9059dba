/**
 * The inbound listener over real sockets, with the real parser and a real SQLite store: who may be a
 * recipient, size limits, storage before 250, recovery after a crash, and hostile input.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBounces, type RunningBounces } from '../../src/bounces/index.js';
import { createInboundListener } from '../../src/bounces/listener.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createRefusalCounters } from '../../src/metrics/refusals.js';
import { parseBounce } from '../../src/bounces/parse/index.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { verpAddress } from '../../src/verp/token.js';
import { BOUNCE_DOMAIN, enqueue, SECRET, setState, smtp, stateOf, tempStore, testConfig, waitFor, type TempStore } from './support.js';
import { suppressionList } from '../../src/suppression/list.js';

const HOST = '127.0.2.1';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TEMPLATE = readFileSync(path.join(FIXTURES, 'inbound-dsn-template.eml'), 'utf8');

function dsn(vars: { rcptTo: string; failed: string; messageId: string }): Buffer {
  return Buffer.from(TEMPLATE.replaceAll('{{RCPT_TO}}', vars.rcptTo).replaceAll('{{FAILED}}', vars.failed).replaceAll('{{MESSAGE_ID}}', vars.messageId));
}

let t: TempStore;
let config: Config;
let running: RunningBounces;
let port: number;

before(async () => {
  t = tempStore();
  config = testConfig(t.dbPath, { max_message_bytes: 20_000, idle_timeout_ms: 2_000 });
  running = await startBounces({ config, store: t.store, logger: silentLogger(), parse: parseBounce });
  port = running.address.port;
});
after(async () => {
  await running?.close();
  await t.cleanup();
});

test('RCPT: verified VERP and role addresses at a bounce domain are accepted; forged tokens and other domains are refused', async () => {
  const verp = verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: 42 });
  const forged = verp.replace(/-(.)/, (_m, c: string) => `-${c === 'a' ? 'b' : 'a'}`);
  const replies = await smtp(port, HOST, [
    'EHLO mx.remote.test',
    'MAIL FROM:<>',
    `RCPT TO:<${verp}>`,
    `RCPT TO:<${verp.toUpperCase()}>`,
    `RCPT TO:<${forged}>`,
    `RCPT TO:<b+1-aaaaaaaaaaaaaaaa@${BOUNCE_DOMAIN}>`,
    `RCPT TO:<someone@${BOUNCE_DOMAIN}>`,
    `RCPT TO:<Postmaster@${BOUNCE_DOMAIN.toUpperCase()}>`,
    `RCPT TO:<abuse@${BOUNCE_DOMAIN}>`,
    'RCPT TO:<victim@elsewhere.test>',
    `RCPT TO:<${verp.split('@')[0]}@elsewhere.test>`,
    'RCPT TO:<Postmaster>',
    `RCPT TO:<"postmaster"@${BOUNCE_DOMAIN}>`,
    'QUIT',
  ]);
  const [greeting, ehlo, mail, ok1, ok2, forgedR, unknownToken, general, postmaster, abuse, relay, verpElsewhere, bare, quoted] = replies;
  assert.equal(bare.code, 250, 'RFC 5321 §4.5.1: <Postmaster> without a domain is always taken');
  assert.equal(quoted.code, 250, 'a quoted local part is the same mailbox');
  assert.equal(greeting.code, 220);
  assert.match(ehlo.text, /^SIZE 20000$/m, 'SIZE is advertised with the limit');
  assert.doesNotMatch(ehlo.text, /AUTH|STARTTLS/);
  assert.equal(mail.code, 250, 'the null sender is accepted');
  assert.equal(ok1.code, 250);
  assert.equal(ok2.code, 250, 'tokens are read in any case');
  for (const r of [forgedR, unknownToken, general]) assert.deepEqual([r.code, r.text.slice(0, 5)], [550, '5.1.1']);
  assert.equal(postmaster.code, 250);
  assert.equal(abuse.code, 250);
  for (const r of [relay, verpElsewhere]) {
    assert.equal(r.code, 550);
    assert.match(r.text, /^5\.7\.1 Relay access denied/);
  }
});

test('oversized mail is refused with 552 5.3.4, both announced (SIZE=) and actual, and nothing is stored', async () => {
  const before = (await t.store.inbound.list({ limit: 1000 })).length;
  const announced = await smtp(port, HOST, ['EHLO x', 'MAIL FROM:<> SIZE=999999']);
  assert.equal(announced[2].code, 552);
  const big = Buffer.from(`Subject: big\r\n\r\n${'x'.repeat(70) + '\r\n'}`.repeat(400));
  const actual = await smtp(port, HOST, ['EHLO x', 'MAIL FROM:<>', `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`, 'DATA', big, 'NOOP']);
  assert.equal(actual[4].code, 354);
  assert.equal(actual[5].code, 552);
  assert.match(actual[5].text, /^5\.3\.4 /);
  assert.equal(actual[6].code, 250, 'the session goes on');
  assert.equal((await t.store.inbound.list({ limit: 1000 })).length, before);
});

test('a VERP bounce is stored, answered 250, then parsed and applied: delivered → bounced, rule verp, original Message-ID found', async () => {
  const {
    message,
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['alice@remote.test'] });
  setState(t.store, r.id, 'delivered');
  const verp = verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: r.id });
  const replies = await smtp(port, HOST, [
    'EHLO mx.remote.test',
    'MAIL FROM:<>',
    `RCPT TO:<${verp}>`,
    'DATA',
    dsn({ rcptTo: verp, failed: 'alice@remote.test', messageId: message.messageId! }),
    'QUIT',
  ]);
  assert.equal(replies[5].code, 250);
  const id = Number(/inbound (\d+)/.exec(replies[5].text)?.[1]);
  await waitFor(async () => (await t.store.inbound.get(id))?.processedAt, 5000, 'processing');
  const row = (await t.store.inbound.get(id))!;
  assert.equal(row.kind, 'bounce');
  assert.equal(row.matchRule, 'verp');
  assert.equal(row.mailFrom, '');
  assert.deepEqual(row.rcptTo, [verp]);
  assert.equal(row.parse?.original_message_id, `<${message.messageId}>`);
  assert.equal(stateOf(t.store, r.id), 'bounced');
  const ev = (await t.store.events.forMessage(message.id)).find((e) => e.kind === 'bounced')!;
  assert.equal(ev.enhanced, '5.1.1');
  assert.match(ev.text ?? '', /User\s+unknown/);
  assert.equal(ev.detail?.match_rule, 'verp');
  assert.equal(ev.detail?.inbound_id, id);
  assert.equal(await suppressionList(t.store).has('alice@remote.test'), true);
});

test('the raw mail is committed before 250: with processing crashed, the row waits (processed_at NULL) and a restart processes it', async () => {
  const {
    message,
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['bob@remote.test'] });
  setState(t.store, r.id, 'delivered');
  const verp = verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: r.id });
  const crashing = createInboundListener({
    config: { ...config, bounces: { ...config.bounces, listener: { enabled: true, host: HOST, port: 0 } } },
    store: t.store,
    logger: silentLogger(),
    onStored: () => {
      throw new Error('processing died');
    },
  });
  const { port: crashPort } = await crashing.listen();
  try {
    const mail = dsn({ rcptTo: verp, failed: 'bob@remote.test', messageId: message.messageId! });
    const replies = await smtp(crashPort, HOST, ['EHLO x', 'MAIL FROM:<>', `RCPT TO:<${verp}>`, 'DATA', mail, 'NOOP']);
    assert.equal(replies[5].code, 250);
    assert.equal(replies[6].code, 250, 'the listener survives its processing failing');
    const id = Number(/inbound (\d+)/.exec(replies[5].text)?.[1]);
    const row = await t.store.inbound.get(id);
    assert.equal(row?.processedAt, null);
    assert.equal(
      (await t.store.inbound.raw(id))?.toString('latin1').replace(/\r\n/g, '\n'),
      mail.toString('latin1').replace(/\r\n/g, '\n').replace(/\n$/, '') + '\n',
    );
    assert.ok((await t.store.inbound.unprocessed(100)).includes(id));
    assert.equal(stateOf(t.store, r.id), 'delivered');

    // "Restart": a new bounce side recovers the row before it listens.
    const restarted = await startBounces({
      config: { ...config, bounces: { ...config.bounces, listener: { enabled: true, host: HOST, port: 0 } } },
      store: t.store,
      logger: silentLogger(),
      parse: parseBounce,
    });
    await restarted.processor.idle();
    await restarted.close();
    assert.ok((await t.store.inbound.get(id))?.processedAt);
    assert.equal(stateOf(t.store, r.id), 'bounced');
  } finally {
    await crashing.close();
  }
});

test('broken MIME, hostile nesting and binary junk are stored, answered 250 and processed; the server stays up', async () => {
  let nested = 'Subject: deep\r\n';
  for (let i = 0; i < 200; i++) nested += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 256;
  const inputs = [readFileSync(path.join(FIXTURES, 'inbound-broken-mime.eml')), Buffer.from(nested), junk];
  const ids: number[] = [];
  for (const input of inputs) {
    const replies = await smtp(port, HOST, ['EHLO x', 'MAIL FROM:<weird@remote.test>', `RCPT TO:<abuse@${BOUNCE_DOMAIN}>`, 'DATA', input, 'QUIT']);
    assert.equal(replies[5].code, 250, `accepted: ${replies[5].text}`);
    ids.push(Number(/inbound (\d+)/.exec(replies[5].text)?.[1]));
  }
  await running.processor.idle();
  for (const id of ids) assert.ok((await t.store.inbound.get(id))?.processedAt, `row ${id} processed`);
  const deep = (await t.store.inbound.get(ids[1]))!;
  assert.match(String(deep.parse?.error), /nesting/);
  assert.equal(deep.kind, null);
  const unmatched = (await t.store.inbound.listUnmatched({ limit: 100 })).map((r) => r.id);
  for (const id of ids) assert.ok(unmatched.includes(id));
  const still = await smtp(port, HOST, ['EHLO x', 'QUIT']);
  assert.equal(still[1].code, 250);
});

test('an idle client is disconnected after idle_timeout_ms', async () => {
  const started = Date.now();
  const socket = net.connect({ port, host: HOST });
  let received = '';
  socket.on('data', (d) => {
    // Only after the greeting: a client that talks first is refused at once ("You talk too soon").
    if (!received) socket.write('EHLO x\r\n');
    received += d.toString();
  });
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('not disconnected within 8 s')), 8000);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(Date.now() - started);
    });
  });
  assert.ok(closedAfter >= 1500, `not before the timeout (closed after ${closedAfter} ms)`);
  assert.match(received, /^421 /m);
});

test('connections beyond max_connections are turned away with 421, and counted for /metrics', async () => {
  const refusals = createRefusalCounters();
  const small = createInboundListener({
    config: { ...config, bounces: { ...config.bounces, max_connections: 1, listener: { enabled: true, host: HOST, port: 0 } } },
    store: t.store,
    logger: silentLogger(),
    refusals,
  });
  const { port: smallPort } = await small.listen();
  const held = net.connect({ port: smallPort, host: HOST });
  try {
    await new Promise<void>((resolve) => held.once('data', () => resolve()));
    const second = await smtp(smallPort, HOST, []);
    assert.equal(second[0].code, 421);
    const text = await createMetrics({ store: t.store, logger: silentLogger(), defaultMetrics: false, refusals }).registry.metrics();
    assert.match(text, /^mailtrail_smtp_refusals_total\{listener="bounces",reason="limit"\} 1$/m, 'the refusal is in the exposition');
  } finally {
    held.destroy();
    await small.close();
  }
});

test('the log has inbound.received and bounce.processed lines with the documented fields', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ log: { level: 'info', file: null } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const logged = await startBounces({
    config: { ...config, bounces: { ...config.bounces, listener: { enabled: true, host: HOST, port: 0 } } },
    store: t.store,
    logger,
  });
  try {
    const {
      message,
      recipients: [r],
    } = await enqueue(t.store, { recipients: ['logme@remote.test'] });
    setState(t.store, r.id, 'delivered');
    const verp = verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: r.id });
    await smtp(logged.address.port, HOST, [
      'EHLO x',
      'MAIL FROM:<>',
      `RCPT TO:<${verp}>`,
      'DATA',
      dsn({ rcptTo: verp, failed: 'logme@remote.test', messageId: message.messageId! }),
      'QUIT',
    ]);
    await waitFor(() => lines.some((l) => l.event === 'bounce.processed'), 5000, 'bounce.processed');
    const received = lines.find((l) => l.event === 'inbound.received')!;
    assert.equal(received.mail_from, '');
    assert.deepEqual(received.rcpt, [verp]);
    assert.match(String(received.client_ip), /^127\./);
    assert.equal(typeof received.size, 'number');
    const processed = lines.find((l) => l.event === 'bounce.processed')!;
    assert.equal(processed.inbound_id, received.inbound_id);
    assert.deepEqual(
      [
        processed.kind,
        processed.format,
        processed.match_rule,
        processed.queue_id,
        processed.message_id,
        processed.recipient,
        processed.enhanced,
        processed.hard,
        processed.suppressed,
      ],
      ['bounce', 'rfc3464', 'verp', message.queueId, message.messageId, 'logme@remote.test', '5.1.1', true, true],
    );
    assert.ok('category' in processed);
  } finally {
    await logged.close();
  }
});
