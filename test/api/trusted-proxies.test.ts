/**
 * api.trusted_proxies over real sockets: through a trusted proxy every per-address limit and reply names
 * the client from X-Forwarded-For (the right-most address that is not itself a trusted proxy), so one
 * guesser behind the proxy is blocked without blocking everyone; from any other address the header is
 * ignored, so a client cannot choose the address it is counted as.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { requestFrom } from '../helpers/http-from.js';
import { READ_TOKEN, startApi } from './helpers.js';

const PROXY = '127.0.7.1';
const INNER_PROXY = '127.0.7.3';
const LIMITS = { max_auth_failures: 3, auth_failure_window_ms: 60_000 };

async function api(over: { limits?: Record<string, unknown> } = {}) {
  const h = await startApi({}, { limits: { ...LIMITS, ...over.limits }, trusted_proxies: [PROXY, '127.0.7.2/32', `${INNER_PROXY}/32`] });
  const port = new URL(h.base).port;
  /** GET /v1/queue from `from` with `token`, and X-Forwarded-For set to `xff` when given. */
  const get = (from: string, token: string, xff?: string) =>
    requestFrom(`http://127.0.0.1:${port}/v1/queue`, {
      localAddress: from,
      headers: { authorization: `Bearer ${token}`, ...(xff === undefined ? {} : { 'x-forwarded-for': xff }) },
    });
  return { h, get, port: Number(port) };
}

test('through a trusted proxy two forwarded clients are counted apart: the guesser is blocked, the other is not', async () => {
  const { h, get } = await api();
  try {
    const guesser = '203.0.113.5';
    assert.equal((await get(PROXY, 'guess-1', guesser)).status, 401);
    assert.equal((await get(PROXY, 'guess-2', guesser)).status, 401);
    const third = await get(PROXY, 'guess-3', guesser);
    assert.equal(third.status, 429, 'the guesser reaches the limit');
    assert.match(third.json?.error ?? '', /^too many invalid tokens from 203\.0\.113\.5;/, 'the reply names the forwarded client, not the proxy');
    assert.equal((await get(PROXY, READ_TOKEN, guesser)).status, 429, 'and stays blocked');
    assert.equal((await get(PROXY, READ_TOKEN, '203.0.113.6')).status, 200, 'another client through the same proxy is served');
    assert.equal((await get(PROXY, 'guess-x', '203.0.113.6')).status, 401, 'with a count of its own');
    assert.equal((await get('127.0.7.2', READ_TOKEN, '203.0.113.7')).status, 200, 'a proxy matched by a CIDR entry is trusted too');
  } finally {
    await h.cleanup();
  }
});

test('from an untrusted address X-Forwarded-For is ignored: a forged header does not escape the block', async () => {
  const { h, get } = await api();
  try {
    const from = '127.0.7.9';
    assert.equal((await get(from, 'guess-1', '198.51.100.1')).status, 401);
    assert.equal((await get(from, 'guess-2', '198.51.100.2')).status, 401);
    const third = await get(from, 'guess-3', '198.51.100.3');
    assert.equal(third.status, 429, 'three forged addresses are still one client');
    assert.match(third.json?.error ?? '', /^too many invalid tokens from 127\.0\.7\.9;/, 'named by its socket address');
    assert.equal((await get(from, READ_TOKEN, '198.51.100.4')).status, 429, 'a fresh forged address does not lift the block');
    assert.equal((await get(PROXY, READ_TOKEN, '198.51.100.4')).status, 200, 'nor does it block the address it named');
  } finally {
    await h.cleanup();
  }
});

test('a chain with a forged left part is keyed on the right-most address that is not a trusted proxy', async () => {
  const { h, get } = await api();
  try {
    // The client wrote the left part; the outer proxy appended the client's real address, the inner
    // proxy (also trusted) the outer's. The key is the client's real address whatever the left part says.
    const chain = (forged: string) => `${forged}, 203.0.113.20, ${INNER_PROXY}`;
    assert.equal((await get(PROXY, 'guess-1', chain('10.0.0.1'))).status, 401);
    assert.equal((await get(PROXY, 'guess-2', chain('10.0.0.2'))).status, 401);
    const third = await get(PROXY, 'guess-3', chain('10.0.0.3'));
    assert.equal(third.status, 429, 'a different forged left part each time is still one client');
    assert.match(third.json?.error ?? '', /^too many invalid tokens from 203\.0\.113\.20;/);
    assert.equal((await get(PROXY, READ_TOKEN, '10.0.0.1')).status, 200, 'the addresses it forged are not blocked');
    assert.equal((await get(PROXY, READ_TOKEN, `203.0.113.20, ${INNER_PROXY}`)).status, 429, 'the real one is');
  } finally {
    await h.cleanup();
  }
});

test('a trusted proxy is exempt from max_connections_per_ip (still in max_connections); others are not', async () => {
  const { h, port } = await api({ limits: { max_connections_per_ip: 2, max_connections: 6 } });
  const sockets: net.Socket[] = [];
  const open = async (from: string) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    return s;
  };
  /** What the server says to a connection that sends nothing for 300 ms: a 503 or nothing. */
  const heard = (s: net.Socket) =>
    new Promise<string>((resolve) => {
      let text = '';
      s.on('data', (d) => (text += d));
      setTimeout(() => resolve(text), 300);
    });
  try {
    const fromProxy = await Promise.all([1, 2, 3, 4].map(() => open(PROXY)));
    const answers = await Promise.all(fromProxy.map(heard));
    assert.deepEqual(answers, ['', '', '', ''], 'four idle connections from the proxy are all admitted');
    const direct = await Promise.all([1, 2, 3].map(() => open('127.0.7.9')));
    const replies = await Promise.all(direct.map(heard));
    assert.equal(replies.filter((r) => r.startsWith('HTTP/1.1 503')).length, 1, `the third from an untrusted address is refused (${JSON.stringify(replies)})`);
    assert.equal(h.api.openConnections, 6, 'the proxy counts in the total');
  } finally {
    for (const s of sockets) s.destroy();
    await h.cleanup();
  }
});
