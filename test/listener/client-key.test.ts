import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientKey, describeClient } from '../../src/listener/client-key.js';

test('an IPv4 client is counted per address, whatever the IPv6 prefix length', () => {
  assert.equal(clientKey('192.0.2.7', 64), '192.0.2.7');
  assert.equal(clientKey('192.0.2.7', 48), '192.0.2.7');
  assert.notEqual(clientKey('192.0.2.7', 48), clientKey('192.0.2.8', 48), 'two IPv4 addresses are two clients');
});

test('an IPv4-mapped IPv6 address is its IPv4 address', () => {
  assert.equal(clientKey('::ffff:192.0.2.7', 64), '192.0.2.7');
  assert.equal(clientKey('::FFFF:192.0.2.7', 64), '192.0.2.7');
  assert.equal(clientKey('0:0:0:0:0:ffff:c000:207', 64), '192.0.2.7', 'the hex form too');
  assert.equal(clientKey('::ffff:192.0.2.7', 128), '192.0.2.7');
});

test('IPv6 clients of one /64 share a key, full or compressed; another /64 does not', () => {
  const a = clientKey('2001:db8:1:2::1', 64);
  assert.equal(a, '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff', 64), a, 'the full form, leading zeros');
  assert.equal(clientKey('2001:DB8:1:2:aa:bb:cc:dd', 64), a, 'upper case');
  assert.equal(clientKey('2001:db8:1:3::1', 64), '2001:db8:1:3::/64');
  assert.equal(clientKey('fd00:34::2', 64), 'fd00:34::/64');
});

test('a zone id is not part of the key', () => {
  assert.equal(clientKey('fe80::1%eth0', 64), 'fe80::/64');
  assert.equal(clientKey('fe80::1%eth0', 128), clientKey('fe80::1%lo', 128));
});

test('prefix lengths from 48 to 128 keep exactly that many leading bits', () => {
  const ip = '2001:db8:abcd:1234:5678:9abc:def0:1357';
  assert.equal(clientKey(ip, 48), '2001:db8:abcd::/48');
  assert.equal(clientKey(ip, 56), '2001:db8:abcd:1200::/56');
  assert.equal(clientKey(ip, 60), '2001:db8:abcd:1230::/60');
  assert.equal(clientKey(ip, 64), '2001:db8:abcd:1234::/64');
  assert.equal(clientKey(ip, 96), '2001:db8:abcd:1234:5678:9abc::/96');
  assert.equal(clientKey(ip, 127), '2001:db8:abcd:1234:5678:9abc:def0:1356/127');
  assert.equal(clientKey(ip, 128), `${ip}/128`);
  assert.equal(clientKey('2001:db8:abcd:12ff::1', 56), clientKey('2001:db8:abcd:1200::9', 56), 'one /56');
  assert.notEqual(clientKey('2001:db8:abcd:12ff::1', 64), clientKey('2001:db8:abcd:1200::9', 64), 'two /64s');
  assert.notEqual(clientKey('2001:db8::1', 128), clientKey('2001:db8::2', 128), 'at 128 every address counts apart');
});

test('the key is written the shortest way (RFC 5952): the longest zero run is ::', () => {
  assert.equal(clientKey('2001:db8:0:0:1:0:0:1', 128), '2001:db8::1:0:0:1/128');
  assert.equal(clientKey('2001:0:0:1:0:0:0:1', 128), '2001:0:0:1::1/128');
  assert.equal(clientKey('2001:db8:1:1:1:1:1:1', 128), '2001:db8:1:1:1:1:1:1/128');
  assert.equal(clientKey('::1', 64), '::/64');
  assert.equal(clientKey('::1', 128), '::1/128');
  assert.equal(clientKey('64:ff9b::192.0.2.7', 96), '64:ff9b::/96', 'a dotted tail that is not a mapped IPv4');
});

test('what is not an IP address is its own key', () => {
  assert.equal(clientKey('', 64), '');
  for (const bad of ['not:an:address', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1.2.3.400', '12345::1']) assert.equal(clientKey(bad, 64), bad, bad);
});

test('replies name the real address, and the prefix when the limit counts one', () => {
  assert.equal(describeClient('192.0.2.7', 64), '192.0.2.7');
  assert.equal(describeClient('::ffff:192.0.2.7', 64), '::ffff:192.0.2.7');
  assert.equal(describeClient('fd00:34::2', 64), 'fd00:34::2 (counted per /64 prefix: fd00:34::/64)');
  assert.equal(describeClient('fd00:34::2', 128), 'fd00:34::2');
});
