/**
 * End to end with a real MTA: mailtrail's deliverer hands a message to a real Postfix, which accepts it
 * (250) and then fails it at its next hop (550 5.1.1 at RCPT). Postfix's bounce daemon sends its DSN to
 * our VERP return path, routed by its transport map to our inbound listener, and the recipient's fate
 * turns from delivered to bounced with Postfix's status and diagnostic.
 *
 *   deliverer ──► Postfix 127.0.2.10:25 ──► next hop 127.0.2.11:25 (550 5.1.1)
 *                     │ DSN to b+<token>@bounces.test
 *                     ▼
 *               inbound listener 127.0.2.12:25
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBounces, type RunningBounces } from '../../src/bounces/index.js';
import { createDeliverer } from '../../src/delivery/deliverer.js';
import { silentLogger } from '../../src/log/logger.js';
import { verpAddress } from '../../src/verp/token.js';
import { postfixUnavailable, startPostfix, type PostfixInstance } from '../helpers/postfix.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { BOUNCE_DOMAIN, enqueue, SECRET, setState, stateOf, tempStore, testConfig, waitFor, type TempStore } from './support.js';
import { suppressionList } from '../../src/suppression/list.js';

const POSTFIX_IP = '127.0.2.10';
const NEXT_HOP_IP = '127.0.2.11';
const LISTENER_IP = '127.0.2.12';
const unavailable = postfixUnavailable();

let t: TempStore;
let postfix: PostfixInstance | undefined;
let nextHop: TestMta | undefined;
let bounces: RunningBounces | undefined;

before(async () => {
  if (unavailable) return;
  t = tempStore('mailtrail-postfix-e2e-');
  nextHop = await startTestMta({
    host: NEXT_HOP_IP,
    rcpt: () => ({ code: 550, text: '5.1.1 <user@postfix.test>: Recipient address rejected: User unknown in virtual mailbox table' }),
  });
  const config = testConfig(t.dbPath, { listener: { enabled: true, host: LISTENER_IP, port: 25 } });
  bounces = await startBounces({ config, store: t.store, logger: silentLogger() });
  postfix = await startPostfix({
    host: POSTFIX_IP,
    hostname: 'mx.postfix.test',
    relayDomains: ['postfix.test'],
    transports: { 'postfix.test': `[${NEXT_HOP_IP}]:25`, [BOUNCE_DOMAIN]: `[${LISTENER_IP}]:25` },
  });
});

after(async () => {
  await postfix?.stop();
  await bounces?.close();
  await nextHop?.stop();
  await t?.cleanup();
});

test('a real Postfix accepts, fails at its next hop, and its DSN turns the recipient bounced (VERP, 5.1.1)', {
  skip: unavailable ?? false,
  timeout: 60_000,
}, async () => {
  const {
    message,
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['user@postfix.test'] });
  const raw = (await t.store.messages.content(message.id))!;
  const returnPath = verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: r.id });

  // The real deliverer, with a static route instead of MX lookups (like a Postfix transport map).
  const base = testConfig(t.dbPath);
  const deliverer = createDeliverer({
    config: {
      hostname: base.hostname,
      delivery: { ...base.delivery, routes: { 'postfix.test': `${POSTFIX_IP}:25` }, tls_policy: { default: 'none', domains: {} } },
    },
    logger: silentLogger(),
  });
  let report;
  try {
    report = await deliverer.deliver({
      message,
      raw,
      domain: 'postfix.test',
      recipients: [{ id: r.id, address: r.address, notify: null, orcpt: null, attempt: 1 }],
      envelopeFrom: returnPath,
    });
  } finally {
    await deliverer.close();
  }
  const outcome = report.recipients[0];
  assert.equal(outcome.outcome, 'delivered', `Postfix should accept the message: ${outcome.code} ${outcome.text}\n${postfix!.maillog()}`);
  // The queue records the attempt; here the store is told directly (the queue has its own tests).
  setState(t.store, r.id, 'delivered');

  try {
    let flushedAt = Date.now();
    await waitFor(
      () => {
        if (stateOf(t.store, r.id) === 'bounced') return true;
        // Normally not needed (a 550 bounces at once); a kick if the DSN sits in the deferred queue.
        if (Date.now() - flushedAt > 3000) {
          postfix!.flush();
          flushedAt = Date.now();
        }
        return false;
      },
      30_000,
      'the DSN from Postfix',
    );
    if (process.env.MAILTRAIL_TEST_VERBOSE) console.log(postfix!.maillog());
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- Postfix maillog ---\n${postfix!.maillog()}`);
  }
  await bounces!.processor.idle();

  const events = await t.store.events.forMessage(message.id);
  const bounced = events.find((e) => e.kind === 'bounced');
  assert.ok(bounced, 'a bounced event in the timeline');
  assert.equal(bounced.enhanced, '5.1.1');
  assert.match(bounced.text ?? '', /550 5\.1\.1 .*User unknown/s);
  assert.equal(bounced.detail?.source, 'async');
  assert.equal(bounced.detail?.match_rule, 'verp');
  assert.match(String(bounced.detail?.reporting_mta), /mx\.postfix\.test/);
  assert.match(String(bounced.detail?.remote_mta), new RegExp(NEXT_HOP_IP.replace(/\./g, '\\.')));

  const inboundId = bounced.detail?.inbound_id as number;
  const row = (await t.store.inbound.get(inboundId))!;
  assert.equal(row.mailFrom, '', 'Postfix sends its DSN from the null sender');
  assert.deepEqual(row.rcptTo, [returnPath]);
  assert.equal(row.clientIp, POSTFIX_IP);
  assert.equal(row.parse?.format, 'rfc3464');
  assert.equal(row.parse?.original_message_id, `<${message.messageId}>`, 'the original Message-ID is found in the returned headers');
  assert.equal(row.parse?.envelope_id, message.queueId, 'Postfix returns our ENVID (the queue id)');
  assert.equal(await suppressionList(t.store).has('user@postfix.test'), true, 'a 5.1.1 is hard: the address is suppressed');
  assert.equal(nextHop!.messages.length, 0, 'the next hop refused the recipient');
});
