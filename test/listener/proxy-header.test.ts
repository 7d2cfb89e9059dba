/**
 * The PROXY protocol v1 line (src/listener/proxy-header.ts), byte by byte as HAProxy's proxy-protocol.txt
 * §2.1 writes it, and the reader that takes it off a real socket: within its deadline, within 107 bytes,
 * and leaving what followed it for the session.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import {
  MAX_PROXY_V1_LINE,
  MAX_PROXY_V2_LENGTH,
  parseProxyV1,
  parseProxyV2,
  proxyV2Length,
  readProxyHeader,
  type ProxyOutcome,
} from '../../src/listener/proxy-header.js';
import { proxyV2, tlv } from './proxy-v2.js';

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

test('v2 TCP over IPv4 and IPv6 name the client and its port, as bytes; IPv6 comes out in RFC 5952 form, TLVs are skipped', () => {
  assert.deepEqual(parseProxyV2(proxyV2({ src: '192.0.2.7', dst: '198.51.100.1', sport: 40000, dport: 587 })), {
    kind: 'proxied',
    address: '192.0.2.7',
    port: 40000,
  });
  assert.deepEqual(parseProxyV2(proxyV2({ src: '2001:DB8:0:0:1::7', dst: '2001:db8::1', sport: 65535, dport: 25 })), {
    kind: 'proxied',
    address: '2001:db8::1:0:0:7',
    port: 65535,
  });
  assert.deepEqual(parseProxyV2(proxyV2({ src: '::ffff:192.0.2.9', dst: '::ffff:198.51.100.1', sport: 1, dport: 465 })), {
    kind: 'proxied',
    address: '::ffff:192.0.2.9',
    port: 1,
  });
  // An AWS NLB's VPC endpoint id (0xEA, with its own subtype byte) and a NOOP padding TLV (0x04).
  const tlvs = Buffer.concat([tlv(0xea, Buffer.from('\x01vpce-08d2bf15fac5001c9', 'latin1')), tlv(0x04, Buffer.alloc(7))]);
  const withTlvs = proxyV2({ src: '203.0.113.5', dst: '10.0.0.1', sport: 5555, dport: 587, tlvs });
  assert.equal(withTlvs.readUInt16BE(14), 12 + tlvs.length, 'the TLVs are counted in the length');
  assert.deepEqual(parseProxyV2(withTlvs), { kind: 'proxied', address: '203.0.113.5', port: 5555 });
  const longest = proxyV2({ src: '2001:db8::7', dst: '2001:db8::1', sport: 1, dport: 2, tlvs: tlv(0x04, Buffer.alloc(MAX_PROXY_V2_LENGTH - 36 - 3)) });
  assert.equal(longest.length, 16 + MAX_PROXY_V2_LENGTH, 'the bound itself is accepted');
  assert.equal((parseProxyV2(longest) as { kind: string }).kind, 'proxied');
});

test('v2 LOCAL (the balancer’s own connection) and PROXY with the UNSPEC family name no client', () => {
  assert.deepEqual(parseProxyV2(proxyV2({ command: 0, famProto: 0x00 })), { kind: 'unknown' });
  // LOCAL: the receiver must ignore the address block, whatever it says (§2.2).
  assert.deepEqual(parseProxyV2(proxyV2({ command: 0, src: '192.0.2.7', dst: '198.51.100.1', sport: 1, dport: 2 })), { kind: 'unknown' });
  assert.deepEqual(parseProxyV2(proxyV2({ command: 1, famProto: 0x00 })), { kind: 'unknown' });
});

test('malformed v2 headers are refused with the reason', () => {
  const ok = () => proxyV2({ src: '192.0.2.7', dst: '198.51.100.1', sport: 1, dport: 2 });
  const with_ = (at: number, byte: number) => {
    const b = ok();
    b[at] = byte;
    return b;
  };
  const lengthed = (famProto: number, length: number) => {
    const b = Buffer.concat([ok().subarray(0, 16), Buffer.alloc(length)]);
    b[13] = famProto;
    b.writeUInt16BE(length, 14);
    return b;
  };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['version 1', with_(12, 0x11), /version 1: only 2/],
    ['version 3', with_(12, 0x31), /version 3: only 2/],
    ['command 2', with_(12, 0x22), /command 2: only LOCAL \(0\) and PROXY \(1\)/],
    ['UDP over IPv4', with_(13, 0x12), /UDP over IPv4: only TCP/],
    ['UDP over IPv6', lengthed(0x22, 36), /UDP over IPv6: only TCP/],
    ['a UNIX stream socket', lengthed(0x31, 216), /UNIX stream socket: only TCP/],
    ['an unknown family', with_(13, 0x41), /family\/protocol 0x41/],
    ['a length past the bound', lengthed(0x11, MAX_PROXY_V2_LENGTH + 1), /of 549 bytes after its first 16: at most 548/],
    ['TCP4 with a short address block', lengthed(0x11, 11), /IPv4 header needs 12 address bytes, its length is 11/],
    ['TCP6 with an IPv4-sized block', lengthed(0x21, 12), /IPv6 header needs 36 address bytes, its length is 12/],
    ['a bad signature', with_(6, 0x00), /neither "PROXY " nor the v2 signature/],
    ['a truncated header', ok().subarray(0, 20), /truncated/],
  ];
  for (const [name, bytes, why] of cases) {
    const r = parseProxyV2(bytes);
    assert.ok('problem' in r, `refused: ${name}`);
    assert.match(r.problem, why, name);
  }
});

test('the size of a v2 header is known from its first 16 bytes, and a wrong start is refused before them', () => {
  const h = proxyV2({ src: '192.0.2.7', dst: '198.51.100.1', sport: 1, dport: 2 });
  assert.equal(proxyV2Length(h.subarray(0, 16)), 28);
  assert.equal(proxyV2Length(h.subarray(0, 5)), null, 'a matching prefix: wait for more');
  assert.match((proxyV2Length(Buffer.from('\r\nEHLO', 'latin1')) as { problem: string }).problem, /v2 signature/, 'a wrong prefix: refused at once');
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

test('v2: the reader takes exactly the header (TLVs included) and leaves the bytes after it; dripped in pieces it is read', async () => {
  const tlvs = tlv(0xea, Buffer.from('\x01vpce-0123', 'latin1'));
  const header = proxyV2({ src: '2001:db8::7', dst: '2001:db8::1', sport: 40000, dport: 465, tlvs });
  const p = await pair(2000);
  try {
    p.client.write(Buffer.concat([header, Buffer.from('EHLO client.test\r\n')]));
    assert.deepEqual(await p.outcome, { ok: true, header: { kind: 'proxied', address: '2001:db8::7', port: 40000 } });
    assert.equal(await p.rest(), 'EHLO client.test\r\n');
  } finally {
    p.close();
  }
  const slow = await pair(2000);
  try {
    // The signature split, the fixed part split from the addresses, the last TLV byte with the client's first bytes.
    for (const piece of [header.subarray(0, 3), header.subarray(3, 14), header.subarray(14, 20), header.subarray(20, header.length - 1)]) {
      slow.client.write(piece);
      await new Promise((r) => setTimeout(r, 20));
    }
    slow.client.write(Buffer.concat([header.subarray(header.length - 1), Buffer.from('QUIT\r\n')]));
    assert.deepEqual(await slow.outcome, { ok: true, header: { kind: 'proxied', address: '2001:db8::7', port: 40000 } });
    assert.equal(await slow.rest(), 'QUIT\r\n');
  } finally {
    slow.close();
  }
});

test('v2: a header dripped past its deadline, one claiming a length past the bound, and one cut short are refused', async () => {
  const header = proxyV2({ src: '192.0.2.7', dst: '198.51.100.1', sport: 1, dport: 2 });
  const dripping = await pair(300);
  try {
    const start = Date.now();
    let i = 0;
    const timer = setInterval(() => dripping.client.write(header.subarray(i, ++i)), 50);
    const r = await dripping.outcome;
    clearInterval(timer);
    const ms = Date.now() - start;
    assert.ok(!r.ok && /no complete PROXY v2 header within 0.3 s/.test(r.problem), `refused: ${JSON.stringify(r)}`);
    assert.ok(ms >= 280 && ms < 1000, `a byte every 50 ms did not extend the 300 ms deadline (${ms} ms)`);
  } finally {
    dripping.close();
  }
  const huge = await pair(2000);
  try {
    const b = Buffer.from(header.subarray(0, 16));
    b.writeUInt16BE(65535, 14);
    huge.client.write(b);
    const start = Date.now();
    const r = await huge.outcome;
    assert.ok(!r.ok && /at most 548/.test(r.problem), `refused: ${JSON.stringify(r)}`);
    assert.ok(Date.now() - start < 1000, 'at once, without waiting for the bytes it claims');
  } finally {
    huge.close();
  }
  const cut = await pair(2000);
  try {
    cut.client.end(header.subarray(0, 20));
    const r = await cut.outcome;
    assert.ok(!r.ok && !r.silent && /closed the connection before a full PROXY v2 header/.test(r.problem), `refused: ${JSON.stringify(r)}`);
  } finally {
    cut.close();
  }
});
