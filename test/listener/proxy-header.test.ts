/**
 * The PROXY protocol v1 line (src/listener/proxy-header.ts), byte by byte as HAProxy's proxy-protocol.txt
 * §2.1 writes it, and the reader that takes it off a real socket: within its deadline, within 107 bytes,
 * and leaving what followed it for the session.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { looksLikeV2, MAX_PROXY_V1_LINE, parseProxyV1, readProxyHeader, type ProxyOutcome } from '../../src/listener/proxy-header.js';

const parse = (line: string) => parseProxyV1(Buffer.from(line, 'latin1'));

test('TCP4 and TCP6 lines name the client and its port; IPv6 comes out in one canonical form', () => {
  assert.deepEqual(parse('PROXY TCP4 192.0.2.7 198.51.100.1 40000 587\r\n'), { kind: 'proxied', address: '192.0.2.7', port: 40000 });
  assert.deepEqual(parse('PROXY TCP6 2001:DB8:0:0:1::7 2001:db8::1 65535 25\r\n'), { kind: 'proxied', address: '2001:db8::1:0:0:7', port: 65535 });
  assert.deepEqual(parse('PROXY TCP6 ::ffff:192.0.2.9 ::ffff:198.51.100.1 1 465\r\n'), { kind: 'proxied', address: '::ffff:192.0.2.9', port: 1 });
  const tcp6 = 'PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n';
  assert.equal((parse(tcp6) as { kind: string }).kind, 'proxied');
});

test('PROXY UNKNOWN (a balancer’s own connection) is accepted with whatever follows, and names no client', () => {
  assert.deepEqual(parse('PROXY UNKNOWN\r\n'), { kind: 'unknown' });
  assert.deepEqual(parse('PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n'), { kind: 'unknown' });
  const longest = 'PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n';
  assert.equal(longest.length, MAX_PROXY_V1_LINE, 'the specification’s worst case is exactly the limit');
  assert.deepEqual(parse(longest), { kind: 'unknown' });
});

test('malformed lines are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['EHLO client.test\r\n', /does not start with "PROXY "/],
    ['proxy TCP4 192.0.2.7 198.51.100.1 1 2\r\n', /does not start with "PROXY "/],
    ['PROXY\r\n', /six fields/],
    ['PROXY TCP4 192.0.2.7\r\n', /six fields/],
    ['PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n', /six fields/],
    ['PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n', /six fields/],
    ['PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n', /TCP4, TCP6 or UNKNOWN/],
    ['PROXY TCP4 2001:db8::7 198.51.100.1 1 2\r\n', /source is not an IPv4/],
    ['PROXY TCP6 192.0.2.7 2001:db8::1 1 2\r\n', /source is not an IPv6/],
    ['PROXY TCP4 192.0.2.7 example.com 1 2\r\n', /destination is not an IPv4/],
    ['PROXY TCP4 192.0.2.007 198.51.100.1 1 2\r\n', /source is not an IPv4/],
    ['PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n', /source is not an IPv6/],
    ['PROXY TCP4 192.0.2.7 198.51.100.1 65536 25\r\n', /port/],
    ['PROXY TCP4 192.0.2.7 198.51.100.1 01 25\r\n', /port/],
    ['PROXY TCP4 192.0.2.7 198.51.100.1 -1 25\r\n', /port/],
    ['PROXY TCP4 192.0.2.7 198.51.100.1 1 2\n', /CRLF/],
  ];
  for (const [line, why] of cases) {
    const r = parse(line);
    assert.ok('problem' in r, `refused: ${JSON.stringify(line)}`);
    assert.match(r.problem, why, JSON.stringify(line));
  }
});

test('a v2 (binary) header is recognised from its first bytes, so the refusal can say what to change', () => {
  assert.equal(looksLikeV2(Buffer.from('\r\n\r\n\0\r\nQUIT\n\x21\x11\0\x0c', 'latin1')), true);
  assert.equal(looksLikeV2(Buffer.from('\r\n\r\n\0', 'latin1')), true);
  assert.equal(looksLikeV2(Buffer.from('\r\n', 'latin1')), false, 'too short to tell');
  assert.equal(looksLikeV2(Buffer.from('PROXY TCP4 ', 'latin1')), false);
});

/** A server socket the reader reads, and the client end a test writes. */
async function pair(timeoutMs: number): Promise<{ client: net.Socket; outcome: Promise<ProxyOutcome>; rest: () => Promise<string>; close(): void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  const [socket] = await accepted;
  socket.on('error', () => {});
  const outcome = new Promise<ProxyOutcome>((resolve) => readProxyHeader(socket, timeoutMs, resolve));
  return {
    client,
    outcome,
    // What the session would read after the header.
    rest: async () => {
      socket.setEncoding('latin1');
      let text = '';
      socket.on('data', (d: string) => {
        text += d;
      });
      await new Promise((r) => setTimeout(r, 100));
      return text;
    },
    close() {
      client.destroy();
      socket.destroy();
      server.close();
    },
  };
}

test('the reader takes the header and leaves the bytes after it, sent in the same segment, for the session', async () => {
  const p = await pair(2000);
  try {
    p.client.write('PROXY TCP4 192.0.2.7 198.51.100.1 40000 25\r\nEHLO client.test\r\n');
    assert.deepEqual(await p.outcome, { ok: true, header: { kind: 'proxied', address: '192.0.2.7', port: 40000 } });
    assert.equal(await p.rest(), 'EHLO client.test\r\n');
  } finally {
    p.close();
  }
});

test('a header dripped a byte at a time is read; one that does not end within its deadline is refused at the deadline', async () => {
  const slow = await pair(2000);
  try {
    for (const ch of 'PROXY TCP4 192.0.2.7 198.51.100.1 1 2\r\n') {
      slow.client.write(ch);
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal((await slow.outcome).ok, true);
  } finally {
    slow.close();
  }
  const dripping = await pair(300);
  try {
    const start = Date.now();
    const timer = setInterval(() => dripping.client.write('P'), 50);
    const r = await dripping.outcome;
    clearInterval(timer);
    const ms = Date.now() - start;
    assert.ok(!r.ok && /no complete PROXY line within 0.3 s/.test(r.problem), `refused: ${JSON.stringify(r)}`);
    assert.ok(ms >= 280 && ms < 1000, `a byte every 50 ms did not extend the 300 ms deadline (${ms} ms)`);
  } finally {
    dripping.close();
  }
});

test('a line longer than 107 bytes is refused without waiting for its end; a peer closing at once is a silent failure', async () => {
  const long = await pair(2000);
  try {
    long.client.write(`PROXY TCP4 ${'1'.repeat(200)}`);
    const r = await long.outcome;
    assert.ok(!r.ok && /within 107 bytes/.test(r.problem) && !r.silent, `refused: ${JSON.stringify(r)}`);
  } finally {
    long.close();
  }
  const check = await pair(2000);
  try {
    check.client.end();
    const r = await check.outcome;
    assert.ok(!r.ok && r.silent, `a connect-and-close (a TCP health check) is silent: ${JSON.stringify(r)}`);
  } finally {
    check.close();
  }
  const half = await pair(2000);
  try {
    half.client.end('PROXY TCP4 192');
    const r = await half.outcome;
    assert.ok(!r.ok && !r.silent && /closed the connection before a full PROXY line/.test(r.problem), `refused: ${JSON.stringify(r)}`);
  } finally {
    half.close();
  }
});
