import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, RawClient, loggedIn, message, send, startHarness, storedMessages, type Harness } from './harness.js';

describe('message, recipient and line limits', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      submission: { cleartext_auth: 'always' },
      limits: { max_message_bytes: 2000, max_recipients: 3, max_command_line: 512, max_data_line: 998, max_messages_per_session: 2, max_header_bytes: 1024 },
    });
  });
  after(() => h.close());

  test('SIZE is advertised, a MAIL FROM SIZE= above it and an oversized message both get 552 5.3.4, nothing stored', async () => {
    const c = await RawClient.connect(h.starttlsPort);
    await c.read();
    const ehlo = await c.command('EHLO client.test');
    assert.ok(
      ehlo!.lines.some((l) => l === '250 SIZE 2000' || l === '250-SIZE 2000'),
      ehlo!.text,
    );
    await c.command('AUTH PLAIN ' + Buffer.from('\0app\0correct horse battery staple').toString('base64'));
    const big = await c.command(`MAIL FROM:<app@${DOMAIN}> SIZE=2001`);
    assert.match(big!.text, /^552 5\.3\.4 /);
    const r = await send(c, message('too-big@example.com', 'x'.repeat(70) + '\r\n'.repeat(1) + ('y'.repeat(70) + '\r\n').repeat(40)));
    assert.match(r!.text, /^552 5\.3\.4 /);
    // The session goes on after a refused message.
    const ok = await send(c, message('small@example.com'));
    assert.match(ok!.text, /^250 2\.0\.0 /);
    c.destroy();
    const ids = (await storedMessages(h.store)).map((m) => m.message.messageId);
    assert.ok(!ids.includes('too-big@example.com'));
    assert.ok(ids.includes('small@example.com'));
  });

  test('the recipient after max_recipients gets 452 4.5.3; the message goes to the accepted ones', async () => {
    const c = await loggedIn(h.starttlsPort);
    await c.command(`MAIL FROM:<app@${DOMAIN}>`);
    for (let i = 1; i <= 3; i++) assert.equal((await c.command(`RCPT TO:<r${i}@dest.test>`))?.code, 250);
    const fourth = await c.command('RCPT TO:<r4@dest.test>');
    assert.match(fourth!.text, /^452 4\.5\.3 /);
    await c.command('DATA');
    c.write(message('three-rcpts@example.com') + '.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const m = (await storedMessages(h.store)).find((x) => x.message.messageId === 'three-rcpts@example.com')!;
    assert.deepEqual(
      m.recipients.map((r) => r.address),
      ['r1@dest.test', 'r2@dest.test', 'r3@dest.test'],
    );
    assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.code === 452 && l.reason === 'limit'));
  });

  test('a command line over max_command_line octets gets 500 5.5.2 and the connection is closed', async () => {
    const c = await loggedIn(h.starttlsPort);
    // 510 + CRLF = 512 octets: allowed.
    const fits = await c.command('NOOP ' + 'z'.repeat(505));
    assert.equal(fits?.code, 250, fits?.text);
    const r = await c.command('NOOP ' + 'z'.repeat(600));
    assert.match(r!.text, /^500 5\.5\.2 .*line too long/);
    assert.ok(await c.waitClosed(2000));
  });

  test('a data line over 998 octets is refused at the end of DATA with 500 5.5.2; 998 is accepted', async () => {
    const c = await loggedIn(h.starttlsPort);
    const ok = await send(c, message('line-998@example.com', 'a'.repeat(998) + '\r\n'));
    assert.match(ok!.text, /^250 /);
    const bad = await send(c, message('line-999@example.com', 'a'.repeat(999) + '\r\n'));
    assert.match(bad!.text, /^500 5\.5\.2 .*line too long/);
    c.destroy();
    const ids = (await storedMessages(h.store)).map((m) => m.message.messageId);
    assert.ok(ids.includes('line-998@example.com'));
    assert.ok(!ids.includes('line-999@example.com'));
  });

  test('a message with a NUL octet is refused at the end of DATA with 554 5.6.0, nothing stored; the session goes on', async () => {
    const c = await loggedIn(h.starttlsPort);
    const bad = await send(c, message('nul-octet@example.com', 'binary\u0000data\r\n'));
    assert.match(bad!.text, /^554 5\.6\.0 the message contains a NUL octet, which no mail may carry .*base64/);
    const ok = await send(c, message('after-nul@example.com', 'text\r\n'));
    assert.match(ok!.text, /^250 /, 'the session goes on');
    c.destroy();
    const ids = (await storedMessages(h.store)).map((m) => m.message.messageId);
    assert.ok(!ids.includes('nul-octet@example.com'));
    assert.ok(ids.includes('after-nul@example.com'));
  });

  test('a header block over max_header_bytes is refused at the end of DATA with 552 5.6.0, however its lines end; at the limit it is accepted', async () => {
    // message() puts the empty line right after the extra headers: pad the block to exactly N octets.
    const padTo = (id: string, n: number) => {
      const base = message(id, '').length - 2; // the header block without the empty line
      return `X-Pad: ${'p'.repeat(n - base - 'X-Pad: \r\n'.length)}\r\n`;
    };
    const c = await loggedIn(h.starttlsPort);
    const fits = await send(c, message('header-1024@example.com', 'body\r\n', padTo('header-1024@example.com', 1024)));
    assert.match(fits!.text, /^250 /, `a 1024-octet header block is accepted: ${fits?.text}`);
    const over = await send(c, message('header-1025@example.com', 'body\r\n', padTo('header-1025@example.com', 1025)));
    assert.match(over!.text, /^552 5\.6\.0 Headers too large: the header block may have at most 1024 octets/, `one octet more is refused: ${over?.text}`);
    c.destroy();
    // Short fields on bare LF, and a message that never ends its header: counted the same way.
    const c2 = await loggedIn(h.starttlsPort);
    const bareLf = await send(c2, `${'X-F: v\n'.repeat(150)}\nbody\r\n`);
    assert.match(bareLf!.text, /^552 5\.6\.0 /, `a bare-LF header block over the limit is refused: ${bareLf?.text}`);
    const endless = await send(c2, 'X-F: v\r\n'.repeat(150));
    assert.match(endless!.text, /^552 5\.6\.0 /, `a header that never ends is refused: ${endless?.text}`);
    c2.destroy();
    const c3 = await loggedIn(h.starttlsPort);
    const after = await send(c3, message('after-header-refusal@example.com'));
    assert.match(after!.text, /^250 /, `a normal message is served after the refusals: ${after?.text}`);
    c3.destroy();
    const ids = (await storedMessages(h.store)).map((m) => m.message.messageId);
    assert.ok(ids.includes('header-1024@example.com') && ids.includes('after-header-refusal@example.com'), 'the accepted ones are stored');
    assert.ok(!ids.includes('header-1025@example.com'), 'the refused one is not');
    assert.ok(
      h.logs.some((l) => l.event === 'submission.refused' && l.code === 552 && l.enhanced === '5.6.0' && l.reason === 'limit'),
      'the refusal is logged',
    );
  });

  test('MAIL after max_messages_per_session messages gets 421 4.7.0 and a disconnect', async () => {
    const c = await loggedIn(h.starttlsPort);
    for (let i = 0; i < 2; i++) assert.equal((await send(c, message(`per-session-${i}@example.com`)))?.code, 250);
    const third = await c.command(`MAIL FROM:<app@${DOMAIN}>`);
    assert.match(third!.text, /^421 4\.7\.0 /);
    assert.ok(await c.waitClosed(2000));
  });
});

describe('connection limits', () => {
  test('per client IP: the connection over max_connections_per_ip gets 421 4.7.0; a slot frees when one closes', async () => {
    const h = await startHarness({ limits: { max_connections: 10, max_connections_per_ip: 2 } });
    try {
      const a = await RawClient.connect(h.starttlsPort);
      const b = await RawClient.connect(h.implicitPort, { implicitTls: true });
      assert.equal((await a.read())?.code, 220);
      assert.equal((await b.read())?.code, 220);
      const c = await RawClient.connect(h.starttlsPort);
      const refused = await c.read();
      assert.match(refused!.text, /^421 4\.7\.0 too many connections from 127\.0\.0\.1/);
      assert.ok(await c.waitClosed(2000));
      a.destroy();
      await a.waitClosed();
      await new Promise((r) => setTimeout(r, 100));
      const d = await RawClient.connect(h.starttlsPort);
      assert.equal((await d.read())?.code, 220);
      b.destroy();
      d.destroy();
    } finally {
      await h.close();
    }
  });

  test('in total, across both listeners: the connection over max_connections gets 421 4.7.0 (dropped before the handshake on 465)', async () => {
    const h = await startHarness({ limits: { max_connections: 2, max_connections_per_ip: 10 } });
    try {
      const a = await RawClient.connect(h.starttlsPort);
      const b = await RawClient.connect(h.implicitPort, { implicitTls: true });
      assert.equal((await a.read())?.code, 220);
      assert.equal((await b.read())?.code, 220);
      const c = await RawClient.connect(h.starttlsPort);
      assert.match((await c.read())!.text, /^421 4\.7\.0 too many connections;/);
      // On the implicit-TLS port nothing can be said before a handshake: the connection is dropped
      // at once, without one (a refused client must cost no handshake and hold no socket).
      await assert.rejects(RawClient.connect(h.implicitPort, { implicitTls: true }), /socket disconnected|ECONNRESET/);
      a.destroy();
      b.destroy();
      c.destroy();
    } finally {
      await h.close();
    }
  });
});
