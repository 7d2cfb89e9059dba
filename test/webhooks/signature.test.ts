import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { sign, verify } from '../../src/webhooks/signature.js';

const secret = 'receiver-secret-0123456789';
const body = '{"id":7,"type":"bounced"}';

test('sign is v1= hex HMAC-SHA256(secret, timestamp + "." + body), as documented', () => {
  assert.equal(sign(secret, 1_700_000_000, body), 'v1=' + createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex'));
  assert.equal(sign(secret, 1_700_000_000, Buffer.from(body)), sign(secret, 1_700_000_000, body), 'bytes or string, the same');
});

test('verify accepts the genuine POST and refuses tampering, another secret, stale or future timestamps', () => {
  const now = 1_700_000_000;
  const signature = sign(secret, now, body);
  const ok = { secret, timestamp: String(now), signature, body, now };
  assert.equal(verify(ok), true);
  assert.equal(verify({ ...ok, body: body.replace('7', '8') }), false, 'body changed');
  assert.equal(verify({ ...ok, secret: 'another-secret-0123456789' }), false, 'wrong secret');
  assert.equal(verify({ ...ok, timestamp: String(now - 1) }), false, 'timestamp changed');
  assert.equal(verify({ ...ok, now: now + 301 }), false, 'replayed after the window');
  assert.equal(verify({ ...ok, now: now - 301 }), false, 'from the future');
  assert.equal(verify({ ...ok, now: now + 3_000, toleranceSeconds: 3_600 }), true, "the window is the receiver's choice");
  assert.equal(verify({ ...ok, signature: `v0=abc, ${signature}` }), true, 'unknown scheme versions are ignored');
  assert.equal(verify({ ...ok, signature: 'v1=' }), false);
  assert.equal(verify({ ...ok, signature: undefined }), false);
  assert.equal(verify({ ...ok, timestamp: 'soon' }), false);
});
