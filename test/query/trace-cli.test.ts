import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { messageFate } from '../../src/query/fate.js';
import { MESSAGE_ID, T0, newMessage, seedHistory, tempStore } from './fixture.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailtrail.js');

function mailtrail(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, env: { ...process.env, MAILTRAIL_CONFIG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('mailtrail trace', () => {
  const t = tempStore();
  let config: string;
  before(async () => {
    await seedHistory(t.store);
    config = path.join(t.dir, 'mailtrail.yaml');
    writeFileSync(config, `database:\n  path: ${JSON.stringify(t.dbPath)}\nlog:\n  level: silent\n`);
  });
  after(() => t.cleanup());

  test('prints a verdict per recipient before the timeline, for every message with the Message-ID', async () => {
    const r = await mailtrail(['trace', `<${MESSAGE_ID}>`, '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /queue id QNEWER0001 .*message 1 of 2/);
    assert.match(out, /queue id QOLDER0001 .*message 2 of 2/);
    assert.ok(out.indexOf('QNEWER0001') < out.indexOf('QOLDER0001'), 'newest first');
    assert.match(out, /delivered to mx\.example\.com \[127\.0\.1\.5\] at 2024-05-01 10:02 UTC, accepted 250 2\.0\.0/);
    assert.match(
      out,
      /bounced after delivery: mailbox full \(soft, 5\.2\.2\); delivered to mx\.example\.com at 2024-05-01 10:02 UTC, bounce reported by mx\.example\.net at 2024-05-01 12:02 UTC/,
    );
    assert.match(out, /Why: The recipient's mailbox is full/);
    assert.match(out, /deferred 3 times, next attempt due now: greylisted \(4\.7\.1\)/);
    assert.match(out, /suppressed: address on the suppression list since 2024-04-01 10:00 UTC/);
    assert.match(out, /expired after 5 days in the queue/);
    assert.match(out, /by user shop-app from 127\.0\.0\.1 .*TLSv1\.3/);
    assert.match(out, /tag transactional/);
    // The verdict leads: the first line is the summary of the recipients, then one verdict per recipient,
    // and only then the Message-ID and the details.
    const lines = out.split('\n');
    assert.equal(lines[0], '5 recipients: 2 bounced, 1 deferred, 1 suppressed, 1 delivered');
    assert.match(lines[1], /^  alice@example\.com\s+delivered to mx\.example\.com/);
    assert.ok(out.indexOf('bounced after delivery') < out.indexOf('Message <order-4711'));
    assert.ok(out.indexOf('Message <order-4711') < out.indexOf('Timeline'));
    // Every refusal in the timeline is explained under it, not only the one that decided.
    assert.match(out, /rcpt\s+451 4\.7\.1 Greylisted, try again later\s+\(erin@greylist\.test\)\s+12 ms\n\s+why: The receiving server is greylisting/);
    // Every phase's answer is in the timeline.
    assert.match(out, /attempt 1 to example\.com via mx\.example\.com \[127\.0\.1\.5\]/);
    assert.match(out, /rcpt\s+550 5\.1\.1 User unknown\s+\(carol@example\.org\)/);
    assert.match(out, /bounced\s+bob@example\.com: 552 5\.2\.2 Mailbox full \(reported by mx\.example\.net\)/);
  });

  test('a long history shows its latest entries and says how many are left out; --all prints every one', async () => {
    const { message } = await t.store.messages.enqueue(
      newMessage({ queueId: 'QLONGHIST1', messageId: 'long-history@example.com', createdAt: T0, recipients: ['x@example.com'] }),
    );
    await t.store.events.appendMany(
      Array.from({ length: 520 }, (_, i) => ({
        at: T0 + i * 60_000,
        kind: 'requeued' as const,
        messageRowId: message.id,
        recipientId: null,
        attempt: null,
        phase: null,
        code: null,
        enhanced: null,
        text: `retry ${i}`,
        remoteHost: null,
        remoteIp: null,
        durationMs: null,
        detail: null,
      })),
    );
    const short = await mailtrail(['trace', 'QLONGHIST1', '--config', config]);
    assert.equal(short.code, 0, short.stderr);
    // 521 entries (received and 520 requeued): the latest 500 shown.
    assert.match(short.stdout, /… 21 earlier entries not shown \(mailtrail trace --all shows every one\)/);
    assert.equal(short.stdout.split('\n').filter((l) => / requeued /.test(l)).length, 500);
    const all = await mailtrail(['trace', 'QLONGHIST1', '--all', '--config', config]);
    assert.doesNotMatch(all.stdout, /not shown/);
    assert.equal(all.stdout.split('\n').filter((l) => / requeued /.test(l)).length, 520);
  });

  test('--json prints the same document as the API', async () => {
    const r = await mailtrail(['trace', MESSAGE_ID, '--json', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout);
    const expected = JSON.parse(JSON.stringify({ messages: await messageFate(t.store, MESSAGE_ID) }));
    assert.deepEqual(printed, expected);
    assert.equal(printed.messages[0].recipients.find((x: { address: string }) => x.address === 'bob@example.com').state, 'bounced');
  });

  test('a queue id works too', async () => {
    const r = await mailtrail(['trace', 'QOLDER0001', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    // One recipient: its verdict is the first line.
    assert.match(r.stdout.split('\n')[0], /^frank@gone\.test: expired after 5 days in the queue/);
    assert.doesNotMatch(r.stdout, /QNEWER0001/);
  });

  test('an unknown id exits 1 with a clear message; no id is a usage error', async () => {
    const r = await mailtrail(['trace', '<missing@example.com>', '--config', config]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no message with Message-ID or queue id "missing@example\.com"/);
    assert.match(r.stderr, /kept 90 days after its delivery ended \(retention\.history_days\); an older one has been purged/);
    const u = await mailtrail(['trace', '--config', config]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /usage: mailtrail trace/);
  });
  test("a server's control characters (ESC, BEL, CR) reach the terminal as '?': a reply cannot recolour or overwrite the trace", async () => {
    const hostile = '451 4.7.1 greylisted \x1b[31mRED \x1b]0;pwned\x07 \rfake delivered line\x08\x08';
    const { message, recipients } = await t.store.messages.enqueue(newMessage({ queueId: 'QESCAPE001', createdAt: T0, recipients: ['eve@escape.test'] }));
    const at = T0 + 60_000;
    await t.store.queue.claimDue({ now: at, limit: 10, owner: 'w9', leaseUntil: at + 60_000 });
    await t.store.queue.recordAttempt({
      owner: 'w9',
      at,
      events: [
        {
          at,
          messageRowId: message.id,
          recipientId: recipients[0]!.id,
          kind: 'deferred',
          attempt: 1,
          phase: 'rcpt',
          code: 451,
          enhanced: '4.7.1',
          text: hostile,
          remoteHost: 'mx.escape.test',
          detail: { category: 'greylisting', hard: false },
        },
      ],
      recipients: [
        {
          id: recipients[0]!.id,
          state: 'deferred',
          nextAttemptAt: at + 600_000,
          lastCode: 451,
          lastEnhanced: '4.7.1',
          lastText: hostile,
          category: 'greylisting',
          hard: false,
        },
      ],
    });
    const r = await mailtrail(['trace', 'QESCAPE001', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f]/, 'no control character but line feed');
    assert.match(r.stdout, /\?\[31mRED \?\]0;pwned\? \?fake delivered line\?\?/);
    const json = await mailtrail(['trace', 'QESCAPE001', '--json', '--config', config]);
    assert.ok(json.stdout.includes('\\u001b[31mRED'), '--json keeps the text, escaped by JSON');
  });

  test('a reader that closes the pipe early (trace | head) ends the command quietly, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'trace', `<${MESSAGE_ID}>`, '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MAILTRAIL_CONFIG: '' },
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
