/**
 * The bounce listener's per-session limits (issue 11), each with its exact reply: DATA and session
 * time, messages per session, command line length, recipients per transaction. Connection limits and
 * command timeouts are in test/listener/slowloris.test.ts, framing in test/listener/line-framing.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient } from '../submission/harness.js';
import { BOUNCE_HOST, startBounceListener } from '../listener/listeners.js';
import { BOUNCE_DOMAIN } from './support.js';

const POSTMASTER = `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`;

async function session(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port, { host: BOUNCE_HOST });
  assert.equal((await c.read())?.code, 220);
  assert.equal((await c.command('EHLO mx.remote.test'))?.code, 250);
  return c;
}

/** Every reply until the server closes the connection. */
async function rest(c: RawClient, timeoutMs = 4000): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await c.read(timeoutMs).catch(() => null);
    if (!r) return out;
    out.push(r.text);
  }
}

test('DATA dripping one byte per interval ends at data_timeout_ms with 421 4.4.2; nothing is stored', async () => {
  const b = await startBounceListener({ data_timeout_ms: 700, idle_timeout_ms: 10_000 });
  try {
    const c = await session(b.port);
    await c.command('MAIL FROM:<>');
    await c.command(POSTMASTER);
    assert.equal((await c.command('DATA'))?.code, 354);
    const t0 = Date.now();
    const timer = setInterval(() => c.write('x'), 100);
    const replies = await rest(c);
    clearInterval(timer);
    assert.deepEqual(replies, ['421 4.4.2 timeout: the message data must arrive within 0.7 s; closing connection']);
    assert.ok(Date.now() - t0 < 2500);
    assert.ok(!b.logs.some((l) => l.event === 'inbound.received'));
    assert.ok(b.logs.some((l) => l.event === 'inbound.refused' && l.reason === 'timeout' && l.code === 421));
  } finally {
    await b.close();
  }
});

test('a session, busy or not, ends at session_timeout_ms with 421 4.4.2', async () => {
  const b = await startBounceListener({ session_timeout_ms: 800 });
  try {
    const c = await session(b.port);
    const t0 = Date.now();
    let last = '';
    while (!c.closed && Date.now() - t0 < 4000) {
      const r = await c.command('NOOP');
      if (!r) break;
      last = r.text;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let r = await c.read(); r; r = await c.read()) last = r.text;
    assert.equal(last, '421 4.4.2 session time limit of 0.8 s reached; reconnect to go on');
    assert.ok(Date.now() - t0 < 2500);
  } finally {
    await b.close();
  }
});

test('MAIL after max_messages_per_session mails gets 421 4.7.0 and a disconnect', async () => {
  const b = await startBounceListener({ max_messages_per_session: 1 });
  try {
    const c = await session(b.port);
    await c.command('MAIL FROM:<>');
    await c.command(POSTMASTER);
    await c.command('DATA');
    c.write('Subject: x\r\n\r\nx\r\n.\r\n');
    assert.match((await c.read())!.text, /^250 2\.0\.0 Ok: stored as inbound \d+$/);
    c.write('MAIL FROM:<>\r\n');
    assert.deepEqual(await rest(c), ['421 4.7.0 at most 1 messages per session: reconnect to send more']);
    assert.ok(c.closed);
  } finally {
    await b.close();
  }
});

test('a command line over max_command_line octets (CRLF included) gets 500 5.5.2 and a disconnect; one at the limit is read', async () => {
  const b = await startBounceListener({ max_command_line: 512 });
  try {
    const c = await session(b.port);
    // 510 octets + CRLF = 512: at the limit, an ordinary (unknown) command.
    assert.match((await c.command('X'.repeat(510)))!.text, /^500 Error: command not recognized/);
    c.write('X'.repeat(511) + '\r\n');
    assert.deepEqual(await rest(c), ['500 5.5.2 line too long: a command line may have at most 512 octets including CRLF']);
  } finally {
    await b.close();
  }
});

test('the RCPT after max_recipients gets 452', async () => {
  const b = await startBounceListener({ max_recipients: 1 });
  try {
    const c = await session(b.port);
    await c.command('MAIL FROM:<>');
    assert.equal((await c.command(POSTMASTER))?.code, 250);
    assert.equal((await c.command(`RCPT TO:<abuse@${BOUNCE_DOMAIN}>`))?.text, '452 Error: too many recipients');
    c.destroy();
  } finally {
    await b.close();
  }
});
