/**
 * Under VERP a later server's delay notice comes to mailtrail, not to the sender: it is passed on as a delay
 * report (when the sender asked for delays, or gave no NOTIFY), once per recipient, in its words. Real store,
 * intake, notifier and inbound processor; the parser is replaced by the report's reading.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { InboundProcessor } from '../../src/bounces/processor.js';
import { classify } from '../../src/classify/classify.js';
import type { ParseResult } from '../../src/bounces/types.js';
import { parseConfig } from '../../src/config/load.js';
import { createNotifier } from '../../src/dsn/notifier.js';
import { createIntake } from '../../src/intake/intake.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { NotifyKeyword } from '../../src/types.js';
import { verpAddress } from '../../src/verp/token.js';
import { newMessage } from '../helpers/new-message.js';
import { readDeliveryStatus } from './helpers.js';

const SECRET = 'a-verp-secret-of-enough-length-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-passon-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a later server's delay notice to our VERP address reaches the sender once, in its words; NOTIFY without DELAY and unsigned matches do not", async () => {
  const store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
  try {
    const config = parseConfig({ hostname: 'relay.mailtrail.test' });
    const intake = createIntake({ store, hostname: config.hostname, logger: silentLogger(), checkSuppressions: true });
    const notifier = createNotifier({ config, store, intake, logger: silentLogger(), explain: (input) => classify(input).explanation || null });
    const processor = new InboundProcessor({
      store,
      logger: silentLogger(),
      parse: async (raw) => JSON.parse(raw.toString('utf8')) as ParseResult,
      verpSecret: SECRET,
      correlationWindowMs: 7 * 86_400_000,
      limits: { maxParts: 100, maxDepth: 10 },
      notifier,
    });
    const rcpts: [string, NotifyKeyword[] | null][] = [
      ['asked@remote.test', ['DELAY', 'FAILURE']],
      ['default@remote.test', null],
      ['failonly@remote.test', ['FAILURE']],
    ];
    const { message, recipients } = await store.messages.enqueue(
      newMessage({
        queueId: 'QPASSON001',
        messageId: 'passon@app.example.com',
        mailFrom: 'app@example.com',
        raw: 'Message-ID: <passon@app.example.com>\r\nFrom: app@example.com\r\nSubject: hello\r\n\r\nHi.\r\n',
        recipients: rcpts.map(([address, notify]) => ({ address, notify, orcpt: null })),
      }),
    );
    store.db.prepare("UPDATE recipients SET state = 'delivered', next_attempt_at = NULL WHERE message_id = ?").run(message.id);
    const delay = (address: string): ParseResult => ({
      kind: 'delay',
      format: 'rfc3464',
      recipients: [
        {
          address,
          action: 'delayed',
          status: '4.4.7',
          diagnostic: 'smtp; 451 4.4.7 mailbox server busy, still trying',
          category: 'connection-failure',
          hard: false,
          reply_code: 451,
          remote_mta: 'dns; mbox.remote.test',
        },
      ],
      original_message_id: 'passon@app.example.com',
      envelope_id: null,
      reporting_mta: 'dns; mx.remote.test',
      feedback_type: null,
    });
    const receive = async (r: ParseResult, rcptTo: string) => {
      const row = await store.inbound.receive({
        receivedAt: Date.now(),
        mailFrom: '',
        rcptTo: [rcptTo],
        clientIp: '127.0.2.1',
        raw: Buffer.from(JSON.stringify(r)),
      });
      await processor.process(row.id);
    };
    for (const r of recipients) await receive(delay(r.address), verpAddress(SECRET, 'bounces.test', { recipientId: r.id }));
    // A second notice for the first one: not passed on again.
    await receive(delay(recipients[0]!.address), verpAddress(SECRET, 'bounces.test', { recipientId: recipients[0]!.id }));

    const sent = (await store.events.forMessage(message.id)).filter((e) => e.kind === 'dsn-sent');
    assert.deepEqual(sent.map((e) => recipients.find((r) => r.id === e.recipientId)!.address).sort(), ['asked@remote.test', 'default@remote.test']);
    assert.ok(sent.every((e) => e.detail?.type === 'delay'));
    assert.deepEqual(
      (await store.messages.recipients(message.id)).map((r) => r.state),
      ['delivered', 'delivered', 'delivered'],
    );
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM recipients WHERE report_owed IS NOT NULL').pluck().get(), 0, 'nothing left owed');
    for (const qid of new Set(sent.map((e) => e.detail?.dsn_queue_id as string))) {
      const dsn = (await store.messages.getByQueueId(qid))!;
      assert.equal(dsn.mailFrom, '');
      const mail = await simpleParser((await store.messages.content(dsn.id))!, { keepDeliveryStatus: true });
      assert.match(mail.subject ?? '', /Delayed Mail/);
      const text = (mail.text ?? '').replace(/\s+/g, ' ');
      assert.match(text, /handed over to the recipient's mail system, which reports that it has not delivered it yet/);
      assert.match(text, /Reported by dns; mx\.remote\.test: 451 4\.4\.7 mailbox server busy/);
      assert.doesNotMatch(text, /mailtrail will keep trying/);
      // Status 4.4.7 is how sendmail marks its delay warnings: not read as "given up".
      assert.match(text, /What this means: The receiving mail system has held the message a long time without delivering it yet, and is still trying/);
      assert.doesNotMatch(text, /given up/);
      const status = readDeliveryStatus(mail.attachments.find((a) => a.contentType === 'message/delivery-status')!.content.toString());
      const g = status.recipients[0]!;
      assert.deepEqual([g.get('action'), g.get('status'), g.get('will-retry-until')], ['delayed', '4.4.7', undefined]);
      assert.match(g.get('diagnostic-code') ?? '', /^smtp; 451 4\.4\.7 mailbox server busy/);
    }

    // Matched without a token (by Message-ID): the report is ours to keep, not the sender's to receive.
    const before = (await store.events.forMessage(message.id)).filter((e) => e.kind === 'dsn-sent').length;
    await receive(delay('failonly@remote.test'), 'postmaster@bounces.test');
    assert.equal((await store.events.forMessage(message.id)).filter((e) => e.kind === 'dsn-sent').length, before);
  } finally {
    await store.close();
  }
});
