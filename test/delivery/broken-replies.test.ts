/**
 * Servers that break the protocol: a reply the command does not allow (250 in place of DATA's 354, 354 or
 * 600 to RCPT), a reply to no command, a reply without end. None of them is a verdict on a recipient: the
 * attempt is deferred, explained as a protocol failure, and nothing is called delivered or bounced on such
 * a reply (RFC 5321 §4.1.1, §4.2.1, §4.3.2). And a server's limit of recipients per transaction, which
 * is no failure at all (§4.5.3.1.10). A hand-written server, since smtp-server cannot misbehave.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { AttemptReport } from '../../src/delivery/types.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { tooManyRecipients } from '../../src/delivery/transaction.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const IP = '127.0.1.84';
const DOMAIN = 'broken.test';
let dns: DnsServer;
let server: net.Server;
const sockets = new Set<net.Socket>();

/** What the server writes for each command line (verb upper-cased); undefined: the usual answer. */
let script: Partial<Record<'EHLO' | 'MAIL' | 'RCPT' | 'DATA' | 'DOT', (line: string, n: number) => string>> = {};
/** Messages whose closing dot arrived. */
let bodies: string[] = [];

before(async () => {
  dns = await startDnsServer({ mx: [{ name: DOMAIN, exchange: `mx.${DOMAIN}`, preference: 10 }], a: [{ name: `mx.${DOMAIN}`, address: IP }] });
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    let inData = false;
    const count: Record<string, number> = {};
    socket.write(`220 mx.${DOMAIN} ESMTP\r\n`);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let out = '';
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) break;
          bodies.push(buffer.slice(0, end + 2));
          buffer = buffer.slice(end + 5);
          inData = false;
          out += script.DOT?.('.', 1) ?? '250 2.0.0 Ok: queued\r\n';
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.split(' ')[0]!.toUpperCase();
        count[verb] = (count[verb] ?? 0) + 1;
        const scripted = (script as Record<string, ((l: string, n: number) => string) | undefined>)[verb]?.(line, count[verb]!);
        if (scripted !== undefined) {
          out += scripted;
          if (verb === 'DATA' && scripted.startsWith('354')) inData = true;
        } else if (verb === 'EHLO') out += `250-mx.${DOMAIN}\r\n250 8BITMIME\r\n`;
        else if (verb === 'DATA') {
          inData = true;
          out += '354 End data with <CR><LF>.<CR><LF>\r\n';
        } else if (verb === 'QUIT') {
          socket.end('221 2.0.0 Bye\r\n');
          return;
        } else out += '250 2.0.0 Ok\r\n';
      }
      if (out) socket.write(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(25, IP, resolve));
});
after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([dns?.stop(), new Promise<void>((resolve) => server.close(() => resolve()))]);
});

async function deliver(to: string[], s: typeof script): Promise<AttemptReport> {
  script = s;
  bodies = [];
  const deliverer = await testDeliverer(testConfig(dns.address, { command_timeout_ms: 1_500 }));
  try {
    return await deliverer.deliver(testJob({ domain: DOMAIN, to: to.map((l) => `${l}@${DOMAIN}`) }));
  } finally {
    await deliverer.close();
  }
}

const outcomes = (r: AttemptReport) => r.recipients.map((o) => [o.outcome, o.classification.category, o.classification.hard]);

test('250 in place of 354 to DATA: nothing was sent, so the recipient is deferred as a protocol failure, not delivered', async () => {
  const r = await deliver(['a'], { DATA: () => '250 2.0.0 Ok\r\n' });
  assert.equal(bodies.length, 0, 'no message was sent');
  assert.deepEqual(outcomes(r), [['deferred', 'protocol-error', false]]);
  const data = r.phases.find((p) => p.phase === 'data')!;
  assert.deepEqual([data.code, data.error], [250, 'EPROTOCOL']);
  assert.match(r.recipients[0]!.classification.explanation, /broke the SMTP protocol.*250 in place of 354/);
  assert.equal(r.recipients[0]!.afterBody, undefined, 'the message was never on its way');
});

test('354 or 600 to RCPT is no verdict: deferred (never bounced on a 600), explained as a protocol failure', async () => {
  const r354 = await deliver(['a', 'b'], { RCPT: (_l, n) => (n === 1 ? '250 2.1.5 Ok\r\n' : '354 go ahead\r\n') });
  assert.deepEqual(outcomes(r354), [
    ['deferred', 'protocol-error', false],
    ['deferred', 'protocol-error', false],
  ]);
  assert.equal(bodies.length, 0);
  const r600 = await deliver(['a'], { RCPT: () => '600 6.0.0 what\r\n' });
  assert.deepEqual(outcomes(r600), [['deferred', 'protocol-error', false]]);
  assert.equal(r600.recipients[0]!.classification.enhanced, '4.5.0');
});

test('a reply to no command (an extra 250 after the first RCPT) puts nothing out of step: no recipient bounced or suppressed', async () => {
  const r = await deliver(['a1', 'a2'], {
    RCPT: (line) => (line.includes('a1@') ? '250 2.1.5 Ok\r\n250 2.1.5 Ok again\r\n' : '550 5.1.1 <a2@broken.test>: user unknown\r\n'),
  });
  assert.deepEqual(
    r.recipients.map((o) => o.outcome),
    ['deferred', 'deferred'],
  );
  assert.ok(
    r.recipients.every((o) => !o.classification.hard),
    JSON.stringify(outcomes(r)),
  );
  assert.ok(
    r.phases.some((p) => p.error === 'EPROTOCOL' && /reply to no command/.test(p.text ?? '')),
    JSON.stringify(r.phases.map((p) => [p.phase, p.code, p.error, p.text])),
  );
});

test('a reply without end (continuation lines past 256 KiB) is cut, not read into memory without bound', async () => {
  const line = `250-${'x'.repeat(1020)}\r\n`;
  const r = await deliver(['a'], { EHLO: () => line.repeat(300) });
  assert.deepEqual(
    r.recipients.map((o) => o.outcome),
    ['deferred'],
  );
  const ehlo = r.phases.find((p) => p.phase === 'ehlo')!;
  assert.equal(ehlo.error, 'EPROTOCOL');
  assert.match(ehlo.text ?? '', /reply longer than 256 KiB/);
});

test('a long but finite EHLO reply (2,000 lines) is read whole', async () => {
  const lines = Array.from({ length: 2000 }, (_, i) => `250-X-FEATURE-${i} ${'p'.repeat(50)}\r\n`).join('');
  const r = await deliver(['a'], { EHLO: () => `${lines}250 8BITMIME\r\n` });
  assert.deepEqual(
    r.recipients.map((o) => o.outcome),
    ['delivered'],
  );
});

test("a multi-line refusal quoting another class's status ('250-2.1.5 fine' over '550 5.1.1 …') reads the refusal's own status", async () => {
  const r = await deliver(['a'], { RCPT: () => '250-2.1.5 fine\r\n550 5.1.1 actually no such user\r\n' });
  assert.deepEqual(outcomes(r), [['bounced', 'mailbox-unknown', true]]);
  assert.equal(r.recipients[0]!.classification.enhanced, '5.1.1');
});

test('no reply to DATA: a timeout before the message was sent is explained as one, and is not "may have it already"', async () => {
  const r = await deliver(['a'], { DATA: () => '' });
  assert.deepEqual(outcomes(r), [['deferred', 'connection-failure', false]]);
  assert.match(r.recipients[0]!.classification.explanation, /did not answer in time|failed/);
  assert.equal(r.recipients[0]!.afterBody, undefined);
  const dropped = await deliver(['a'], { DOT: () => '' });
  assert.equal(dropped.recipients[0]!.afterBody, true, 'no reply after the dot: the server may have kept it');
});

test("over the server's recipients per transaction (452 4.5.3, or 552): the rest go in the next transactions on the same connection, all delivered, no throttling", async () => {
  for (const [refusal, ehlo] of [
    ['452 4.5.3 Error: too many recipients', '250 8BITMIME'],
    ['552 5.5.3 Too many recipients', '250 8BITMIME'],
    ['452 4.5.3 Error: too many recipients', '250 PIPELINING'],
  ]) {
    let inTransaction = 0;
    const r = await deliver(['r1', 'r2', 'r3', 'r4', 'r5'], {
      EHLO: () => `250-mx.${DOMAIN}\r\n${ehlo}\r\n`,
      MAIL: () => {
        inTransaction = 0;
        return '250 2.1.0 Ok\r\n';
      },
      RCPT: () => (++inTransaction > 2 ? `${refusal}\r\n` : '250 2.1.5 Ok\r\n'),
    });
    assert.deepEqual(
      r.recipients.map((o) => o.outcome),
      ['delivered', 'delivered', 'delivered', 'delivered', 'delivered'],
      refusal,
    );
    assert.equal(bodies.length, 3, 'three transactions: 2 + 2 + 1 recipients');
    assert.equal(r.phases.filter((p) => p.phase === 'connect').length, 1, 'one connection');
    assert.equal(r.throttled, false);
  }
});

test('a limit that lets no recipient through is not retried in a loop: the recipients are deferred', async () => {
  const r = await deliver(['r1', 'r2'], { RCPT: () => '452 4.5.3 Too many recipients\r\n' });
  assert.deepEqual(
    r.recipients.map((o) => o.outcome),
    ['deferred', 'deferred'],
  );
  assert.equal(r.phases.filter((p) => p.phase === 'mail').length, 1);
});

test('a claim that lapsed before the message (this relay was frozen past its lease): the body is not sent, the recipients are deferred', async () => {
  script = {};
  bodies = [];
  const deliverer = await testDeliverer(testConfig(dns.address, { command_timeout_ms: 1_500 }));
  try {
    const job = { ...testJob({ domain: DOMAIN, to: [`a@${DOMAIN}`] }), stillClaimed: () => false };
    const r = await deliverer.deliver(job);
    assert.equal(bodies.length, 0, 'no message reached the server');
    assert.deepEqual(outcomes(r), [['deferred', 'system-error', false]]);
    assert.match(r.recipients[0]!.classification.explanation, /paused longer than its claim/);
    assert.equal(r.phases.find((p) => p.phase === 'data')?.error, 'ELEASELOST');
  } finally {
    await deliverer.close();
  }
});

test('a limit of recipients per transaction is told from a rate limit of recipients per hour or day', () => {
  const read = (code: number, enhanced: string | null, text: string) => tooManyRecipients({ code, enhanced, text });
  assert.equal(read(452, null, 'Too many recipients'), true);
  assert.equal(read(552, '5.5.3', 'Too many recipients'), true);
  assert.equal(read(452, null, 'Too many recipients per hour, try later'), false);
  assert.equal(read(452, null, 'too many recipients: rate limit exceeded'), false);
  assert.equal(read(452, null, 'Too many recipients this day'), false);
  assert.equal(read(550, null, 'Too many recipients'), false);
  // The status alone does not make it per transaction: its words can name a limit over time.
  assert.equal(read(452, '4.5.3', 'Too many recipients this hour'), false);
  assert.equal(read(452, '4.5.3', 'Daily recipient quota reached'), false);
  assert.equal(read(452, '4.5.3', ''), true);
});
