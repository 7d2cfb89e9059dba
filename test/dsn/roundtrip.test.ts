/**
 * Our own DSNs read back by our own bounce parser (src/bounces/parse): what we write is what a
 * receiving MTA's parser (and ours, when a DSN of ours comes back to a mailtrail) understands.
 * The parser is another part of the tree; if it is absent, these tests are skipped, not passed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeDsn, type DsnInput } from '../../src/dsn/compose.js';
import type { ParseResult } from '../../src/bounces/types.js';
import { messageRecord } from './helpers.js';

type ParseBounce = (raw: Buffer) => Promise<ParseResult>;

async function loadParser(): Promise<ParseBounce | null> {
  try {
    const mod = (await import('../../src/bounces/parse/index.js')) as { parseBounce?: ParseBounce };
    return mod.parseBounce ?? null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

const parseBounce = await loadParser();
const skip = parseBounce ? false : 'src/bounces/parse is not there: nothing to read our DSNs back with';

const T = Date.UTC(2024, 4, 6, 7, 8, 9);
function input(over: Partial<DsnInput>): DsnInput {
  return {
    kind: 'failure',
    hostname: 'relay.mailtrail.test',
    from: 'MAILER-DAEMON@relay.mailtrail.test',
    to: 'app@example.com',
    message: messageRecord({ envId: 'env-rt-1', messageId: 'rt-1@app.example.com' }),
    originalRaw: Buffer.from('Message-ID: <rt-1@app.example.com>\r\nSubject: round trip\r\n\r\nbody\r\n'),
    recipients: [],
    arrivalDate: T,
    now: T + 60_000,
    ...over,
  };
}

test('a failure DSN of ours parses as a bounce with the recipient, status and diagnostic', { skip }, async () => {
  const raw = composeDsn(
    input({
      recipients: [
        {
          address: 'bob@example.org',
          orcpt: 'rfc822;bob@example.org',
          action: 'failed',
          status: '5.1.1',
          diagnostic: { code: 550, enhanced: '5.1.1', text: 'user unknown' },
          remoteMta: 'mx1.example.org',
          lastAttemptAt: T + 30_000,
        },
      ],
    }),
  );
  const p = await parseBounce!(raw);
  assert.equal(p.error, undefined);
  assert.equal(p.kind, 'bounce');
  assert.equal(p.format, 'rfc3464');
  assert.equal(p.envelope_id, 'env-rt-1');
  assert.equal(p.original_message_id?.replace(/^<|>$/g, ''), 'rt-1@app.example.com', 'found in the returned headers');
  assert.match(p.reporting_mta ?? '', /relay\.mailtrail\.test/);
  assert.equal(p.recipients.length, 1);
  const r = p.recipients[0];
  assert.equal(r.address, 'bob@example.org');
  assert.equal(r.action, 'failed');
  assert.equal(r.status, '5.1.1');
  assert.match(r.diagnostic ?? '', /550 5\.1\.1 user unknown/);
  assert.equal(r.hard, true, 'unknown user: the address is bad');
});

test('a delay warning of ours parses as a delay, a success report as a delivery report', { skip }, async () => {
  const delay = await parseBounce!(
    composeDsn(
      input({
        kind: 'delay',
        recipients: [
          {
            address: 'slow@example.org',
            orcpt: null,
            action: 'delayed',
            status: '4.2.2',
            diagnostic: { code: 452, enhanced: '4.2.2', text: 'mailbox full' },
            remoteMta: 'mx',
            lastAttemptAt: T,
            willRetryUntil: T + 86_400_000,
          },
        ],
      }),
    ),
  );
  assert.equal(delay.kind, 'delay');
  assert.equal(delay.recipients[0].address, 'slow@example.org');
  assert.equal(delay.recipients[0].action, 'delayed');
  assert.equal(delay.recipients[0].status, '4.2.2');

  const success = await parseBounce!(
    composeDsn(
      input({
        kind: 'success',
        recipients: [
          {
            address: 'ok@example.org',
            orcpt: null,
            action: 'relayed',
            status: '2.0.0',
            diagnostic: { code: 250, enhanced: '2.0.0', text: 'OK' },
            remoteMta: 'mx',
            lastAttemptAt: T,
          },
        ],
      }),
    ),
  );
  assert.equal(success.kind, 'delivery-report');
  assert.equal(success.recipients[0].action, 'relayed');
});
