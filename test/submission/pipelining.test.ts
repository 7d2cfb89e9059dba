/**
 * Clients that pipeline past what RFC 2920 allows: DATA ends a command group, so a client should wait for
 * 354 before sending the message, and for the message's reply before the next MAIL. Some send everything
 * in one write anyway. The server must still read and answer all of it, never go silent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DOMAIN, RawClient, loggedIn, message, startHarness, storedMessages, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({ submission: { cleartext_auth: 'always' } });
});
after(() => h.close());

const transaction = (id: string) => `MAIL FROM:<app@${DOMAIN}>\r\nRCPT TO:<rcpt@dest.test>\r\nDATA\r\n${message(id)}.\r\n`;

/** Reads `n` replies, or fails naming the ones that came. */
async function replies(c: RawClient, n: number): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await c.read(5000).catch((e: Error) => assert.fail(`reply ${i + 1} of ${n} missing (${e.message}); got ${JSON.stringify(got)}`));
    if (r === null) assert.fail(`connection closed after ${JSON.stringify(got)}`);
    got.push(r.text);
  }
  return got;
}

test('three whole transactions, NOOP and QUIT in one write: every command answered, three messages queued, 221 at the end', async () => {
  const before = (await storedMessages(h.store)).length;
  const c = await loggedIn(h.starttlsPort);
  c.write(transaction('one@pipelined.test') + transaction('two@pipelined.test') + transaction('three@pipelined.test') + 'NOOP\r\nQUIT\r\n');
  const got = await replies(c, 3 * 4 + 2);
  const codes = got.map((t) => Number(t.slice(0, 3)));
  assert.deepEqual(codes, [250, 250, 354, 250, 250, 250, 354, 250, 250, 250, 354, 250, 250, 221], got.join('\n'));
  assert.equal(got.filter((t) => /queued as/.test(t)).length, 3);
  assert.ok(await c.waitClosed(2000), 'closed after QUIT');
  const ids = (await storedMessages(h.store)).slice(before).map((m) => m.message.messageId);
  assert.deepEqual(ids.sort(), ['one@pipelined.test', 'three@pipelined.test', 'two@pipelined.test']);
});
