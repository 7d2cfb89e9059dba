/**
 * How the session guard (src/listener/session-guard.ts) writes replies: the replies to a pipelined group
 * (MAIL, RCPT…, DATA) leave in one write, and a reply that no other follows in the same turn (the
 * greeting, EHLO, AUTH, the message's 250, QUIT) is written at once, without waiting for a corked flush.
 * Counted where the server's socket hands data to the kernel (node:net's `_writeGeneric`, one call per
 * write(2) or writev(2)): the client runs in the same process and would read separate writes as one chunk.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { DOMAIN, PASSWORD, USER, startHarness, type Harness } from '../submission/harness.js';

let h: Harness;
/** Writes handed to the kernel by server-side sockets of the STARTTLS listener, each as the text it carried. */
const serverWrites: string[] = [];
type WriteGeneric = (this: net.Socket, writev: boolean, data: unknown, encoding: string, cb: () => void) => unknown;
const proto = net.Socket.prototype as unknown as { _writeGeneric: WriteGeneric };
const original = proto._writeGeneric;
before(async () => {
  proto._writeGeneric = function (this: net.Socket, writev, data, encoding, cb) {
    if (h !== undefined && this.localPort === h.starttlsPort) {
      const parts = writev ? (data as { chunk: Buffer | string }[]).map((d) => String(d.chunk)) : [String(data)];
      serverWrites.push(parts.join(''));
    }
    return original.call(this, writev, data, encoding, cb);
  };
  h = await startHarness({ submission: { cleartext_auth: 'always' } });
});
after(async () => {
  proto._writeGeneric = original;
  await h.close();
});

/** A client that records each chunk as it arrived, and waits for the chunk that ends with a final reply line matching `last`. */
async function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  const chunks: string[] = [];
  let received = '';
  socket.on('data', (d: string) => {
    chunks.push(d);
    received += d;
  });
  await once(socket, 'connect');
  const until = async (last: RegExp): Promise<void> => {
    for (let i = 0; i < 300 && !received.split('\r\n').some((l) => last.test(l)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      received.split('\r\n').some((l) => last.test(l)),
      `a reply matching ${last} within 3 s; got ${JSON.stringify(received)}`,
    );
    received = '';
  };
  return { socket, chunks, until };
}

test('pipelined MAIL, RCPT, RCPT and DATA get their four replies in one write; the replies around them are written each on its own', async () => {
  const c = await client(h.starttlsPort);
  try {
    await c.until(/^220 /);
    c.socket.write('EHLO client.test\r\n');
    await c.until(/^250 /);
    c.socket.write(`AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}\r\n`);
    await c.until(/^235 /);
    const before = serverWrites.length;
    c.socket.write(`MAIL FROM:<app@${DOMAIN}>\r\nRCPT TO:<a@dest.test>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n`);
    await c.until(/^354 /);
    const group = serverWrites.slice(before);
    assert.equal(group.length, 1, `one write for the group's replies, got ${JSON.stringify(group)}`);
    assert.match(group[0], /^250 2\.1\.0 [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n354 [^\r]*\r\n$/);
    c.socket.write(`From: <app@${DOMAIN}>\r\nSubject: t\r\n\r\nhello\r\n.\r\n`);
    await c.until(/^250 2\.0\.0 Ok: queued as /);
    c.socket.write('QUIT\r\n');
    await c.until(/^221 /);
    // Greeting, EHLO, 235, the group, 250 queued, 221: each its own write (nothing merged, nothing split).
    assert.equal(serverWrites.length, 6, `writes: ${JSON.stringify(serverWrites)}`);
    assert.deepEqual(
      serverWrites.map((w) => w.slice(0, 3)),
      ['220', '250', '235', '250', '250', '221'],
    );
  } finally {
    c.socket.destroy();
  }
});
