import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission, type Slot } from '../../src/listener/admission.js';

const limits = { maxTotal: 10, maxPerIp: 2, maxAuthenticatedPerIp: 3, trustedNetworks: [] as string[], ipv6Prefix: 64 };

const slot = (s: Slot | string): Slot => {
  if (typeof s === 'string') throw new Error(`refused: ${s}`);
  return s;
};

test('anonymous slots are limited per address; another address still gets one', () => {
  const a = new Admission(limits);
  slot(a.admit('10.0.0.1'));
  slot(a.admit('10.0.0.1'));
  assert.equal(a.admit('10.0.0.1'), 'per-ip');
  slot(a.admit('10.0.0.2'));
  assert.equal(a.open, 3);
});

test('an authenticated session leaves the anonymous count, up to its own per-address limit', () => {
  const a = new Admission(limits);
  const s1 = slot(a.admit('10.0.0.1'));
  const s2 = slot(a.admit('10.0.0.1'));
  assert.equal(s1.authenticate(), true);
  assert.equal(s2.authenticate(), true);
  // Two authenticated sessions no longer block new anonymous ones.
  const s3 = slot(a.admit('10.0.0.1'));
  slot(a.admit('10.0.0.1'));
  assert.deepEqual(a.countsFor('10.0.0.1'), { anonymous: 2, authenticated: 2 });
  assert.equal(s3.authenticate(), true);
  const s5 = slot(a.admit('10.0.0.1'));
  assert.equal(s5.authenticate(), false, 'the fourth authenticated session is over maxAuthenticatedPerIp');
  assert.deepEqual(a.countsFor('10.0.0.1'), { anonymous: 2, authenticated: 3 });
});

test('release is idempotent and frees the count the slot was in', () => {
  const a = new Admission(limits);
  const s1 = slot(a.admit('10.0.0.1'));
  s1.authenticate();
  s1.release();
  s1.release();
  assert.equal(a.open, 0);
  assert.deepEqual(a.countsFor('10.0.0.1'), { anonymous: 0, authenticated: 0 });
  slot(a.admit('10.0.0.1'));
  slot(a.admit('10.0.0.1'));
  assert.equal(a.admit('10.0.0.1'), 'per-ip');
});

test('trusted networks skip the per-address limits; the total still applies to them', () => {
  const a = new Admission({ ...limits, maxTotal: 5, trustedNetworks: ['192.168.0.0/16', '2001:db8::/32'] });
  for (let i = 0; i < 4; i++) slot(a.admit('192.168.7.7')).authenticate();
  slot(a.admit('::ffff:192.168.7.8'));
  assert.equal(a.admit('192.168.7.9'), 'total');
  const b = new Admission({ ...limits, trustedNetworks: ['2001:db8::/32'] });
  for (let i = 0; i < 4; i++) slot(b.admit('2001:db8::1'));
  slot(b.admit('2001:db9::1'));
  slot(b.admit('2001:db9::1'));
  assert.equal(b.admit('2001:db9::1'), 'per-ip', 'an address outside the trusted block keeps the limit');
});

test('a bad trusted network is refused with the entry named', () => {
  assert.throws(() => new Admission({ ...limits, trustedNetworks: ['10.0.0.0/33'] }), /"10\.0\.0\.0\/33" is not an IP address or CIDR block/);
  assert.throws(() => new Admission({ ...limits, trustedNetworks: ['example.com'] }), /"example\.com" is not/);
});

test('IPv6 clients are counted per prefix: addresses of one /64 share the limit, another /64 has its own', () => {
  const a = new Admission(limits);
  const s1 = slot(a.admit('2001:db8:1:2::1'));
  slot(a.admit('2001:db8:1:2:ffff::2'));
  assert.equal(a.admit('2001:db8:1:2::3'), 'per-ip', 'a third address of the same /64 is over maxPerIp 2');
  assert.equal(s1.ip, '2001:db8:1:2::1', 'the slot keeps the real address');
  assert.equal(s1.key, '2001:db8:1:2::/64');
  slot(a.admit('2001:db8:1:3::1'));
  assert.equal(a.admit('::ffff:10.0.0.1') !== 'per-ip', true, 'an IPv4-mapped client is counted as its IPv4 address');
  assert.equal(a.describe('2001:db8:1:2::3'), '2001:db8:1:2::3 (counted per /64 prefix: 2001:db8:1:2::/64)');
  s1.release();
  slot(a.admit('2001:db8:1:2::3'));
  const single = new Admission({ ...limits, ipv6Prefix: 128 });
  for (let i = 1; i <= 4; i++) slot(single.admit(`2001:db8:1:2::${i}`));
  assert.equal(single.describe('2001:db8:1:2::3'), '2001:db8:1:2::3', 'at 128 nothing is said of prefixes');
});

test('a trusted address is matched on its real address and does not fill its untrusted neighbours’ count', () => {
  const a = new Admission({ ...limits, trustedNetworks: ['2001:db8:1:2::1/128'] });
  for (let i = 0; i < 5; i++) slot(a.admit('2001:db8:1:2::1'));
  slot(a.admit('2001:db8:1:2::2'));
  slot(a.admit('2001:db8:1:2::3'));
  assert.equal(a.admit('2001:db8:1:2::4'), 'per-ip', 'the untrusted rest of the /64 keeps its limit');
});
