/**
 * RET=FULL returns the whole original only while the report stays within the size our own submission accepts
 * (submission.limits.max_message_bytes, less room for the report): a larger original is returned as its headers,
 * and the report says why.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { parseConfig } from '../../src/config/load.js';
import { createNotifier } from '../../src/dsn/notifier.js';
import { createIntake } from '../../src/intake/intake.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { newMessage } from '../helpers/new-message.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-dsnsize-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('an original larger than a report may carry is returned as its headers, with the sizes said', async () => {
  const store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
  try {
    // 100 KiB accepted: a report returns at most 100 KiB − 64 KiB of the original.
    const config = parseConfig({ hostname: 'relay.mailtrail.test', submission: { limits: { max_message_bytes: 100 * 1024 } } });
    const notifier = createNotifier({
      config,
      store,
      intake: createIntake({ store, hostname: config.hostname, logger: silentLogger() }),
      logger: silentLogger(),
    });
    const send = async (queueId: string, bodyBytes: number) => {
      const raw = `Message-ID: <${queueId}@app.example.com>\r\nFrom: app@example.com\r\nSubject: big\r\n\r\n${`${'z'.repeat(78)}\r\n`.repeat(bodyBytes / 80)}`;
      const { message } = await store.messages.enqueue(
        newMessage({
          queueId,
          messageId: `${queueId}@app.example.com`,
          mailFrom: 'app@example.com',
          ret: 'FULL',
          raw,
          recipients: [{ address: 'gone@remote.test', notify: null, orcpt: null }],
        }),
      );
      store.db.prepare("UPDATE recipients SET state = 'bounced', last_code = 552, last_text = 'too big' WHERE message_id = ?").run(message.id);
      await notifier.finalFailure(message, await store.messages.recipients(message.id));
      const sent = (await store.events.forMessage(message.id)).find((e) => e.kind === 'dsn-sent')!;
      const dsn = (await store.messages.getByQueueId(sent.detail?.dsn_queue_id as string))!;
      return { dsn, mail: await simpleParser((await store.messages.content(dsn.id))!) };
    };
    const small = await send('QSMALL0001', 20 * 1024);
    assert.ok(
      small.mail.attachments.some((a) => a.contentType === 'message/rfc822'),
      'a small original is returned whole',
    );

    const big = await send('QBIGONE001', 60 * 1024);
    assert.equal(
      big.mail.attachments.some((a) => a.contentType === 'message/rfc822'),
      false,
    );
    assert.ok(
      big.mail.attachments.some((a) => a.contentType === 'text/rfc822-headers'),
      'its headers instead',
    );
    assert.match((big.mail.text ?? '').replace(/\s+/g, ' '), /the whole message, 61,[0-9]{3} bytes, is larger than a report returns: 36,864 bytes/);
    assert.ok(big.dsn.size < 100 * 1024, `the report (${big.dsn.size} bytes) fits what we accept`);
  } finally {
    await store.close();
  }
});
