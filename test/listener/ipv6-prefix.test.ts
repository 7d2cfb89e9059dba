/**
 * Per-address limits of the SMTP listeners count an IPv6 client per prefix (default /64), over real
 * sockets from addresses added to `lo` (test/helpers/ipv6.ts): two addresses of one /64 share a limit,
 * an address of another /64 does not; replies still name the real address and say the limit is per prefix.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ipv6Unavailable, OTHER_64, SAME_64 } from '../helpers/ipv6.js';
import { RawClient, startHarness } from '../submission/harness.js';
import { startBounceListener } from './listeners.js';

const SERVER = '::1';
const PER_PREFIX = /\(counted per \/64 prefix: fd00:34::\/64\)/;
let skip: string | null = null;
before(async () => {
  skip = await ipv6Unavailable();
});

const listeners = { starttls: { host: SERVER, port: 0 }, implicit_tls: { host: SERVER, port: 0 } };

describe('submission listeners', () => {
  test('two addresses of one /64 share max_connections_per_ip; another /64 is admitted', async (t) => {
    if (skip) return t.skip(skip);
    const h = await startHarness({ submission: listeners, limits: { max_connections: 20, max_connections_per_ip: 2 } });
    const open: RawClient[] = [];
    try {
      for (const from of SAME_64) {
        const c = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: from });
        open.push(c);
        assert.equal((await c.read())?.code, 220, `${from} is admitted`);
      }
      const third = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: SAME_64[1] });
      open.push(third);
      const refused = await third.read();
      assert.match(refused?.text ?? '', /^421 4\.7\.0 too many connections from fd00:34::2 /, 'refused, naming the real address');
      assert.match(refused?.text ?? '', PER_PREFIX, 'and saying the limit counts the /64');
      const other = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: OTHER_64 });
      open.push(other);
      assert.equal((await other.read())?.code, 220, 'an address in another /64 has a limit of its own');
      const logged = h.logs.find((l) => l.event === 'submission.refused' && l.reason === 'limit');
      assert.equal(logged?.client_ip, 'fd00:34::2', 'the log names the real address');
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });

  test('ipv6_prefix_length 128 counts single addresses again', async (t) => {
    if (skip) return t.skip(skip);
    const h = await startHarness({ submission: listeners, limits: { max_connections_per_ip: 1, ipv6_prefix_length: 128 } });
    const open: RawClient[] = [];
    try {
      for (const from of SAME_64) {
        const c = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: from });
        open.push(c);
        assert.equal((await c.read())?.code, 220, `${from} has its own slot at /128`);
      }
      const again = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: SAME_64[0] });
      open.push(again);
      const refused = await again.read();
      assert.match(refused?.text ?? '', /^421 4\.7\.0 too many connections from fd00:34::1; try again later/, 'no prefix is mentioned');
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });

  test('AUTH failures from addresses of one /64 add up to one block; another /64 is not blocked', async (t) => {
    if (skip) return t.skip(skip);
    const h = await startHarness({
      submission: { ...listeners, cleartext_auth: 'always' },
      limits: { auth_failures_before_delay: 100, max_auth_failures: 3, auth_failure_window_ms: 60_000 },
    });
    try {
      const replies: string[] = [];
      for (const from of [SAME_64[0], SAME_64[1], SAME_64[0]]) {
        const c = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: from });
        await c.read();
        replies.push((await c.login('app', 'wrong password'))?.text ?? '');
        c.destroy();
      }
      assert.match(replies[0], /^535 /);
      assert.match(replies[1], /^535 /, 'the second address of the /64 adds to the same count');
      assert.match(replies[2], /^421 4\.7\.0 too many authentication failures from fd00:34::1 /, 'the third failure of the /64 blocks it');
      assert.match(replies[2], PER_PREFIX);
      const blocked = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: SAME_64[1] });
      const greeting = await blocked.read();
      assert.match(greeting?.text ?? '', /^421 4\.7\.0 too many authentication failures from fd00:34::2 /, 'the whole /64 is refused at once');
      blocked.destroy();
      const other = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: OTHER_64 });
      assert.equal((await other.read())?.code, 220, 'another /64 is greeted');
      assert.match((await other.login())?.text ?? '', /^235 /, 'and may log in');
      other.destroy();
    } finally {
      await h.close();
    }
  });

  test('trusted_networks match the real address: a trusted address of the /64 is exempt, its neighbours are not', async (t) => {
    if (skip) return t.skip(skip);
    const h = await startHarness({ submission: listeners, limits: { max_connections_per_ip: 1, trusted_networks: [`${SAME_64[0]}/128`] } });
    const open: RawClient[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: SAME_64[0] });
        open.push(c);
        assert.equal((await c.read())?.code, 220, 'the trusted address is admitted beyond the limit');
      }
      const neighbour = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: SAME_64[1] });
      open.push(neighbour);
      assert.equal((await neighbour.read())?.code, 220, 'the trusted sessions do not fill its neighbour’s count');
      const second = await RawClient.connect(h.starttlsPort, { host: SERVER, localAddress: SAME_64[1] });
      open.push(second);
      assert.match((await second.read())?.text ?? '', /^421 4\.7\.0 too many connections from fd00:34::2 /);
    } finally {
      for (const c of open) c.destroy();
      await h.close();
    }
  });
});

describe('bounce listener', () => {
  test('two addresses of one /64 share max_connections_per_ip; another /64 is admitted', async (t) => {
    if (skip) return t.skip(skip);
    const b = await startBounceListener({ listener: { host: SERVER, port: 0 }, max_connections_per_ip: 1 });
    const open: RawClient[] = [];
    try {
      const first = await RawClient.connect(b.port, { host: SERVER, localAddress: SAME_64[0] });
      open.push(first);
      assert.equal((await first.read())?.code, 220);
      const second = await RawClient.connect(b.port, { host: SERVER, localAddress: SAME_64[1] });
      open.push(second);
      const refused = await second.read();
      assert.match(refused?.text ?? '', /^421 4\.7\.0 too many connections from fd00:34::2 /);
      assert.match(refused?.text ?? '', PER_PREFIX);
      const other = await RawClient.connect(b.port, { host: SERVER, localAddress: OTHER_64 });
      open.push(other);
      assert.equal((await other.read())?.code, 220, 'another /64 is admitted');
      assert.ok(
        b.logs.some((l) => l.event === 'inbound.refused' && l.client_ip === 'fd00:34::2'),
        'the log names the real address',
      );
    } finally {
      for (const c of open) c.destroy();
      await b.close();
    }
  });
});
