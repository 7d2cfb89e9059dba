/**
 * The failure limit on bearer tokens (api.limits.max_auth_failures) over real sockets: after N invalid
 * tokens from one address (one /64 for IPv6) within the window, 429 with Retry-After and a JSON error,
 * before the token is looked up; successes do not reset the count; other addresses are not affected.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { requestFrom } from '../helpers/http-from.js';
import { ipv6Unavailable, OTHER_64, SAME_64 } from '../helpers/ipv6.js';
import { READ_TOKEN, STORED_TOKEN, startApi } from './helpers.js';

const LIMITS = { max_auth_failures: 3, auth_failure_window_ms: 60_000 };

/** The API, with a count of the store's token lookups (every unknown token is one). */
async function api(over: { host?: string; limits?: Record<string, unknown> } = {}) {
  const h = await startApi({}, { limits: LIMITS, ...over });
  let lookups = 0;
  const find = h.store.tokens.findBySha256.bind(h.store.tokens);
  h.store.tokens.findBySha256 = (sha: string) => {
    lookups++;
    return find(sha);
  };
  const port = new URL(h.base).port;
  const host = over.host === '::1' ? '[::1]' : '127.0.0.1';
  const get = (from: string, token: string) =>
    requestFrom(`http://${host}:${port}/v1/queue`, { localAddress: from, headers: { authorization: `Bearer ${token}` } });
  return { h, get, lookups: () => lookups };
}

test('after max_auth_failures invalid tokens an address gets 429 with Retry-After, and its tokens are no longer looked up', async () => {
  const { h, get, lookups } = await api();
  try {
    const from = '127.0.6.1';
    assert.equal((await get(from, 'guess-1')).status, 401);
    assert.equal((await get(from, 'guess-2')).status, 401);
    const third = await get(from, 'guess-3');
    assert.equal(third.status, 429, 'the failure that reaches the limit is answered 429');
    const retry = Number(third.headers['retry-after']);
    assert.ok(retry > 55 && retry <= 60, `Retry-After is the rest of the window in seconds (got ${third.headers['retry-after']})`);
    assert.match(third.json?.error ?? '', /^too many invalid tokens from 127\.0\.6\.1; try again in \d+ s \(at \d{4}-\d\d-\d\dT/);
    assert.equal(third.json?.retry_after_s, retry, 'the JSON says the same wait');
    const before = lookups();
    for (const token of ['guess-4', READ_TOKEN, STORED_TOKEN]) {
      const r = await get(from, token);
      assert.equal(r.status, 429, `blocked, whatever the token (${token.slice(0, 8)}…)`);
      assert.ok(r.headers['retry-after'], 'with Retry-After');
    }
    assert.equal(lookups(), before, 'no token of a blocked address reaches the store');
    assert.equal((await get('127.0.6.2', READ_TOKEN)).status, 200, 'another address is not affected');
    assert.equal((await get('127.0.6.2', 'guess-x')).status, 401, 'and has a count of its own');
    const health = await requestFrom(`${h.base}/healthz`, { localAddress: from });
    assert.equal(health.status, 200, 'a blocked address still gets /healthz, which needs no token');
  } finally {
    await h.cleanup();
  }
});

test('a success does not reset the count: failures around good requests still add up', async () => {
  const { h, get } = await api();
  try {
    const from = '127.0.6.3';
    assert.equal((await get(from, 'guess-1')).status, 401);
    assert.equal((await get(from, READ_TOKEN)).status, 200);
    assert.equal((await get(from, 'guess-2')).status, 401);
    assert.equal((await get(from, STORED_TOKEN)).status, 200);
    assert.equal((await get(from, 'guess-3')).status, 429, 'the third failure blocks, whatever succeeded between');
  } finally {
    await h.cleanup();
  }
});

test('the block ends with the window: the address may try again', async () => {
  const { h, get } = await api({ limits: { max_auth_failures: 2, auth_failure_window_ms: 1200 } });
  try {
    const from = '127.0.6.4';
    assert.equal((await get(from, 'guess-1')).status, 401);
    assert.equal((await get(from, 'guess-2')).status, 429);
    assert.equal((await get(from, READ_TOKEN)).status, 429, 'still blocked');
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal((await get(from, READ_TOKEN)).status, 200, 'the window passed');
    assert.equal((await get(from, 'guess-3')).status, 401, 'and the count started afresh');
  } finally {
    await h.cleanup();
  }
});

test('IPv6: invalid tokens from addresses of one /64 add up; another /64 is not blocked', async (t) => {
  const skip = await ipv6Unavailable();
  if (skip) return t.skip(skip);
  const { h, get } = await api({ host: '::1' });
  try {
    assert.equal((await get(SAME_64[0], 'guess-1')).status, 401);
    assert.equal((await get(SAME_64[1], 'guess-2')).status, 401);
    const third = await get(SAME_64[0], 'guess-3');
    assert.equal(third.status, 429, 'the third failure of the /64 blocks it');
    const neighbour = await get(SAME_64[1], READ_TOKEN);
    assert.equal(neighbour.status, 429, 'the rest of the /64 too');
    assert.match(neighbour.json?.error ?? '', /^too many invalid tokens from fd00:34::2 \(counted per \/64 prefix: fd00:34::\/64\); try again in/);
    assert.equal((await get(OTHER_64, READ_TOKEN)).status, 200, 'another /64 is served');
  } finally {
    await h.cleanup();
  }
});

test('IPv6: the HTTP connection limit counts a /64 as one client', async (t) => {
  const skip = await ipv6Unavailable();
  if (skip) return t.skip(skip);
  const { h } = await api({ host: '::1', limits: { max_connections_per_ip: 2 } });
  const port = Number(new URL(h.base).port);
  const sockets: net.Socket[] = [];
  const connect = (from: string) =>
    new Promise<{ socket: net.Socket; first: Promise<string> }>((resolve, reject) => {
      const socket = net.connect({ host: '::1', port, localAddress: from }, () => resolve({ socket, first }));
      sockets.push(socket);
      let text = '';
      socket.setEncoding('latin1');
      const first = new Promise<string>((done) => {
        socket.on('data', (d: string) => (text += d));
        socket.on('close', () => done(text));
        setTimeout(() => done(text), 1500);
      });
      socket.once('error', reject);
    });
  try {
    await connect(SAME_64[0]);
    await connect(SAME_64[1]);
    const c = await connect(SAME_64[1]);
    assert.match(await c.first, /^HTTP\/1\.1 503 [\s\S]*too many connections from fd00:34::2 \(counted per \/64 prefix: fd00:34::\/64\)/);
    const d = await connect(OTHER_64);
    d.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(await d.first, /^HTTP\/1\.1 200 /, 'another /64 is served');
  } finally {
    for (const s of sockets) s.destroy();
    await h.cleanup();
  }
});
