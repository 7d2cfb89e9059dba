/**
 * The load generator stays a faithful connection-per-message client (issue 18: its CPU is a common term in every
 * server's figures, so a cheaper one must not be one that does less): per message its own TCP connection, EHLO,
 * AUTH PLAIN, MAIL/RCPT/DATA pipelined, the same bytes, QUIT, and it waits for every reply before the next step.
 * A recording server answers each step late and checks that nothing of the next step came before its reply.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { runLoadgen } from '../../bench/lib/loadgen.js';

/** Within the benchmark's addresses (bench/lib/net.ts ADDR: 127.0.3.10–19), one no scenario uses. */
const HOST = '127.0.3.19';
const REPLY_DELAY_MS = 15;

interface Recorded {
  lines: string[];
  /** Lines that arrived while a reply was still owed: a client that does not wait. */
  early: string[];
  bodyBytes: number;
}

/** A server that logs each connection's commands and answers every step REPLY_DELAY_MS late. */
function recordingServer(): Promise<{ port: number; conns: Recorded[]; close(): Promise<void> }> {
  const conns: Recorded[] = [];
  const server = net.createServer((socket) => {
    const rec: Recorded = { lines: [], early: [], bodyBytes: 0 };
    conns.push(rec);
    let owed = true; // the greeting
    let inData = false;
    let buf = '';
    const reply = (text: string, then?: () => void) => {
      owed = true;
      setTimeout(() => {
        owed = false;
        socket.write(text);
        then?.();
      }, REPLY_DELAY_MS);
    };
    reply('220 rec ESMTP\r\n');
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            reply('250 queued\r\n');
          } else rec.bodyBytes += line.length + 2;
          continue;
        }
        rec.lines.push(line.replace(/^(AUTH PLAIN) .*/, '$1'));
        // MAIL, RCPT and DATA come as one pipelined group (RFC 2920): only the group's first needs the previous reply.
        if (owed && !/^(RCPT|DATA)/.test(line)) rec.early.push(line);
        if (line.startsWith('EHLO')) reply('250-rec\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n');
        else if (line.startsWith('AUTH PLAIN ')) {
          const [, user, pass] = Buffer.from(line.slice(11), 'base64').toString().split('\0');
          reply(user === 'u' && pass === 'p' ? '235 ok\r\n' : '535 no\r\n');
        } else if (line.startsWith('MAIL') || line.startsWith('RCPT')) socket.write('250 ok\r\n');
        else if (line === 'DATA') reply('354 go\r\n', () => (inData = true));
        else if (line === 'QUIT') reply('221 bye\r\n', () => socket.end());
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, HOST, () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        conns,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

/** The load generator, a connection per message, as the account `u`. */
function send(port: number, o: { messages: number; sessions: number; size: number; password: string }) {
  const common = { root: process.cwd(), host: HOST, port, user: 'u', from: 'app@bench.test', to: 'someone@sink.test' };
  return runLoadgen({ ...common, ...o, runId: `client-test-${o.password}`, perConnection: 1 });
}

test('a connection per message: EHLO, AUTH PLAIN, MAIL/RCPT/DATA, the whole body, QUIT, each after the reply it waits for', async () => {
  const srv = await recordingServer();
  try {
    const r = await send(srv.port, { messages: 6, sessions: 2, size: 2048, password: 'p' });
    assert.equal(r.sent, 6, `sent ${r.sent} of 6: ${JSON.stringify(r.failures)}`);
    assert.equal(srv.conns.length, 6, 'one TCP connection per message');
    for (const c of srv.conns) {
      assert.deepEqual(c.lines, ['EHLO loadgen.bench.test', 'AUTH PLAIN', 'MAIL FROM:<app@bench.test>', 'RCPT TO:<someone@sink.test>', 'DATA', 'QUIT']);
      assert.deepEqual(c.early, [], `sent before the reply it should wait for: ${c.early.join(', ')}`);
      assert.ok(c.bodyBytes > 1800 && c.bodyBytes <= 2048, `body of ${c.bodyBytes} bytes for --size 2048`);
    }
    // Its CPU while it worked leaves out node's and tsx's start-up, which comes before the first connection.
    assert.ok(r.cpu_load_ms > 0 && r.cpu_load_ms < r.cpu_ms, `cpu_load_ms ${r.cpu_load_ms} of cpu_ms ${r.cpu_ms}`);
    assert.ok(r.cpu_load_sys_ms >= 0 && r.cpu_load_sys_ms <= r.cpu_load_ms, `system ${r.cpu_load_sys_ms} of ${r.cpu_load_ms} ms`);
  } finally {
    await srv.close();
  }
});

test('a refused AUTH is a failed message, and the next message connects anew', async () => {
  const srv = await recordingServer();
  try {
    const r = await send(srv.port, { messages: 2, sessions: 1, size: 1024, password: 'wrong' });
    assert.equal(r.sent, 0);
    assert.equal(r.failed, 2);
    assert.equal(srv.conns.length, 2, 'a new connection for the second message');
  } finally {
    await srv.close();
  }
});
