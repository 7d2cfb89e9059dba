/**
 * The HTTP server's front door (api.limits) over real sockets: clients that never finish a request,
 * and floods per address and in total, cannot hold its sockets (it shares the process's file
 * descriptors with the SMTP listeners).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createApi } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { tempStore } from '../query/fixture.js';
import { ADMIN_TOKEN } from './helpers.js';

const LIMITS = { max_connections: 6, max_connections_per_ip: 3, idle_timeout_ms: 400, headers_timeout_ms: 600, request_timeout_ms: 900 };

interface Client {
  socket: net.Socket;
  /** Everything the server sent, once it has closed the connection (or after 10 s: never on time). */
  closed: Promise<{ text: string; closedBy: 'server' | 'test-timeout' }>;
}

function connect(port: number, from: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => resolve({ socket, closed }));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => {});
    const closed = new Promise<{ text: string; closedBy: 'server' | 'test-timeout' }>((done) => {
      const timer = setTimeout(() => done({ text, closedBy: 'test-timeout' }), 10_000);
      socket.on('close', () => {
        clearTimeout(timer);
        done({ text, closedBy: 'server' });
      });
    });
    socket.once('error', reject);
  });
}

/** Sends `bytes` one at a time every `everyMs` until the socket closes. */
function drip(c: Client, bytes: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (c.socket.destroyed || c.socket.writableEnded) return clearInterval(timer);
    c.socket.write(bytes[i++ % bytes.length]);
  }, everyMs);
  return () => clearInterval(timer);
}

describe('HTTP front door (api.limits)', () => {
  const t = tempStore();
  const config = parseConfig({ api: { host: '127.0.0.1', port: 0, tokens: [{ name: 'operator', token: ADMIN_TOKEN, scope: 'admin' }], limits: LIMITS } });
  const api = createApi({ store: t.store, config, logger: silentLogger() });
  let port = 0;
  before(async () => {
    port = (await api.listen()).port;
  });
  after(async () => {
    await api.close();
    await t.cleanup();
  });
  const clients: Client[] = [];
  const open = async (from: string) => {
    const c = await connect(port, from);
    clients.push(c);
    return c;
  };
  const closeAll = async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    // The slots are given back at each socket's close, on the server side.
    for (let i = 0; i < 200 && api.openConnections > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(api.openConnections, 0, 'every slot is given back when its socket closes');
  };

  test('a client that connects and sends nothing is closed after idle_timeout_ms', async () => {
    const c = await open('127.0.9.1');
    const r = await c.closed;
    assert.equal(r.closedBy, 'server', 'the server closed the idle connection');
    await closeAll();
  });

  test('headers sent a byte at a time, each well inside the idle timeout, end at headers_timeout_ms with 408', async () => {
    const c = await open('127.0.9.1');
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const stop = drip(c, 'X-Slow: aaaa\r\n', 50);
    const r = await c.closed;
    stop();
    assert.equal(r.closedBy, 'server', 'the server closed the dripping connection');
    assert.match(r.text, /^HTTP\/1\.1 408 /, `a 408 for headers that never end, got ${JSON.stringify(r.text.slice(0, 40))}`);
    await closeAll();
  });

  test('a body sent a byte at a time ends at request_timeout_ms with 408; nothing is done with it', async () => {
    const c = await open('127.0.9.1');
    c.socket.write(
      `POST /v1/suppressions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"address":"drip@example.com","reason":"`,
    );
    const stop = drip(c, 'a', 50);
    const r = await c.closed;
    stop();
    assert.equal(r.closedBy, 'server', 'the server closed the dripping connection');
    assert.match(r.text, /^HTTP\/1\.1 408 /, `a 408 for a body that never ends, got ${JSON.stringify(r.text.slice(0, 40))}`);
    assert.equal((await t.store.suppressions.list({ limit: 10 })).length, 0, 'nothing was added');
    await closeAll();
  });

  test('the connection over max_connections_per_ip gets 503 and a JSON error before its request is read; another address is served', async () => {
    for (let i = 0; i < LIMITS.max_connections_per_ip; i++) await open('127.0.9.2');
    const over = await open('127.0.9.2');
    over.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await over.closed;
    assert.equal(r.closedBy, 'server', 'the refused connection is closed');
    assert.match(r.text, /^HTTP\/1\.1 503 /, `503 for the connection over the limit, got ${JSON.stringify(r.text.slice(0, 40))}`);
    assert.match(r.text, /"error":"too many connections from [0-9a-f:.]*127\.0\.9\.2; try again later"/, 'the error names the address');
    assert.doesNotMatch(r.text, /"status":"ok"/, 'the refused request was not routed');
    const other = await open('127.0.9.3');
    other.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match((await other.closed).text, /^HTTP\/1\.1 200 /, 'another address is served meanwhile');
    await closeAll();
  });

  test('the connection over max_connections gets 503; when one closes, the next is served', async () => {
    const from = ['127.0.9.4', '127.0.9.5', '127.0.9.6'];
    for (let i = 0; i < LIMITS.max_connections; i++) await open(from[i % 3]);
    const over = await open('127.0.9.7');
    over.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await over.closed;
    assert.match(r.text, /^HTTP\/1\.1 503 /, `503 for the connection over the total, got ${JSON.stringify(r.text.slice(0, 40))}`);
    assert.match(r.text, /"error":"too many connections; try again later"/, 'the error says the total is reached');
    const first = clients[0];
    first.socket.destroy();
    await first.closed;
    for (let i = 0; i < 200 && api.openConnections >= LIMITS.max_connections; i++) await new Promise((r) => setTimeout(r, 10));
    const next = await open('127.0.9.7');
    next.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match((await next.closed).text, /^HTTP\/1\.1 200 /, 'a freed slot serves the next client');
    await closeAll();
  });

  test('closing the server (the relay stopping) does not wait for a request that never ends', async () => {
    const t2 = tempStore();
    const slow = { ...LIMITS, headers_timeout_ms: 60_000, request_timeout_ms: 60_000, idle_timeout_ms: 60_000 };
    const c2 = parseConfig({ api: { host: '127.0.0.1', port: 0, tokens: [{ name: 'operator', token: ADMIN_TOKEN, scope: 'admin' }], limits: slow } });
    const api2 = createApi({ store: t2.store, config: c2, logger: silentLogger() });
    const c = await connect((await api2.listen()).port, '127.0.9.8');
    c.socket.write(
      `POST /v1/suppressions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"address":"`,
    );
    const stop = drip(c, 'a', 50);
    await new Promise((r) => setTimeout(r, 200));
    const closed = await Promise.race([api2.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still waiting after 8 s'), 8000))]);
    stop();
    c.socket.destroy();
    assert.equal(closed, 'closed', 'close() returns within its grace period');
    await t2.cleanup();
  });

  test('headers_timeout_ms above request_timeout_ms is refused with the key named', () => {
    assert.throws(
      () => parseConfig({ api: { limits: { headers_timeout_ms: 5000, request_timeout_ms: 1000 } } }),
      /api\.limits\.headers_timeout_ms: found 5000; expected at most request_timeout_ms \(1000\)/,
    );
  });
});
