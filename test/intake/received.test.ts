/** The Received trace field's client address, as RFC 5321 §4.1.3 writes address literals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressLiteral, receivedField } from '../../src/intake/received.js';

test('an IPv6 client is written [IPv6:…], an IPv4 one (also through a dual-stack socket) [a.b.c.d]', () => {
  assert.equal(addressLiteral('192.0.2.7'), '[192.0.2.7]');
  assert.equal(addressLiteral('::ffff:192.0.2.7'), '[192.0.2.7]');
  assert.equal(addressLiteral('2001:db8::7'), '[IPv6:2001:db8::7]');
  assert.equal(addressLiteral(null), '[unknown]');
  const field = receivedField({
    helo: 'app.example',
    rdns: null,
    ip: 'fd00:34::1',
    by: 'relay.example',
    protocol: 'ESMTPSA',
    tls: null,
    queueId: 'Q1',
    recipient: null,
    at: Date.UTC(2031, 5, 2, 10, 0, 0),
  }).toString();
  assert.match(field, /^Received: from app\.example \(\[IPv6:fd00:34::1\]\)\r\n\tby relay\.example \(mailtrail\) with ESMTPSA id Q1;/);
});
