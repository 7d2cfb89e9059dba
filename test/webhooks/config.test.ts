import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';

const endpoint = { name: 'crm', url: 'https://crm.example.com/hooks', secret: 'a-secret-of-16-chars' };

test('no endpoints by default; an endpoint gets every kind, a 10 s timeout and the retry defaults', () => {
  const none = parseConfig({}).webhooks;
  assert.deepEqual(none.endpoints, []);
  assert.deepEqual([none.max_attempts, none.poll_interval_ms, none.retry.min_delay_ms, none.retry.max_delay_ms], [12, 1_000, 30_000, 3_600_000]);
  const [e] = parseConfig({ webhooks: { endpoints: [endpoint] } }).webhooks.endpoints;
  assert.deepEqual(e.events, ['delivered', 'deferred', 'bounced', 'expired', 'suppressed', 'complained', 'auto-replied', 'delayed']);
  assert.equal(e.timeout_ms, 10_000);
});

test('event filters: auto-reply means auto-replied, duplicates fold, unknown kinds are named', () => {
  const [e] = parseConfig({ webhooks: { endpoints: [{ ...endpoint, events: ['auto-reply', 'bounced', 'auto-replied'] }] } }).webhooks.endpoints;
  assert.deepEqual(e.events, ['auto-replied', 'bounced']);
  assert.throws(
    () => parseConfig({ webhooks: { endpoints: [{ ...endpoint, events: ['opened'] }] } }),
    /webhooks\.endpoints\.0\.events\.0: found "opened"; expected one of "delivered"/,
  );
  assert.throws(() => parseConfig({ webhooks: { endpoints: [{ ...endpoint, events: [] }] } }), /events: found \[\]; expected at least 1 entries/);
});

test("bad endpoints are refused with the key named, without printing the other endpoints' secrets", () => {
  assert.throws(
    () => parseConfig({ webhooks: { endpoints: [{ ...endpoint, url: 'ftp://crm.example.com/' }] } }),
    /endpoints\.0\.url: .*expected an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(() => parseConfig({ webhooks: { endpoints: [{ ...endpoint, secret: 'short' }] } }), /endpoints\.0\.secret: .*at least 16 characters/);
  assert.throws(() => parseConfig({ webhooks: { endpoints: [{ ...endpoint, name: 'has space' }] } }), /endpoints\.0\.name/);
  assert.throws(() => parseConfig({ webhooks: { endpoints: [{ ...endpoint, colour: 'red' }] } }), /endpoints\.0\.colour: unknown key/);
  const dup = (() => {
    try {
      parseConfig({ webhooks: { endpoints: [endpoint, { ...endpoint, url: 'https://other.example/' }] } });
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  })();
  assert.match(dup, /webhooks\.endpoints\.1\.name: found "crm"; expected a name not used by another endpoint/);
  assert.doesNotMatch(dup, /a-secret-of-16-chars/);
});

test('a URL with a user name and password is refused at start (fetch cannot send it), without printing the password', () => {
  const message = (() => {
    try {
      parseConfig({ webhooks: { endpoints: [{ ...endpoint, url: 'https://hookuser:S3cretPassw0rd@crm.example.com/hooks' }] } });
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  })();
  assert.match(
    message,
    /webhooks\.endpoints\.0\.url: found "https:\/\/hookuser:\(not shown\)@crm\.example\.com\/hooks"; expected a URL without a user name or password/,
  );
  assert.doesNotMatch(message, /S3cretPassw0rd/);
});
