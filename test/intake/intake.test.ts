import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createIntake, IntakeRejection, type IntakeEnvelope } from '../../src/intake/intake.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-intake-'));
const store = openSqliteStore({ path: path.join(dir, 'db.sqlite'), synchronous: 'FULL', busyTimeoutMs: 1000 });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.UTC(2025, 1, 4, 9, 5, 0);
const envelope = (over: Partial<IntakeEnvelope> = {}): IntakeEnvelope => ({
  mailFrom: 'app@example.com',
  recipients: [{ address: 'a@dest.test', notify: null, orcpt: null }],
  envId: null,
  ret: null,
  username: 'app',
  clientIp: '127.0.0.1',
  clientHostname: null,
  helo: 'client.test',
  protocol: 'ESMTPSA',
  tls: null,
  ...over,
});
const intake = createIntake({ store, hostname: 'relay.test', logger: silentLogger(), now: () => NOW });

test('bare LF and bare CR become CRLF; the stored hash is the hash of the stored bytes', async () => {
  const r = await intake.accept(envelope(), Buffer.from('Subject: x\nMessage-ID: <le@x>\n\nline1\rline2\r\n'));
  assert.equal(r.bareLineEndings, 4);
  const m = (await store.messages.getByQueueId(r.queueId))!;
  const raw = (await store.messages.content(m.id))!;
  assert.ok(raw.toString('latin1').endsWith('Subject: x\r\nMessage-ID: <le@x>\r\n\r\nline1\r\nline2\r\n'));
  assert.equal(m.sha256, createHash('sha256').update(raw).digest('hex'));
  assert.equal(r.sha256, m.sha256);
  assert.equal(m.size, raw.length);
});

test('the Received field names the single recipient, the date, the protocol and the queue id', async () => {
  const r = await intake.accept(envelope({ clientHostname: 'app.host.test' }), Buffer.from('Message-ID: <rcv@x>\r\n\r\nb\r\n'));
  const raw = (await store.messages.content((await store.messages.getByQueueId(r.queueId))!.id))!.toString();
  assert.equal(
    raw.split('Message-ID:')[0],
    `Received: from client.test (app.host.test [127.0.0.1])\r\n\tby relay.test (mailtrail) with ESMTPSA id ${r.queueId}\r\n\tfor <a@dest.test>;\r\n\tTue, 04 Feb 2025 09:05:00 +0000\r\n`,
  );
});

test('the decoded Subject is recorded on the received event, where search by subject words finds it', async () => {
  const r = await intake.accept(envelope(), Buffer.from('Subject: =?UTF-8?Q?Your_invoice_=E2=84=96_77?=\r\nMessage-ID: <subj@x>\r\n\r\nb\r\n'));
  const m = (await store.messages.getByQueueId(r.queueId))!;
  const [received] = await store.events.forMessage(m.id);
  assert.equal(received.detail?.subject, 'Your invoice № 77');
  assert.deepEqual(await store.query.subjectsOf([m.id]), new Map([[m.id, 'Your invoice № 77']]));
  const none = await intake.accept(envelope(), Buffer.from('Message-ID: <nosubj@x>\r\n\r\nb\r\n'));
  const n = (await store.messages.getByQueueId(none.queueId))!;
  assert.equal((await store.events.forMessage(n.id))[0].detail?.subject, null);
});

test('with several recipients the Received field names none (no Bcc disclosure)', async () => {
  const rcpts = ['a@dest.test', 'hidden@dest.test'].map((address) => ({ address, notify: null, orcpt: null }));
  const r = await intake.accept(envelope({ recipients: rcpts }), Buffer.from('Message-ID: <two@x>\r\n\r\nb\r\n'));
  const raw = (await store.messages.content((await store.messages.getByQueueId(r.queueId))!.id))!.toString();
  assert.ok(!raw.includes('hidden@dest.test'));
  assert.ok(!/\tfor </.test(raw));
});

test('Message-ID: brackets removed; a bare token is kept; an empty field is replaced by ours', async () => {
  const a = await intake.accept(envelope(), Buffer.from('Message-ID:\r\n <folded@x.test>\r\n\r\nb\r\n'));
  assert.deepEqual([a.messageId, a.messageIdAdded], ['folded@x.test', false]);
  const b = await intake.accept(envelope(), Buffer.from('Message-ID: bare@x.test\r\n\r\nb\r\n'));
  assert.deepEqual([b.messageId, b.messageIdAdded], ['bare@x.test', false]);
  const c = await intake.accept(envelope(), Buffer.from('Message-ID:   \r\nSubject: s\r\n\r\nb\r\n'));
  assert.equal(c.messageIdAdded, true);
  const raw = (await store.messages.content((await store.messages.getByQueueId(c.queueId))!.id))!.toString();
  assert.equal(raw.match(/^Message-ID:/gm)?.length, 1);
  assert.ok(raw.includes(`Message-ID: <${c.messageId}>\r\n\r\nb\r\n`), 'added at the end of the header');
});

test('a folded X-Mailtrail-Tag is removed with its continuation lines; two tags are refused', async () => {
  const r = await intake.accept(envelope(), Buffer.from('Subject: s\r\nX-Mailtrail-Tag:\r\n\tinvoice\r\nTo: <a@dest.test>\r\nMessage-ID: <t@x>\r\n\r\nb\r\n'));
  assert.equal(r.tag, 'invoice');
  const raw = (await store.messages.content((await store.messages.getByQueueId(r.queueId))!.id))!.toString();
  assert.ok(raw.includes('Subject: s\r\nTo: <a@dest.test>\r\n'));
  await assert.rejects(
    intake.accept(envelope(), Buffer.from('X-Mailtrail-Tag: a\r\nx-mailtrail-tag: b\r\n\r\nb\r\n')),
    (e: unknown) => e instanceof IntakeRejection && e.code === 554 && e.enhanced === '5.6.0',
  );
});

test('a message that is all header, or has no header at all, is still stored well-formed', async () => {
  const a = await intake.accept(envelope(), Buffer.from('Subject: only header\r\n'));
  const rawA = (await store.messages.content((await store.messages.getByQueueId(a.queueId))!.id))!.toString();
  assert.ok(rawA.endsWith(`Subject: only header\r\nMessage-ID: <${a.messageId}>\r\n\r\n`));
  const b = await intake.accept(envelope(), Buffer.from('just a body line\r\n'));
  const rawB = (await store.messages.content((await store.messages.getByQueueId(b.queueId))!.id))!.toString();
  // The header ends with its blank line, so the body line is the body to every reader (and to DKIM).
  assert.ok(rawB.endsWith(`Message-ID: <${b.messageId}>\r\n\r\njust a body line\r\n`));
});

test('recipients on the suppression list are stored suppressed (with their event), the others queued', async () => {
  const suppressing = createIntake({ store, hostname: 'relay.test', logger: silentLogger(), now: () => NOW, checkSuppressions: true });
  await store.suppressions.add({ address: 'gone@dest.test', reason: 'hard bounce', source: 'manual', createdAt: NOW - 1 });
  const rcpts = ['ok@dest.test', 'Gone@Dest.test'].map((address) => ({ address, notify: null, orcpt: null }));
  const r = await suppressing.accept(envelope({ recipients: rcpts }), Buffer.from('Message-ID: <s@x>\r\n\r\nb\r\n'));
  assert.equal(r.suppressed, 1);
  const m = (await store.messages.getByQueueId(r.queueId))!;
  const states = (await store.messages.recipients(m.id)).map((x) => [x.address, x.state, x.nextAttemptAt]);
  assert.deepEqual(states, [
    ['ok@dest.test', 'queued', NOW],
    ['Gone@dest.test', 'suppressed', null],
  ]);
  const events = await store.events.forMessage(m.id);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['received', 'suppressed'],
  );
  assert.equal(events[0]!.detail?.suppressed, 1, 'the received event counts the suppressed recipient');
  // Without the check, the same address is queued like any other.
  const plain = await intake.accept(envelope({ recipients: [rcpts[1]!] }), Buffer.from('Message-ID: <s2@x>\r\n\r\nb\r\n'));
  assert.equal(plain.suppressed, 0);
});

test('queue ids are unique across a burst in the same millisecond', async () => {
  const ids = await Promise.all(Array.from({ length: 50 }, () => intake.accept(envelope(), Buffer.from('Subject: x\r\n\r\nb\r\n')).then((r) => r.queueId)));
  assert.equal(new Set(ids).size, 50);
});
