import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { openSmtpSession } from '../../src/listener/hand-off.js';

const HOST = '127.0.0.1';

/** A TCP listener that hands each accepted socket to `onSocket`, and a way to connect clients to it. */
async function frontDoor(onSocket: (socket: net.Socket) => void) {
  const server = net.createServer(onSocket);
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    async client(): Promise<{ socket: net.Socket; greeting: string }> {
      const socket = net.connect(port, HOST);
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      return { socket, greeting: chunk.toString() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('each handed-over socket gets its own session, found among the ones already open; closed ones leave the set', async () => {
  const smtp = new SMTPServer({ logger: false, authOptional: true, disabledCommands: ['STARTTLS'], earlyTalkerDelay: 0, closeTimeout: 200 } as never);
  const opened: { socket: net.Socket; conn: ReturnType<typeof openSmtpSession> }[] = [];
  const door = await frontDoor((socket) => opened.push({ socket, conn: openSmtpSession(smtp, socket) }));
  try {
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await door.client());
    assert.equal(opened.length, 5);
    for (const { socket, conn } of opened) {
      assert.ok(conn, 'a session for every socket');
      assert.equal(conn._socket, socket);
    }
    assert.equal(new Set(opened.map((o) => o.conn)).size, 5, 'five distinct sessions');
    assert.equal(smtp.connections.size, 5);
    // Every client was greeted by the session it was handed to.
    for (const c of clients) assert.match(c.greeting, /^220 /);

    // A session that ends leaves smtp-server's set (the set we swapped in still behaves as its own).
    const first = clients[0].socket;
    first.write('QUIT\r\n');
    await once(first, 'close');
    const open = (): number => smtp.connections.size;
    for (let i = 0; i < 50 && open() !== 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(smtp.connections.size, 4);
    assert.ok(!smtp.connections.has(opened[0].conn!));

    // A later socket is still found, with others open.
    const late = await door.client();
    assert.equal(opened.length, 6);
    assert.equal(opened[5].conn?._socket, opened[5].socket);
    assert.equal(smtp.connections.size, 5);
    for (const c of [...clients.slice(1), late]) c.socket.destroy();
  } finally {
    await door.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});

test("closing every session while walking the swapped set, as smtp-server's close does, reaches each one", async () => {
  const smtp = new SMTPServer({ logger: false, authOptional: true, disabledCommands: ['STARTTLS'], earlyTalkerDelay: 0, closeTimeout: 200 } as never);
  const door = await frontDoor((socket) => openSmtpSession(smtp, socket));
  try {
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(await door.client());
    assert.equal(smtp.connections.size, 4);
    const closed = clients.map(({ socket }) => once(socket, 'close'));
    // smtp-server's close() after its grace: each connection's close() takes it out of the set during the walk.
    let walked = 0;
    smtp.connections.forEach((conn) => {
      walked++;
      conn.close();
    });
    assert.equal(walked, 4, 'every session was walked');
    assert.equal(smtp.connections.size, 0, 'none left in the set');
    await Promise.all(closed);
  } finally {
    await door.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});
