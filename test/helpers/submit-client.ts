/**
 * An application submitting mail as fast as the relay answers, for load tests where relays are killed:
 * one connection at a time (AUTH PLAIN in clear text, so the relay must allow it), one message after
 * another, each with a new Message-ID, and every Message-ID answered `250` recorded — what the relay has
 * promised to deliver. When a connection fails it moves to the next server (an application that knows
 * several relays; with one server, it reconnects to it) and goes on with a new message: one that got no
 * reply is not acknowledged, so it is not in `acked`, whether or not the relay had committed it.
 *
 * Usage (several in parallel):
 *   const acked = new Set<string>();
 *   let running = true;
 *   const clients = [0, 1, 2].map((n) => submitClient({ servers: [a, b], user: 'app', password, from: 'app@app.test',
 *     to: 'rcpt@dest.test', id: (seq) => `m-${n}-${seq}@app.test`, acked, running: () => running }));
 *   …
 *   running = false;
 *   await Promise.all(clients);
 */
import net from 'node:net';

export interface SubmitClientOptions {
  /** Where to submit: the first server, then the next one each time a connection fails. */
  servers: { host: string; port: number }[];
  user: string;
  password: string;
  from: string;
  to: string;
  /** The Message-ID (without <>) of this client's `seq`-th message (1, 2, …). */
  id(seq: number): string;
  /** Messages answered 250 are added here. */
  acked: Set<string>;
  /** Goes on while this is true. */
  running(): boolean;
  /** Waited after a failed connection before the next (default 50 ms). */
  retryMs?: number;
}

export async function submitClient(o: SubmitClientOptions): Promise<void> {
  let seq = 0;
  let server = 0;
  while (o.running()) {
    const socket = net.connect(o.servers[server % o.servers.length]!);
    socket.on('error', () => {});
    let buffer = '';
    const replies: ((line: string) => void)[] = [];
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (/^\d{3} /.test(line)) replies.shift()?.(line);
      }
    });
    const closed = new Promise<string>((r) => socket.once('close', () => r('closed')));
    const next = () => Promise.race([new Promise<string>((r) => replies.push(r)), closed]);
    const say = (line: string) => {
      const reply = next();
      socket.write(line);
      return reply;
    };
    try {
      if (!(await next()).startsWith('220')) throw new Error('no greeting');
      await say('EHLO app.test\r\n');
      if (!(await say(`AUTH PLAIN ${Buffer.from(`\0${o.user}\0${o.password}`).toString('base64')}\r\n`)).startsWith('235')) throw new Error('auth');
      while (o.running()) {
        const id = o.id(++seq);
        await say(`MAIL FROM:<${o.from}>\r\n`);
        await say(`RCPT TO:<${o.to}>\r\n`);
        if (!(await say('DATA\r\n')).startsWith('354')) throw new Error('data');
        const reply = await say(`From: ${o.from}\r\nTo: ${o.to}\r\nMessage-ID: <${id}>\r\nSubject: load\r\n\r\nbody\r\n.\r\n`);
        if (reply.startsWith('250')) o.acked.add(id);
        else if (reply === 'closed' || reply.startsWith('421')) throw new Error(reply);
      }
      socket.end('QUIT\r\n');
    } catch {
      socket.destroy();
      server++;
      await new Promise((r) => setTimeout(r, o.retryMs ?? 50));
    }
  }
}
