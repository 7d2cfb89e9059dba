/**
 * Command framing on both SMTP listeners (src/listener/session-guard.ts): a line that ends with a bare
 * LF is refused and the session closed (RFC 5321 §2.3.8), so `RCPT TO:<a>\nRCPT TO:<b>` is never two
 * commands; BDAT (CHUNKING is not offered) is refused and the session closed, so its chunk is never
 * read as commands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BOUNCE_DOMAIN } from '../bounces/support.js';
import { DOMAIN, loggedIn, RawClient, type Harness } from '../submission/harness.js';
import { BOUNCE_HOST, startBounceListener, startHarness, submitOne, sendBounce, type BounceListener } from './listeners.js';

/** Every reply until the server closes the connection (or 3 s pass). */
async function repliesUntilClosed(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await c.read(3000).catch(() => null);
    if (!r) return out;
    out.push(r.text);
  }
}

const BARE_LF = /^521 5\.5\.2 bare LF received: a command line must end with CRLF \(RFC 5321 section 2\.3\.8\); closing connection$/;
const BDAT = /^521 5\.5\.1 BDAT is not supported here \(CHUNKING is not offered\) and its chunk cannot be read as commands; closing connection$/;

describe('submission', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ submission: { cleartext_auth: 'always' } });
  });
  after(() => h.close());

  test('after AUTH, RCPT TO:<a>\\nRCPT TO:<b> gets one 521 5.5.2 and the session ends: no recipient is taken from it', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 250);
    c.write('RCPT TO:<a@dest.test>\nRCPT TO:<b@dest.test>\r\nDATA\r\n');
    const replies = await repliesUntilClosed(c);
    assert.equal(replies.length, 1, replies.join(' | '));
    assert.match(replies[0], BARE_LF);
    assert.ok(c.closed);
    assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.reason === 'bare-lf' && l.code === 521 && l.command === 'RCPT'));
    assert.equal(await h.store.messages.count(), 0);
  });

  test('a bare LF before AUTH, and inside an AUTH exchange, ends the session the same way', async () => {
    for (const lines of ['EHLO client.test\nAUTH PLAIN\r\n', 'EHLO client.test\r\nAUTH LOGIN\r\nYXBw\nQUIT\r\n']) {
      const c = await RawClient.connect(h.starttlsPort);
      assert.equal((await c.read())?.code, 220);
      c.write(lines);
      const replies = await repliesUntilClosed(c);
      assert.match(replies[replies.length - 1], BARE_LF, replies.join(' | '));
      assert.ok(!replies.some((r) => r.startsWith('221')), 'nothing after the bare LF is run');
    }
  });

  test('BDAT after RCPT gets 521 5.5.1 and the session ends: the chunk is not run as commands, nothing is stored', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 250);
    assert.equal((await c.command('RCPT TO:<a@dest.test>'))?.code, 250);
    const chunk = 'RSET\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<evil@dest.test>\r\nNOOP\r\n';
    c.write(`BDAT ${chunk.length} LAST\r\n${chunk}`);
    const replies = await repliesUntilClosed(c);
    assert.equal(replies.length, 1, replies.join(' | '));
    assert.match(replies[0], BDAT);
    assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.reason === 'bdat'));
    assert.equal(await h.store.messages.count(), 0);
  });

  test('a client that ends its lines with CRLF is served as before', async () => {
    assert.match(await submitOne(h.starttlsPort, 'framing-ok@example.com'), /^250 2\.0\.0 Ok: queued as /);
  });
});

describe('bounce listener', () => {
  let b: BounceListener;
  before(async () => {
    b = await startBounceListener();
  });
  after(() => b.close());

  test('MAIL FROM:<>\\nRCPT TO:<…> gets one 521 5.5.2 and the session ends', async () => {
    const c = await RawClient.connect(b.port, { host: BOUNCE_HOST });
    assert.equal((await c.read())?.code, 220);
    assert.equal((await c.command('EHLO mx.remote.test'))?.code, 250);
    c.write(`MAIL FROM:<>\nRCPT TO:<postmaster@${BOUNCE_DOMAIN}>\r\n`);
    const replies = await repliesUntilClosed(c);
    assert.equal(replies.length, 1, replies.join(' | '));
    assert.match(replies[0], BARE_LF);
    assert.ok(b.logs.some((l) => l.event === 'inbound.refused' && l.reason === 'bare-lf' && l.command === 'MAIL'));
  });

  test('BDAT gets 521 5.5.1 and the session ends: the chunk is not run as commands', async () => {
    const c = await RawClient.connect(b.port, { host: BOUNCE_HOST });
    assert.equal((await c.read())?.code, 220);
    assert.equal((await c.command('EHLO mx.remote.test'))?.code, 250);
    assert.equal((await c.command('MAIL FROM:<>'))?.code, 250);
    assert.equal((await c.command(`RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`))?.code, 250);
    const chunk = 'NOOP\r\nNOOP\r\nQUIT\r\n';
    c.write(`BDAT ${chunk.length} LAST\r\n${chunk}`);
    const replies = await repliesUntilClosed(c);
    assert.deepEqual(replies.length, 1, replies.join(' | '));
    assert.match(replies[0], BDAT);
  });

  test('a sender that ends its lines with CRLF is served as before', async () => {
    assert.match(await sendBounce(b.port), /250 2\.0\.0 Ok: stored as inbound \d+ \| 221/);
  });
});
