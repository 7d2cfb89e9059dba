/**
 * PIPELINING (RFC 2920) on the outbound side, seen from the wire: a hand-written server that records
 * each chunk it reads, so a test can tell which commands left in one write, and that answers as scripted
 * (including the non-compliant 354 after every RCPT was refused).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { AttemptReport } from '../../src/delivery/types.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const IP = '127.0.1.81';
let dns: DnsServer;
let server: ScriptedServer;

interface Script {
  rcpt?: (address: string) => string;
  /** Reply to DATA when no recipient was accepted (a compliant server says 554 or 503). */
  dataWithoutRecipients?: string;
  /** Reply to RSET. */
  rset?: string;
  /** false: PIPELINING is not offered. */
  pipelining?: boolean;
}

interface ScriptedServer {
  script: Script;
  /** Every chunk read, per connection, as text. */
  chunks: string[][];
  /** Messages whose closing dot arrived. */
  messages: string[];
  stop(): Promise<void>;
}

async function startScriptedServer(host: string): Promise<ScriptedServer> {
  const state: ScriptedServer = { script: {}, chunks: [], messages: [], stop: async () => {} };
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const chunks: string[] = [];
    state.chunks.push(chunks);
    let buffer = '';
    let inData = false;
    let body = '';
    let accepted = 0;
    socket.write('220 mx.pipelining.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      chunks.push(text);
      buffer += text;
      let out = '';
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) break;
          body += buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 5);
          inData = false;
          state.messages.push(body);
          body = '';
          out += '250 2.0.0 Ok: queued\r\n';
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') out += `250-mx.pipelining.test\r\n${state.script.pipelining === false ? '' : '250-PIPELINING\r\n'}250 8BITMIME\r\n`;
        else if (verb === 'MAIL') {
          accepted = 0;
          out += '250 2.1.0 Ok\r\n';
        } else if (verb === 'RCPT') {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const reply = state.script.rcpt?.(address) ?? '250 2.1.5 Ok';
          if (reply.startsWith('2')) accepted++;
          out += `${reply}\r\n`;
        } else if (verb === 'DATA') {
          if (accepted === 0 && state.script.dataWithoutRecipients !== '354 go ahead anyway') {
            out += `${state.script.dataWithoutRecipients ?? '554 5.5.1 Error: no valid recipients'}\r\n`;
          } else {
            inData = true;
            out += '354 End data with <CR><LF>.<CR><LF>\r\n';
          }
        } else if (verb === 'RSET') out += `${state.script.rset ?? '250 2.0.0 Ok'}\r\n`;
        else if (verb === 'QUIT') {
          socket.end('221 2.0.0 Bye\r\n');
          return;
        } else out += '502 5.5.2 Error: command not recognized\r\n';
      }
      if (out) socket.write(out);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => srv.listen(25, host, resolve));
  state.stop = () =>
    new Promise<void>((resolve) => {
      srv.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return state;
}

before(async () => {
  dns = await startDnsServer({
    mx: [{ name: 'pipelining.test', exchange: 'mx.pipelining.test', preference: 10 }],
    a: [{ name: 'mx.pipelining.test', address: IP }],
  });
  server = await startScriptedServer(IP);
});
after(async () => Promise.all([dns?.stop(), server?.stop()]));

const names = (r: AttemptReport) => r.phases.map((p) => p.phase);
/** The chunk of a connection that carried `command`, split into its command lines. */
const chunkWith = (chunks: string[], command: string) =>
  chunks
    .find((c) => c.includes(command))
    ?.split('\r\n')
    .filter(Boolean);

test('MAIL, every RCPT and DATA leave in one write; on a reused connection RSET leads the same write; each reply is its own phase', async () => {
  server.script = {};
  const before = server.chunks.length;
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const a = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['a@pipelining.test', 'b@pipelining.test'] }));
    const b = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['c@pipelining.test'] }));
    assert.equal(server.chunks.length - before, 1, 'one connection for both');
    const chunks = server.chunks.at(-1)!;
    assert.deepEqual(chunkWith(chunks, 'a@pipelining.test'), [
      'MAIL FROM:<app@sender.test>',
      'RCPT TO:<a@pipelining.test>',
      'RCPT TO:<b@pipelining.test>',
      'DATA',
    ]);
    assert.deepEqual(chunkWith(chunks, 'c@pipelining.test'), ['RSET', 'MAIL FROM:<app@sender.test>', 'RCPT TO:<c@pipelining.test>', 'DATA']);

    assert.deepEqual(names(a), ['dns', 'connect', 'ehlo', 'mail', 'rcpt', 'rcpt', 'data']);
    assert.deepEqual(names(b), ['dns', 'connect', 'mail', 'rcpt', 'data']);
    const [, reused, mail, rcpt, data] = b.phases;
    assert.deepEqual([reused.detail?.reused, reused.text], [true, 'reusing an open connection']);
    assert.deepEqual([mail.code, mail.enhanced, mail.detail?.pipelining], [250, '2.1.0', true]);
    assert.deepEqual([rcpt.code, rcpt.text], [250, '2.1.5 Ok']);
    assert.deepEqual([data.code, data.text, data.detail?.intermediate], [250, '2.0.0 Ok: queued', { code: 354, text: 'End data with <CR><LF>.<CR><LF>' }]);
    for (const p of [...a.phases, ...b.phases]) assert.ok(p.durationMs >= 0 && p.at > 0);
    assert.deepEqual(
      [...a.recipients, ...b.recipients].map((o) => [o.outcome, o.phase, o.code]),
      [
        ['delivered', 'data', 250],
        ['delivered', 'data', 250],
        ['delivered', 'data', 250],
      ],
    );
  } finally {
    await deliverer.close();
  }
});

test('every RCPT refused: the pipelined DATA gets its 554, no body is sent, and the connection is reused', async () => {
  server.script = { rcpt: () => '550 5.1.1 No such user' };
  const before = server.messages.length;
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const a = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['x@pipelining.test'] }));
    assert.deepEqual(names(a), ['dns', 'connect', 'ehlo', 'mail', 'rcpt']);
    assert.deepEqual(
      a.recipients.map((o) => [o.outcome, o.phase, o.code]),
      [['bounced', 'rcpt', 550]],
    );
    server.script = {};
    const b = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['y@pipelining.test'] }));
    assert.deepEqual(names(b), ['dns', 'connect', 'mail', 'rcpt', 'data'], 'the same session goes on in step');
    assert.equal(b.recipients[0].outcome, 'delivered');
    assert.equal(server.messages.length - before, 1, 'only the second message arrived');
  } finally {
    await deliverer.close();
  }
});

test('a server that answers 354 after every RCPT was refused gets no dot: the connection is dropped, nothing arrives', async () => {
  server.script = { rcpt: () => '550 5.1.1 No such user', dataWithoutRecipients: '354 go ahead anyway' };
  const before = server.messages.length;
  const connections = server.chunks.length;
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const a = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['x@pipelining.test'] }));
    assert.deepEqual(
      a.recipients.map((o) => [o.outcome, o.phase, o.code]),
      [['bounced', 'rcpt', 550]],
    );
    server.script = {};
    const b = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['y@pipelining.test'] }));
    assert.equal(b.recipients[0].outcome, 'delivered');
    assert.equal(server.chunks.length - connections, 2, 'the second message needed a new connection');
    assert.equal(server.messages.length - before, 1);
    assert.ok(!server.chunks[connections].join('').includes('\r\n.\r\n'), 'no closing dot on the first connection');
  } finally {
    await deliverer.close();
  }
});

test('a reused connection whose RSET is refused is dropped, the message goes over a new one and the trace shows that one', async () => {
  server.script = {};
  const connections = server.chunks.length;
  const before = server.messages.length;
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['a@pipelining.test'] }));
    server.script = { rset: '421 4.4.2 Timeout, closing' };
    const b = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['b@pipelining.test'] }));
    assert.deepEqual(names(b), ['dns', 'connect', 'ehlo', 'mail', 'rcpt', 'data']);
    assert.equal(b.phases[1].detail?.reused, undefined, 'a fresh connection');
    assert.equal(b.recipients[0].outcome, 'delivered');
    assert.equal(server.chunks.length - connections, 2);
    assert.equal(server.messages.length - before, 2, 'the commands behind the refused RSET delivered nothing');
  } finally {
    await deliverer.close();
  }
});

test('without PIPELINING every command waits for the reply before it, RSET included, and the same phases are recorded', async () => {
  server.script = { pipelining: false };
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['a@pipelining.test', 'b@pipelining.test'] }));
    const b = await deliverer.deliver(testJob({ domain: 'pipelining.test', to: ['c@pipelining.test'] }));
    const commands = server.chunks.at(-1)!.filter((c) => /^[A-Z]{4}/.test(c));
    assert.deepEqual(
      commands.map((c) => c.split(' ')[0].trim()),
      ['EHLO', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'RSET', 'MAIL', 'RCPT', 'DATA'],
      'one command a chunk',
    );
    assert.deepEqual(names(b), ['dns', 'connect', 'mail', 'rcpt', 'data']);
    assert.equal(b.phases[1].detail?.reused, true);
    assert.equal(b.phases[2].detail?.pipelining, false);
    assert.equal(b.recipients[0].outcome, 'delivered');
  } finally {
    await deliverer.close();
  }
});
