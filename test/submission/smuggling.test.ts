import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, loggedIn, startHarness, storedMessages, type Harness } from './harness.js';

/** The bytes an attacker hopes a lax server reads as end-of-data, then a second transaction. */
const VARIANTS: Record<string, string> = {
  'LF.CRLF': '\n.\r\n',
  'CR.CRLF': '\r.\r\n',
  'LF.LF': '\n.\n',
  'CR.CR': '\r.\r',
  'CRLF.LF': '\r\n.\n',
  'CRLF.CR': '\r\n.\r',
  'LF.CR': '\n.\r',
};

const onlyCrlf = (b: Buffer) => {
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0d && b[i + 1] !== 0x0a) return false;
    if (b[i] === 0x0a && b[i - 1] !== 0x0d) return false;
  }
  return true;
};

describe('SMTP smuggling', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ submission: { cleartext_auth: 'always' } });
  });
  after(() => h.close());

  for (const [name, fakeEnd] of Object.entries(VARIANTS)) {
    test(`"${name}" in the body does not end DATA: exactly one message is stored, with CRLF line endings only`, async () => {
      const before = await h.store.messages.count();
      const id = `smuggle-${name}@example.com`;
      const c = await loggedIn(h.starttlsPort);
      const smuggled = `MAIL FROM:<app@${DOMAIN}>\r\nRCPT TO:<victim@dest.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n`;
      const payload =
        `MAIL FROM:<app@${DOMAIN}>\r\nRCPT TO:<rcpt@dest.test>\r\nDATA\r\n` +
        `Subject: outer\r\nMessage-ID: <${id}>\r\n\r\nfirst line` +
        fakeEnd +
        smuggled +
        '\r\n.\r\nQUIT\r\n';
      // One write: every byte arrives while the server is in its DATA state.
      c.write(Buffer.from(payload, 'latin1'));
      const replies: number[] = [];
      for (let r = await c.read(); r; r = await c.read()) replies.push(r.code);
      assert.deepEqual(replies, [250, 250, 354, 250, 221], `replies: ${replies}`);
      assert.equal((await h.store.messages.count()) - before, 1);
      const [m] = (await storedMessages(h.store)).filter((x) => x.message.messageId === id);
      assert.ok(m, 'the outer message is stored');
      assert.deepEqual(
        m.recipients.map((r) => r.address),
        ['rcpt@dest.test'],
      );
      const raw = m.raw.toString('latin1');
      assert.ok(raw.includes('RCPT TO:<victim@dest.test>'), 'the would-be second message is content of the first');
      assert.ok(onlyCrlf(m.raw), 'stored message has no bare CR or LF');
      assert.equal((await h.store.messages.findByMessageId(id)).length, 1);
    });
  }

  test('no message ever goes to the smuggled recipient', async () => {
    const n = h.store.db.prepare("SELECT COUNT(*) AS n FROM recipients WHERE address = 'victim@dest.test'").get() as { n: number };
    assert.equal(n.n, 0);
  });

  test('a body with dot-stuffed lines is stored unstuffed', async () => {
    const c = await loggedIn(h.starttlsPort);
    c.write(`MAIL FROM:<app@${DOMAIN}>\r\nRCPT TO:<r@dest.test>\r\nDATA\r\n`);
    assert.equal((await c.read())?.code, 250);
    assert.equal((await c.read())?.code, 250);
    assert.equal((await c.read())?.code, 354);
    c.write('Message-ID: <dots@example.com>\r\n\r\n..\r\n..leading dot\r\n.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const [m] = (await storedMessages(h.store)).filter((x) => x.message.messageId === 'dots@example.com');
    assert.ok(m.raw.toString('latin1').endsWith('\r\n\r\n.\r\n.leading dot\r\n'));
  });
});
