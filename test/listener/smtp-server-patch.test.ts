/**
 * smtp-server as patches/smtp-server+3.21.6.patch leaves it, for the per-connection work the patch
 * trims (issue 18): the HELO/EHLO replies, the client and local addresses as the session sees them, the
 * command name read from a line, single-line replies. What a client sees must be what the unpatched
 * library said; these pin it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { openSmtpSession } from '../../src/listener/hand-off.js';

const HOST = '127.0.0.1';

/** A client and the session smtp-server opened for it, with every line the client received. */
interface Pair {
  conn: SMTPConnection;
  lines: string[];
  /** Sends a line and resolves with the lines of the complete reply to it. */
  command(line: string): Promise<string[]>;
  close(): void;
}

async function start(options: SMTPServerOptions, connectOptions: Record<string, unknown> = {}) {
  const smtp = new SMTPServer({ logger: false, earlyTalkerDelay: 0, closeTimeout: 200, disableReverseLookup: true, ...options } as never);
  let last: SMTPConnection | null = null;
  const server = net.createServer((socket) => {
    smtp.connect(socket, connectOptions as never);
    last = [...smtp.connections].find((c) => c._socket === socket) ?? null;
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    async open(): Promise<Pair> {
      const socket = net.connect(port, HOST);
      const lines: string[] = [];
      let buffer = '';
      let waiting: ((reply: string[]) => void) | null = null;
      let reply: string[] = [];
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        buffer += d;
        for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          lines.push(line);
          reply.push(line);
          if (/^\d{3}( |$)/.test(line)) {
            const done = reply;
            reply = [];
            waiting?.(done);
            waiting = null;
          }
        }
      });
      const greeting = new Promise<string[]>((resolve) => (waiting = resolve));
      await once(socket, 'connect');
      await greeting;
      assert.ok(last, 'smtp-server opened a session for the client');
      return {
        conn: last,
        lines,
        command(line) {
          const p = new Promise<string[]>((resolve) => (waiting = resolve));
          socket.write(`${line}\r\n`);
          return p;
        },
        close: () => socket.destroy(),
      };
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

/** Runs `fn` on a new client of `s`, closing the client afterwards. */
async function withClient(s: Awaited<ReturnType<typeof start>>, fn: (c: Pair) => Promise<void>): Promise<void> {
  const c = await s.open();
  try {
    await fn(c);
  } finally {
    c.close();
  }
}

describe('a submission-like server (AUTH, enhanced codes, DSN, no REQUIRETLS)', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start({
      name: 'relay.example',
      banner: 'mailtrail',
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      hideENHANCEDSTATUSCODES: false,
      hideDSN: false,
      hideREQUIRETLS: true,
      size: 1000,
      onAuth: (_auth, _session, cb) => cb(null, { user: 'app' }),
    });
  });
  after(() => s.close());

  test('the greeting, and EHLO: the name line, then the keywords in the library order', () =>
    withClient(s, async (c) => {
      assert.deepEqual(c.lines, ['220 relay.example ESMTP mailtrail']);
      assert.deepEqual(await c.command('EHLO client.test'), [
        '250-relay.example Nice to meet you, [127.0.0.1]',
        '250-PIPELINING',
        '250-8BITMIME',
        '250-SMTPUTF8',
        '250-ENHANCEDSTATUSCODES',
        '250-DSN',
        '250-AUTH PLAIN LOGIN',
        '250-STARTTLS',
        '250 SIZE 1000',
      ]);
      // After AUTH, EHLO no longer offers it.
      assert.deepEqual(await c.command(`AUTH PLAIN ${Buffer.from('\0app\0pw').toString('base64')}`), ['235 2.7.0 Authentication successful']);
      assert.ok(!(await c.command('EHLO client.test')).some((l) => l.includes('AUTH')), 'no AUTH offered once authenticated');
    }));

  test('HELO answers with the name line alone', () =>
    withClient(s, async (c) => {
      assert.deepEqual(await c.command('HELO client.test'), ['250 relay.example Nice to meet you, [127.0.0.1]']);
    }));

  test('the command name is the line up to its first space, in any case; replies carry their enhanced code', () =>
    withClient(s, async (c) => {
      assert.deepEqual(await c.command('noop'), ['250 2.0.0 OK']);
      assert.deepEqual(await c.command('NoOp with arguments'), ['250 2.0.0 OK']);
      assert.deepEqual(await c.command('MAIL FROM:<a@b.test>'), ['503 5.5.1 Error: send HELO/EHLO first']);
      assert.deepEqual(await c.command('EHLO client.test').then((r) => r.at(-1)), '250 SIZE 1000');
      assert.deepEqual(await c.command('MAIL FROM:<a@b.test>'), ['530 5.7.0 Error: authentication Required']);
      assert.deepEqual(await c.command('XYZZY'), ['500 5.5.2 Error: command not recognized']);
      assert.deepEqual(await c.command('GET / HTTP/1.1'), ['421 4.4.2 HTTP requests not allowed']);
    }));

  test('a reply text with a control character is sent on one line, the character replaced by a space', () =>
    withClient(s, async (c) => {
      c.conn.send(250, 'one\r\ntwo', false);
      c.conn.send(250, ['first\nline', 'last'], false);
      assert.deepEqual(await c.command('NOOP'), ['250 one  two']);
      // (The NOOP's own reply follows the two sent above.)
      for (let i = 0; i < 50 && c.lines.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(c.lines.slice(1), ['250 one  two', '250-first line', '250 last', '250 2.0.0 OK']);
    }));
});

test('a custom heloResponse still fills its two %s with the name and the client hostname', async () => {
  const s = await start({ name: 'relay.example', authOptional: true, disabledCommands: ['STARTTLS'], heloResponse: 'hi %s, you are %s; %s' } as never);
  const c = await s.open();
  try {
    assert.deepEqual(await c.command('HELO client.test'), ['250 hi relay.example, you are [127.0.0.1]; ']);
    assert.deepEqual((await c.command('EHLO client.test'))[0], '250-hi relay.example, you are [127.0.0.1]; ');
  } finally {
    c.close();
    await s.close();
  }
});

test('hidden keywords stay hidden', async () => {
  const s = await start({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], hidePIPELINING: true, hide8BITMIME: true, hideSMTPUTF8: true } as never);
  const c = await s.open();
  try {
    const reply = await c.command('EHLO client.test');
    assert.deepEqual(reply.slice(1), []);
    assert.match(reply[0], /^250 .+ Nice to meet you, \[127\.0\.0\.1\]$/);
  } finally {
    c.close();
    await s.close();
  }
});

describe('client and local addresses as the session records them', () => {
  const cases: [given: string, recorded: string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['  10.1.2.3 ', '10.1.2.3'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:192.0.2.7', '192.0.2.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::1', '::1'],
  ];
  for (const [given, recorded] of cases) {
    test(`${JSON.stringify(given)} → ${recorded}`, async () => {
      const s = await start({ authOptional: true, disabledCommands: ['STARTTLS'] } as never, { remoteAddress: given, localAddress: given });
      const c = await s.open();
      try {
        assert.equal(c.conn.remoteAddress, recorded);
        assert.equal(c.conn.localAddress, recorded);
        assert.equal(c.conn.session.remoteAddress, recorded);
      } finally {
        c.close();
        await s.close();
      }
    });
  }
});

test('openSmtpSession still finds the session the patched constructor made', async () => {
  const smtp = new SMTPServer({ logger: false, authOptional: true, disabledCommands: ['STARTTLS'], earlyTalkerDelay: 0, closeTimeout: 200 } as never);
  const server = net.createServer((socket) => {
    const conn = openSmtpSession(smtp, socket, { address: HOST, port: 25 });
    socket.write(`${conn?.localAddress} ${conn?.localPort}\r\n`);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, HOST);
  try {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    assert.match(chunk.toString(), /^127\.0\.0\.1 25\r\n/);
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});

test('earlyTalkerDelay 0: nothing is written while the code that handed the socket over runs; the greeting goes before the next turn of the event loop', async () => {
  const smtp = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    earlyTalkerDelay: 0,
    disableReverseLookup: true,
    closeTimeout: 200,
    onConnect: (_session: unknown, cb: () => void) => cb(),
  } as never);
  const seen: { duringHandOver: number; nextTurn: number }[] = [];
  const server = net.createServer((socket) => {
    // Queued before the hand-over: runs at the next turn of the loop, after any tick callbacks.
    const record = { duringHandOver: -1, nextTurn: -1 };
    setImmediate(() => {
      record.nextTurn = socket.bytesWritten;
      seen.push(record);
    });
    smtp.connect(socket, {} as never);
    record.duringHandOver = socket.bytesWritten;
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, HOST);
  try {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    assert.match(chunk.toString(), /^220 /);
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.length, 1, 'the hand-over was observed');
    assert.equal(seen[0].duringHandOver, 0, 'no byte written before connect() returned');
    assert.ok(seen[0].nextTurn > 0, `the greeting was written before the next turn (${seen[0].nextTurn} bytes)`);
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});
