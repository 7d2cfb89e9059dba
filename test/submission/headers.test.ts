import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import nodemailer, { type Transporter } from 'nodemailer';
import { DOMAIN, PASSWORD, USER, startHarness, storedMessages, type Harness } from './harness.js';

describe('headers intake adds and removes', () => {
  let h: Harness;
  let transport: Transporter;
  before(async () => {
    h = await startHarness();
    transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.implicitPort,
      secure: true,
      auth: { user: USER, pass: PASSWORD },
      tls: { rejectUnauthorized: false },
    });
  });
  after(async () => {
    transport.close();
    await h.close();
  });

  const queueIdOf = (response: string | undefined) => /queued as ([0-9A-Z]{16})$/.exec(response ?? '')![1];

  test('a message without Message-ID gets one at our host name, recorded as added', async () => {
    const raw = `From: <app@${DOMAIN}>\r\nTo: <x@dest.test>\r\nSubject: no id\r\n\r\nbody\r\n`;
    const info = await transport.sendMail({ envelope: { from: `app@${DOMAIN}`, to: ['x@dest.test'] }, raw });
    const m = (await storedMessages(h.store)).find((x) => x.message.queueId === queueIdOf(info.response))!;
    assert.equal(m.message.messageIdAdded, true);
    assert.match(m.message.messageId ?? '', /^\d{14}\.[0-9A-Z]{16}\.[0-9a-f]{6}@relay\.test$/);
    const text = m.raw.toString('latin1');
    assert.equal(text.match(/^Message-ID:/gim)?.length, 1);
    assert.ok(text.includes(`Message-ID: <${m.message.messageId}>\r\n`));
    assert.ok(h.logs.some((l) => l.event === 'message.received' && l.message_id === m.message.messageId && l.message_id_added === true));
  });

  test('an existing Message-ID is kept as is and recorded', async () => {
    const info = await transport.sendMail({ from: `app@${DOMAIN}`, to: 'x@dest.test', text: 'x', messageId: '<keep.me@app.example>' });
    const m = (await storedMessages(h.store)).find((x) => x.message.queueId === queueIdOf(info.response))!;
    assert.equal(m.message.messageId, 'keep.me@app.example');
    assert.equal(m.message.messageIdAdded, false);
  });

  test('X-Mailtrail-Tag is stored in the tag column and removed from the message', async () => {
    const info = await transport.sendMail({ from: `app@${DOMAIN}`, to: 'x@dest.test', text: 'x', headers: { 'X-Mailtrail-Tag': 'password-reset.v2' } });
    const m = (await storedMessages(h.store)).find((x) => x.message.queueId === queueIdOf(info.response))!;
    assert.equal(m.message.tag, 'password-reset.v2');
    assert.ok(!/x-mailtrail-tag/i.test(m.raw.toString('latin1')));
  });

  test('an invalid X-Mailtrail-Tag is refused with 554 5.6.0 saying what is allowed', async () => {
    await assert.rejects(
      transport.sendMail({ from: `app@${DOMAIN}`, to: 'x@dest.test', text: 'x', headers: { 'X-Mailtrail-Tag': 'has spaces/slash' } }),
      (err: Error & { response?: string }) => /^554 5\.6\.0 X-Mailtrail-Tag must be 1 to 64 characters/.test(err.response ?? ''),
    );
  });

  test('a recipient on the suppression list is stored suppressed, the other queued', async () => {
    await h.store.suppressions.add({ address: 'bounced@dest.test', reason: 'test', source: 'manual', createdAt: Date.now() });
    const info = await transport.sendMail({ from: `app@${DOMAIN}`, to: ['bounced@dest.test', 'fine@dest.test'], text: 'x' });
    const m = (await storedMessages(h.store)).find((x) => x.message.queueId === queueIdOf(info.response))!;
    assert.deepEqual(
      m.recipients.map((r) => [r.address, r.state]),
      [
        ['bounced@dest.test', 'suppressed'],
        ['fine@dest.test', 'queued'],
      ],
    );
  });

  test("the stored message starts with our Received field, its hash is the stored bytes' hash, the rest is what was sent", async () => {
    const raw = `From: <app@${DOMAIN}>\r\nTo: <x@dest.test>\r\nMessage-ID: <trace@example.com>\r\nSubject: trace\r\n\r\nbody\r\n`;
    const info = await transport.sendMail({ envelope: { from: `app@${DOMAIN}`, to: ['x@dest.test'] }, raw });
    const queueId = queueIdOf(info.response);
    const m = (await storedMessages(h.store)).find((x) => x.message.queueId === queueId)!;
    const text = m.raw.toString('latin1');
    assert.match(
      text,
      new RegExp(
        `^Received: from \\S+ \\((?:\\S+ )?\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\t\\(using TLSv1\\.[23] with cipher \\S+\\)\\r\\n\\tby relay\\.test \\(mailtrail\\) with ESMTPSA id ${queueId}\\r\\n\\tfor <x@dest\\.test>;\\r\\n\\t\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000\\r\\n`,
      ),
    );
    assert.ok(text.endsWith(raw));
    assert.equal(text.slice(text.indexOf('\r\nFrom:') + 2), raw);
    assert.equal(m.message.sha256, createHash('sha256').update(m.raw).digest('hex'));
    assert.equal(m.message.size, m.raw.length);
  });
});
