/**
 * The acceptor on an implicit-TLS port (issue 11): connections that never start their TLS handshake
 * count against the per-address and total limits from the moment they are accepted, and are dropped
 * after tls_handshake_timeout_ms. 400 of them from one address, with the default limits, never lock
 * out a client from another address.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { startAcceptor } from '../../src/listener/acceptor.js';
import { Admission } from '../../src/listener/admission.js';
import type { BoundAddress } from '../../src/listener/hand-off.js';
import { startHarness } from '../submission/harness.js';

const FLOOD = 400;

test(`${FLOOD} connections from one address that never start TLS: another client's handshake and greeting come at once; the flood is dropped after tls_handshake_timeout_ms`, async () => {
  // Default limits (50 per address, 200 in all) except a short handshake deadline, to keep the test short.
  const h = await startHarness({ limits: { tls_handshake_timeout_ms: 2000 } });
  const flood: net.Socket[] = [];
  try {
    const closedAt: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: FLOOD }, () => {
        const s = net.connect({ host: '127.0.0.1', port: h.implicitPort, localAddress: '127.0.7.1' });
        s.on('error', () => {});
        s.on('close', () => closedAt.push(Date.now() - t0));
        flood.push(s);
        return new Promise<void>((resolve) => {
          s.once('connect', () => resolve());
          s.once('close', () => resolve());
        });
      }),
    );
    // The kernel accepted them all; the acceptor drops those over the per-address limit as it accepts them.
    const open = () => flood.filter((s) => !s.closed).length;
    while (open() > 50 && Date.now() - t0 < 1500) await new Promise((r) => setTimeout(r, 20));
    assert.equal(open(), 50, 'only max_connections_per_ip (50) are held; the rest were dropped');

    const start = performance.now();
    const from: net.TcpSocketConnectOpts = { host: '127.0.0.1', port: h.implicitPort, localAddress: '127.0.7.2' };
    const client = tls.connect({ ...from, rejectUnauthorized: false });
    const greeting = await new Promise<string>((resolve, reject) => {
      client.once('error', reject);
      client.once('data', (d: Buffer) => resolve(d.toString('latin1')));
    });
    const ms = performance.now() - start;
    client.destroy();
    assert.match(greeting, /^220 /);
    assert.ok(ms < 1500, `handshake and greeting took ${ms.toFixed(0)} ms during the flood`);

    // The 50 admitted ones are dropped by the server once their handshake deadline passes.
    const deadline = Date.now() + 5000;
    while (open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(open(), 0, 'every connection that never handshook is closed by the server');
    const last = Math.max(...closedAt);
    assert.ok(last >= 1900 && last < 4500, `the last one held on for ${last} ms`);
  } finally {
    for (const s of flood) s.destroy();
    await h.close();
  }
});

test('a listener bound to one address hands each session that address (no getsockname per connection); a wildcard bind hands none', async () => {
  for (const host of ['127.0.0.1', '0.0.0.0']) {
    const sessions: { local: BoundAddress | null; socket: net.Socket }[] = [];
    const acceptor = await startAcceptor({
      host,
      port: 0,
      configKey: 'test',
      admission: new Admission({ maxTotal: 10, maxPerIp: 10, maxAuthenticatedPerIp: 10, trustedNetworks: [], ipv6Prefix: 64 }),
      onSession: (socket, slot, local) => {
        sessions.push({ local, socket });
        slot.release();
        socket.end();
      },
      onRefused: () => assert.fail('refused'),
      onHandshakeFailed: () => assert.fail('no TLS here'),
    });
    try {
      const client = net.connect({ host: '127.0.0.1', port: acceptor.address.port });
      await once(client, 'close');
      assert.equal(sessions.length, 1);
      const { local, socket } = sessions[0];
      if (host === '0.0.0.0') assert.equal(local, null);
      else assert.deepEqual(local, { address: socket.localAddress, port: socket.localPort });
    } finally {
      await acceptor.close();
    }
  }
});
