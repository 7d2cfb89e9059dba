/**
 * The SMTP listeners behind a PROXY-protocol load balancer (`submission.proxy_protocol`,
 * `bounces.proxy_protocol`), over real sockets: a raw client connecting from the balancer's address
 * (127.0.9.1) sends the v1 line HAProxy's `send-proxy` sends, then talks SMTP (on 465: the line, then
 * TLS). Every per-address decision and record takes the header's client; the balancer itself is only
 * counted in the total; any other peer is never asked for a header, and a balancer without a valid one
 * is closed.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import tls from 'node:tls';
import { PASSWORD, RawClient, USER, message, send, startHarness, storedMessages } from '../submission/harness.js';
import { waitFor } from '../bounces/support.js';
import type { RefusalCounters } from '../../src/listener/refusal-counters.js';
import { BOUNCE_HOST, startBounceListener } from './listeners.js';
import { proxyV2, tlv } from './proxy-v2.js';

const BALANCER = '127.0.9.1';
const proxyLine = (client: string, port = 40000) =>
  `PROXY ${client.includes(':') ? 'TCP6' : 'TCP4'} ${client} ${client.includes(':') ? '2001:db8::25' : '198.51.100.25'} ${port} 587\r\n`;
const behind = { proxy_protocol: [BALANCER], cleartext_auth: 'always' };

/** A connection from the balancer that sends `bytes` and collects whatever comes back until the server closes it. */
async function fromBalancer(port: number, bytes: string | Buffer, host = '127.0.0.1'): Promise<{ reply: string; closed: boolean }> {
  const s = net.connect({ host, port, localAddress: BALANCER });
  s.on('error', () => {});
  let reply = '';
  s.on('data', (d: Buffer) => {
    reply += d.toString('latin1');
  });
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  await new Promise((r) => s.once('connect', r));
  if (bytes.length) s.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  const done = await closed;
  s.destroy();
  return { reply, closed: done };
}

/** On 465, `header` and the TLS ClientHello in one segment; resolves with the greeting read over TLS. */
async function greetingAfterGluedHeader(port: number, header: Buffer): Promise<string> {
  const raw = net.connect({ host: '127.0.0.1', port, localAddress: BALANCER });
  try {
    await new Promise((r) => raw.once('connect', r));
    let first = true;
    // Between TLS and the socket: the first write (the ClientHello) goes out glued to the header.
    const glue = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        raw.write(first ? Buffer.concat([header, chunk]) : chunk, cb);
        first = false;
      },
      read() {},
      final(cb) {
        raw.end();
        cb();
      },
    });
    raw.on('data', (d: Buffer) => glue.push(d));
    raw.on('end', () => glue.push(null));
    raw.on('error', () => {});
    const secure = tls.connect({ socket: glue, rejectUnauthorized: false });
    const greeting = await new Promise<string>((resolve, reject) => {
      secure.once('error', reject);
      secure.once('data', (d: Buffer) => resolve(d.toString('latin1')));
    });
    secure.destroy();
    return greeting;
  } finally {
    raw.destroy();
  }
}

describe('submission behind a PROXY-protocol balancer', () => {
  test('on 587 and on 465 (the line, then TLS) the session, the Received field, the stored row and the log lines carry the header’s client', async () => {
    const h = await startHarness({ submission: behind });
    try {
      for (const [implicitTls, client] of [
        [false, '192.0.2.7'],
        [true, '192.0.2.8'],
      ] as const) {
        const c = await RawClient.proxied(implicitTls ? h.implicitPort : h.starttlsPort, proxyLine(client), { localAddress: BALANCER, implicitTls });
        assert.equal((await c.read())?.code, 220, `greeted (${client})`);
        assert.equal((await c.command('EHLO app.test'))?.code, 250);
        const bad = await c.command(`AUTH PLAIN ${Buffer.from(`\0${USER}\0wrong`).toString('base64')}`);
        assert.equal(bad?.code, 535, 'a failed AUTH');
        assert.equal((await c.command(`AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}`))?.code, 235);
        assert.equal((await send(c, message(`proxied-${client}@app.test`)))?.code, 250);
        c.destroy();
        const failure = h.logs.find((l) => l.event === 'submission.refused' && l.reason === 'auth-failure' && l.client_ip === client);
        assert.ok(failure, `the AUTH failure is logged with the header's client ${client}`);
      }
      const stored = await storedMessages(h.store);
      assert.deepEqual(
        stored.map((m) => m.message.clientIp),
        ['192.0.2.7', '192.0.2.8'],
        'the messages row stores the client, not the balancer',
      );
      const received = stored.map((m) => m.raw.toString('latin1').split('\r\n\t')[0]);
      assert.match(received[0], /^Received: from app\.test \((?:\S+ )?\[192\.0\.2\.7\]\)$/);
      assert.match(received[1], /^Received: from app\.test \((?:\S+ )?\[192\.0\.2\.8\]\)$/);
      assert.match(stored[1].raw.toString('latin1'), /with ESMTPSA id/, 'TLS on 465 came after the line');
      const events = h.logs.filter((l) => l.event === 'message.received').map((l) => l.client_ip);
      assert.deepEqual(events, ['192.0.2.7', '192.0.2.8'], 'message.received names the client');
      assert.ok(!JSON.stringify(h.logs).includes(BALANCER), 'no log line names the balancer');
    } finally {
      await h.close();
    }
  });

  test('on 465 the PROXY line and the TLS ClientHello in one segment: the bytes after the line are the handshake', async () => {
    const h = await startHarness({ submission: behind });
    try {
      assert.match(await greetingAfterGluedHeader(h.implicitPort, Buffer.from(proxyLine('192.0.2.9'))), /^220 /);
    } finally {
      await h.close();
    }
  });

  test('per-address limits count the header’s client: two clients behind one balancer each get their slots, the limit trips for one only', async () => {
    const h = await startHarness({ submission: behind, limits: { max_connections: 20, max_connections_per_ip: 2 } });
    const open: RawClient[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const c = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.10', 40000 + i), { localAddress: BALANCER });
        open.push(c);
        assert.equal((await c.read())?.code, 220, `192.0.2.10's connection ${i + 1} is admitted`);
      }
      const third = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.10', 40002), { localAddress: BALANCER });
      open.push(third);
      const refused = await third.read();
      assert.match(refused?.text ?? '', /^421 4\.7\.0 too many connections from 192\.0\.2\.10; try again later/, 'refused, naming the client');
      assert.ok(await third.waitClosed(), 'and closed');
      for (let i = 0; i < 2; i++) {
        const c = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.11', 41000 + i), { localAddress: BALANCER });
        open.push(c);
        assert.equal((await c.read())?.code, 220, `192.0.2.11 has slots of its own (the balancer carries ${3 + i} connections)`);
      }
      const logged = h.logs.filter((l) => l.event === 'submission.refused' && l.reason === 'limit');
      assert.deepEqual(
        logged.map((l) => l.client_ip),
        ['192.0.2.10'],
        'one refusal, of the client over its limit',
      );
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });

  test('the balancer’s connections count in the total while their header is awaited, and are closed (421, logged) at proxy_header_timeout_ms', async () => {
    const h = await startHarness({ submission: behind, limits: { max_connections: 3, max_connections_per_ip: 1, proxy_header_timeout_ms: 600 } });
    const silent: net.Socket[] = [];
    try {
      const start = Date.now();
      const replies: string[] = [];
      const closedAt: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = net.connect({ host: '127.0.0.1', port: h.starttlsPort, localAddress: BALANCER });
        s.on('error', () => {});
        s.on('data', (d: Buffer) => replies.push(d.toString('latin1')));
        s.on('close', () => closedAt.push(Date.now() - start));
        silent.push(s);
        await new Promise((r) => s.once('connect', r));
      }
      // The balancer is not limited per address (max_connections_per_ip is 1), but holds the whole total.
      const direct = await RawClient.connect(h.starttlsPort, { localAddress: '127.0.9.2' });
      assert.match((await direct.read())?.text ?? '', /^421 4\.7\.0 too many connections; try again later/, 'the total is full');
      direct.destroy();
      await waitFor(() => closedAt.length === 3, 5000, 'the silent connections to be closed');
      assert.ok(
        closedAt.every((ms) => ms >= 550 && ms < 3000),
        `closed at the 600 ms header deadline: ${closedAt.join(', ')} ms`,
      );
      assert.ok(
        replies.every((r) => r === '421 4.7.0 expected a PROXY protocol header from this load balancer; closing connection\r\n'),
        `each was told why: ${JSON.stringify(replies)}`,
      );
      const logged = h.logs.filter((l) => l.event === 'submission.refused' && l.reason === 'proxy-header');
      assert.equal(logged.length, 3, 'each is logged');
      assert.equal(logged[0].client_ip, BALANCER, 'naming the balancer');
      assert.match(String(logged[0].text), /no complete PROXY line within 0\.6 s/);
      const after = await RawClient.connect(h.starttlsPort, { localAddress: '127.0.9.2' });
      assert.equal((await after.read())?.code, 220, 'their places in the total are given back');
      after.destroy();
    } finally {
      for (const s of silent) s.destroy();
      await h.close();
    }
  });

  test('a peer that is not a listed balancer is never asked for a header: its PROXY line is an SMTP error and it keeps its own address', async () => {
    const h = await startHarness({ submission: behind });
    try {
      const c = await RawClient.connect(h.starttlsPort, { localAddress: '127.0.9.3' });
      assert.equal((await c.read())?.code, 220, 'greeted at once, no header awaited');
      const r = await c.command(proxyLine('192.0.2.66').trimEnd());
      assert.ok(r && r.code >= 500 && r.code < 600, `the PROXY line is refused as a command: ${r?.text}`);
      assert.equal((await c.login())?.code, 235);
      assert.equal((await send(c, message('direct@app.test')))?.code, 250);
      c.destroy();
      const [m] = await storedMessages(h.store);
      assert.equal(m.message.clientIp, '127.0.9.3', 'the address it connected from, not the one it claimed');
    } finally {
      await h.close();
    }
  });

  test('a balancer’s connection with a malformed or missing header is closed: 421 on 587, no reply on 465; each is logged and counted with the reason', async () => {
    const counted: string[] = [];
    const refusals: RefusalCounters = {
      smtpRefused: (listener, reason) => counted.push(`${listener} ${reason}`),
      httpCredentialFailed() {},
      httpBlockStarted() {},
      httpBlockedRequest() {},
      httpConnectionRefused() {},
    };
    const h = await startHarness({ submission: behind, deps: { refusals } });
    try {
      const cases: Array<[number, string, RegExp, boolean]> = [
        [h.starttlsPort, 'PROXY TCP4 2001:db8::1 198.51.100.25 40000 587\r\n', /source is not an IPv4 address/, true],
        [h.starttlsPort, 'EHLO app.test\r\n', /does not start with "PROXY "/, true],
        [h.starttlsPort, `PROXY TCP4 ${'9'.repeat(120)}`, /no PROXY line end within 107 bytes/, true],
        [h.implicitPort, 'PROXY TCP4 192.0.2.7 198.51.100.25 40000\r\n', /six fields/, false],
      ];
      for (const [port, bytes, why, replied] of cases) {
        const before = h.logs.length;
        const r = await fromBalancer(port, bytes);
        assert.ok(r.closed, `closed: ${JSON.stringify(bytes)}`);
        if (replied) assert.equal(r.reply, '421 4.7.0 expected a PROXY protocol header from this load balancer; closing connection\r\n');
        else assert.equal(r.reply, '', 'nothing in cleartext on the implicit-TLS port');
        const line = await waitFor(() => h.logs.slice(before).find((l) => l.event === 'submission.refused' && l.reason === 'proxy-header'));
        assert.match(String(line.text), why);
        assert.equal(line.client_ip, BALANCER);
        assert.equal(line.code, replied ? 421 : null);
      }
      // A balancer's TCP health check (connect, close): closed quietly, at debug.
      const before = h.logs.length;
      const check = net.connect({ host: '127.0.0.1', port: h.starttlsPort, localAddress: BALANCER });
      check.on('error', () => {});
      await new Promise((r) => check.once('connect', r));
      check.end();
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(!h.logs.slice(before).some((l) => l.reason === 'proxy-header' && /closed the connection/.test(String(l.text))), 'no info line for it');
      assert.deepEqual(counted, Array(cases.length).fill('submission proxy-header'), 'each refusal is counted for /metrics, the health check is not');
    } finally {
      await h.close();
    }
  });

  test('TCP6 headers: the session has the IPv6 client, and the per-address limit counts its /64', async () => {
    const h = await startHarness({ submission: behind, limits: { max_connections: 20, max_connections_per_ip: 1 } });
    const open: RawClient[] = [];
    try {
      const first = await RawClient.proxied(h.starttlsPort, proxyLine('2001:db8:1:2::7'), { localAddress: BALANCER });
      open.push(first);
      assert.equal((await first.read())?.code, 220);
      const neighbour = await RawClient.proxied(h.starttlsPort, proxyLine('2001:DB8:1:2:0:0:0:8'), { localAddress: BALANCER });
      open.push(neighbour);
      assert.match(
        (await neighbour.read())?.text ?? '',
        /^421 4\.7\.0 too many connections from 2001:db8:1:2::8 \(counted per \/64 prefix: 2001:db8:1:2::\/64\)/,
        'another address of the same /64 shares the limit; the reply names it canonically',
      );
      const other = await RawClient.proxied(h.starttlsPort, proxyLine('2001:db8:1:3::1'), { localAddress: BALANCER });
      open.push(other);
      assert.equal((await other.read())?.code, 220, 'another /64 has its own');
      assert.equal((await first.login())?.code, 235);
      assert.equal((await send(first, message('v6@app.test')))?.code, 250);
      const [m] = await storedMessages(h.store);
      assert.equal(m.message.clientIp, '2001:db8:1:2::7');
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });

  test('AUTH failures and trusted_networks go by the header’s client; PROXY UNKNOWN keeps the balancer’s address', async () => {
    const h = await startHarness({
      submission: behind,
      limits: { max_auth_failures: 2, max_connections_per_ip: 1, trusted_networks: ['192.0.2.64/26'] },
    });
    const open: RawClient[] = [];
    try {
      const guesser = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.30'), { localAddress: BALANCER });
      open.push(guesser);
      await guesser.read();
      await guesser.command('EHLO x');
      for (const expected of [535, 421]) {
        const r = await guesser.command(`AUTH PLAIN ${Buffer.from(`\0${USER}\0nope`).toString('base64')}`);
        assert.equal(r?.code, expected);
      }
      guesser.destroy();
      const again = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.30', 40001), { localAddress: BALANCER });
      open.push(again);
      assert.match((await again.read())?.text ?? '', /^421 4\.7\.0 too many authentication failures from 192\.0\.2\.30/, 'the guesser is blocked');
      const other = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.31'), { localAddress: BALANCER });
      open.push(other);
      assert.equal((await other.read())?.code, 220, 'another client behind the same balancer is not');
      assert.equal((await other.login())?.code, 235);

      for (let i = 0; i < 2; i++) {
        const fleet = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.70', 42000 + i), { localAddress: BALANCER });
        open.push(fleet);
        assert.equal((await fleet.read())?.code, 220, `a trusted_networks client is exempt from max_connections_per_ip (${i + 1})`);
      }

      const unknown = await RawClient.proxied(h.starttlsPort, 'PROXY UNKNOWN\r\n', { localAddress: BALANCER });
      open.push(unknown);
      assert.equal((await unknown.read())?.code, 220);
      assert.equal((await unknown.login())?.code, 235);
      assert.equal((await send(unknown, message('unknown@app.test')))?.code, 250);
      const [m] = await storedMessages(h.store);
      assert.equal(m.message.clientIp, BALANCER, 'PROXY UNKNOWN: the balancer’s own connection');
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });
});

describe('the bounce listener behind a PROXY-protocol balancer', () => {
  async function bounce(c: RawClient): Promise<number | undefined> {
    await c.command('EHLO mx.remote.test');
    await c.command('MAIL FROM:<>');
    await c.command('RCPT TO:<postmaster@bounces.test>');
    await c.command('DATA');
    c.write('Subject: Undelivered Mail\r\n\r\nhello\r\n.\r\n');
    return (await c.read())?.code;
  }

  test('the header is not early talk; the stored row and log lines name the client; per-address limits count it; other peers keep their address', async () => {
    const b = await startBounceListener({ proxy_protocol: [BALANCER], pregreet_wait_ms: 150, max_connections_per_ip: 1 });
    const open: RawClient[] = [];
    try {
      const c = await RawClient.proxied(b.port, proxyLine('192.0.2.40'), { localAddress: BALANCER, host: BOUNCE_HOST });
      open.push(c);
      assert.equal((await c.read())?.code, 220, 'the PROXY line before the greeting is not early talk');
      const same = await RawClient.proxied(b.port, proxyLine('192.0.2.40', 40001), { localAddress: BALANCER, host: BOUNCE_HOST });
      open.push(same);
      assert.match((await same.read())?.text ?? '', /^421 4\.7\.0 too many connections from 192\.0\.2\.40/, 'the client is at its limit');
      const other = await RawClient.proxied(b.port, proxyLine('192.0.2.41'), { localAddress: BALANCER, host: BOUNCE_HOST });
      open.push(other);
      assert.equal((await other.read())?.code, 220, 'another client behind the same balancer is not');
      assert.equal(await bounce(c), 250);
      const stored = await waitFor(() => b.logs.find((l) => l.event === 'inbound.received'));
      assert.equal(stored.client_ip, '192.0.2.40', 'the inbound row stores the client');
      const refused = b.logs.find((l) => l.event === 'inbound.refused' && l.reason === 'limit');
      assert.equal(refused?.client_ip, '192.0.2.40');

      const direct = await RawClient.connect(b.port, { host: BOUNCE_HOST, localAddress: '127.0.9.4' });
      open.push(direct);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await direct.read())?.code, 220, 'a peer that is not a balancer is greeted without a header');
      const r = await direct.command(proxyLine('192.0.2.99').trimEnd());
      assert.ok(r && r.code >= 500, `its PROXY line is an SMTP error: ${r?.text}`);
      assert.equal(await bounce(direct), 250);
      await waitFor(() => b.logs.filter((l) => l.event === 'inbound.received').length === 2);
      const rows = b.logs.filter((l) => l.event === 'inbound.received');
      assert.equal(rows[1].client_ip, '127.0.9.4', 'it keeps its own address');
    } finally {
      for (const c of open) c.destroy();
      await b.close();
    }
  });

  test('a balancer’s connection without a valid header is told 421, closed and logged', async () => {
    const b = await startBounceListener({ proxy_protocol: ['127.0.9.0/24'] });
    try {
      const r = await fromBalancer(b.port, 'HELO mx.remote.test\r\n', BOUNCE_HOST);
      assert.ok(r.closed, 'closed');
      assert.equal(r.reply, '421 4.7.0 expected a PROXY protocol header from this load balancer; closing connection\r\n');
      const line = await waitFor(() => b.logs.find((l) => l.event === 'inbound.refused' && l.reason === 'proxy-header'));
      assert.equal(line.client_ip, BALANCER);
      assert.match(String(line.text), /does not start with "PROXY "/);
    } finally {
      await b.close();
    }
  });
});

describe('PROXY protocol v2 (binary, as an AWS NLB or HAProxy send-proxy-v2 sends it) from a listed balancer', () => {
  /** The v2 header of a TCP client, as latin1 text for RawClient.proxied; `tlvs` as an NLB adds them. */
  const v2 = (client: string, port = 40000, tlvs?: Buffer) =>
    proxyV2({ src: client, dst: client.includes(':') ? '2001:db8::25' : '198.51.100.25', sport: port, dport: 587, tlvs }).toString('latin1');
  // An AWS NLB's VPC endpoint id (0xEA, subtype 0x01) and a NOOP padding TLV (0x04): both skipped.
  const awsTlvs = Buffer.concat([tlv(0xea, Buffer.from('\x01vpce-08d2bf15fac5001c9', 'latin1')), tlv(0x04, Buffer.alloc(5))]);

  test('TCP4 and TCP6 on 587 and on 465 (the header, then TLS), TLVs skipped: the session, stored row and Received field carry the client', async () => {
    const h = await startHarness({ submission: behind });
    try {
      const cases = [
        [false, '192.0.2.7', '192.0.2.7'],
        [true, '192.0.2.8', '192.0.2.8'],
        [false, '2001:DB8:0:0:1::7', '2001:db8::1:0:0:7'],
        [true, '2001:db8::9', '2001:db8::9'],
        // A balancer's dual-stack frontend writes an IPv4 client as IPv4-mapped IPv6: one key, its IPv4 form.
        [false, '::ffff:192.0.2.12', '192.0.2.12'],
      ] as const;
      for (const [implicitTls, client] of cases) {
        const port = implicitTls ? h.implicitPort : h.starttlsPort;
        const c = await RawClient.proxied(port, v2(client, 40000, awsTlvs), { localAddress: BALANCER, implicitTls });
        assert.equal((await c.read())?.code, 220, `greeted (${client}, ${implicitTls ? 465 : 587})`);
        assert.equal((await c.login())?.code, 235);
        assert.equal((await send(c, message(`v2-${cases.findIndex((x) => x[1] === client)}@app.test`)))?.code, 250);
        c.destroy();
      }
      const stored = await storedMessages(h.store);
      assert.deepEqual(
        stored.map((m) => m.message.clientIp),
        cases.map((x) => x[2]),
        'the messages rows store the header’s clients, IPv6 in RFC 5952 form',
      );
      assert.match(stored[0].raw.toString('latin1'), /^Received: from \S+ \((?:\S+ )?\[192\.0\.2\.7\]\)/);
      assert.match(stored[1].raw.toString('latin1'), /with ESMTPSA id/, 'TLS on 465 came after the header');
      assert.deepEqual(
        h.logs.filter((l) => l.event === 'message.received').map((l) => l.client_ip),
        cases.map((x) => x[2]),
      );
      assert.ok(!JSON.stringify(h.logs).includes(BALANCER), 'no log line names the balancer');
    } finally {
      await h.close();
    }
  });

  test('on 465 the v2 header and the TLS ClientHello in one segment: the bytes after the header (TLVs included) are the handshake', async () => {
    const h = await startHarness({ submission: behind });
    try {
      assert.match(await greetingAfterGluedHeader(h.implicitPort, Buffer.from(v2('192.0.2.9', 40000, awsTlvs), 'latin1')), /^220 /);
    } finally {
      await h.close();
    }
  });

  test('the per-address limit counts the v2 client; v1 and v2 from the same balancer share it; LOCAL keeps the balancer’s address', async () => {
    const h = await startHarness({ submission: behind, limits: { max_connections: 20, max_connections_per_ip: 2 } });
    const open: RawClient[] = [];
    try {
      const a = await RawClient.proxied(h.starttlsPort, v2('192.0.2.10', 40000), { localAddress: BALANCER });
      const b = await RawClient.proxied(h.starttlsPort, proxyLine('192.0.2.10', 40001), { localAddress: BALANCER });
      open.push(a, b);
      assert.equal((await a.read())?.code, 220, 'a v2 connection of 192.0.2.10');
      assert.equal((await b.read())?.code, 220, 'a v1 connection of 192.0.2.10');
      const third = await RawClient.proxied(h.starttlsPort, v2('192.0.2.10', 40002, awsTlvs), { localAddress: BALANCER });
      open.push(third);
      assert.match((await third.read())?.text ?? '', /^421 4\.7\.0 too many connections from 192\.0\.2\.10; try again later/, 'refused, naming the client');
      const other = await RawClient.proxied(h.starttlsPort, v2('192.0.2.11'), { localAddress: BALANCER });
      open.push(other);
      assert.equal((await other.read())?.code, 220, 'another client behind the same balancer has its own slots');

      const local = await RawClient.proxied(h.starttlsPort, proxyV2({ command: 0 }).toString('latin1'), { localAddress: BALANCER });
      open.push(local);
      assert.equal((await local.read())?.code, 220, 'LOCAL (the balancer’s own health check) is served');
      assert.equal((await local.login())?.code, 235);
      assert.equal((await send(local, message('local@app.test')))?.code, 250);
      const [m] = await storedMessages(h.store);
      assert.equal(m.message.clientIp, BALANCER, 'LOCAL: the balancer’s own connection');
      const logged = h.logs.filter((l) => l.event === 'submission.refused' && l.reason === 'limit');
      assert.deepEqual(
        logged.map((l) => l.client_ip),
        ['192.0.2.10'],
      );
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });

  test('malformed v2 headers are closed as v1’s are: 421 on 587, no reply on 465; logged and counted with the reason', async () => {
    const h = await startHarness({ submission: behind, limits: { proxy_header_timeout_ms: 600 } });
    const good = () => proxyV2({ src: '192.0.2.7', dst: '198.51.100.25', sport: 1, dport: 587 });
    const patched = (at: number, byte: number) => {
      const b = good();
      b[at] = byte;
      return b;
    };
    const lengthed = (length: number) => {
      const b = Buffer.concat([good().subarray(0, 16), Buffer.alloc(Math.min(length, 64))]);
      b.writeUInt16BE(length, 14);
      return b;
    };
    try {
      const cases: Array<[number, Buffer, RegExp, boolean]> = [
        [h.starttlsPort, patched(12, 0x11), /version 1: only 2 is defined/, true],
        [h.starttlsPort, patched(13, 0x12), /UDP over IPv4: only TCP/, true],
        [h.starttlsPort, patched(13, 0x31), /UNIX stream socket: only TCP/, true],
        [h.starttlsPort, lengthed(600), /at most 548/, true],
        [h.starttlsPort, lengthed(8), /needs 12 address bytes, its length is 8/, true],
        [h.starttlsPort, good().subarray(0, 20), /no complete PROXY v2 header within 0\.6 s/, true],
        [h.implicitPort, patched(13, 0x22), /UDP over IPv6: only TCP/, false],
      ];
      for (const [port, bytes, why, replied] of cases) {
        const before = h.logs.length;
        const r = await fromBalancer(port, bytes);
        assert.ok(r.closed, `closed: ${why}`);
        if (replied) assert.equal(r.reply, '421 4.7.0 expected a PROXY protocol header from this load balancer; closing connection\r\n');
        else assert.equal(r.reply, '', 'nothing in cleartext on the implicit-TLS port');
        const line = await waitFor(() => h.logs.slice(before).find((l) => l.event === 'submission.refused' && l.reason === 'proxy-header'));
        assert.match(String(line.text), why);
        assert.equal(line.client_ip, BALANCER);
      }
      const after = await RawClient.proxied(h.starttlsPort, v2('192.0.2.7'), { localAddress: BALANCER });
      assert.equal((await after.read())?.code, 220, 'the places are given back');
      after.destroy();
    } finally {
      await h.close();
    }
  });

  test('the bounce listener: v2 TCP4 and TCP6 clients are stored and limited per address, the header is not early talk', async () => {
    const b = await startBounceListener({ proxy_protocol: [BALANCER], pregreet_wait_ms: 150, max_connections_per_ip: 1 });
    const open: RawClient[] = [];
    try {
      const c = await RawClient.proxied(b.port, v2('192.0.2.40', 40000, awsTlvs), { localAddress: BALANCER, host: BOUNCE_HOST });
      open.push(c);
      assert.equal((await c.read())?.code, 220, 'the v2 header before the greeting is not early talk');
      const same = await RawClient.proxied(b.port, v2('192.0.2.40', 40001), { localAddress: BALANCER, host: BOUNCE_HOST });
      open.push(same);
      assert.match((await same.read())?.text ?? '', /^421 4\.7\.0 too many connections from 192\.0\.2\.40/, 'the client is at its limit');
      const six = await RawClient.proxied(b.port, v2('2001:db8:7::40'), { localAddress: BALANCER, host: BOUNCE_HOST });
      open.push(six);
      assert.equal((await six.read())?.code, 220, 'an IPv6 client behind the same balancer has its own slot');
      for (const client of [c, six]) {
        await client.command('EHLO mx.remote.test');
        await client.command('MAIL FROM:<>');
        await client.command('RCPT TO:<postmaster@bounces.test>');
        await client.command('DATA');
        client.write('Subject: Undelivered Mail\r\n\r\nhello\r\n.\r\n');
        assert.equal((await client.read())?.code, 250);
      }
      await waitFor(() => b.logs.filter((l) => l.event === 'inbound.received').length === 2);
      assert.deepEqual(
        b.logs.filter((l) => l.event === 'inbound.received').map((l) => l.client_ip),
        ['192.0.2.40', '2001:db8:7::40'],
      );
      const bad = await fromBalancer(b.port, proxyV2({ famProto: 0x12, src: '192.0.2.41', dst: '198.51.100.25', sport: 1, dport: 25 }), BOUNCE_HOST);
      assert.equal(bad.reply, '421 4.7.0 expected a PROXY protocol header from this load balancer; closing connection\r\n');
      const line = await waitFor(() => b.logs.find((l) => l.event === 'inbound.refused' && l.reason === 'proxy-header'));
      assert.match(String(line.text), /UDP over IPv4/);
    } finally {
      for (const c of open) c.destroy();
      await b.close();
    }
  });
});
