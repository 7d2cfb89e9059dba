/**
 * A receiving MTA that counts, for tests where relays die or compete (kill -9 chaos, several relays on
 * one database): every copy of every Message-ID it received, when, and from which relay (the EHLO name
 * the relay gave: `hostname` in its config), and how many connections and transactions were open at once.
 *
 * A copy is counted at the final dot, before the reply: a real MTA has the message (and will deliver it)
 * once it has the dot, whether or not the sender stays to read the reply. A sender killed while waiting
 * for it has delivered the message and does not know: the next attempt is a duplicate, which is what the
 * tests count. The reply comes after `replyDelayMs()` (default 0–20 ms), the window such a kill falls in.
 *
 * Usage:
 *   const mta = await startCountingMta({ host: '127.0.13.2' });   // port 25
 *   … deliver …
 *   mta.copies.get('id@app.test');   // 1
 *   await mta.stop();
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedCopy {
  /** The Message-ID header without <> ('?' when there was none). */
  id: string;
  /** When the final dot arrived (ms). */
  at: number;
  /** The sender's EHLO name. */
  ehlo: string;
}

export interface CountingMta {
  /** Message-ID → copies received. */
  readonly copies: Map<string, number>;
  /** Every copy, in order of arrival. */
  readonly received: ReceivedCopy[];
  /** Connections open now, and the most open at once so far. */
  open(): number;
  most(): number;
  /** Transactions under way now (from MAIL FROM to the reply to the final dot), of one sender or all. */
  inFlight(ehlo?: string): number;
  stop(): Promise<void>;
}

export async function startCountingMta(opts: { host: string; port?: number; replyDelayMs?: () => number }): Promise<CountingMta> {
  const replyDelayMs = opts.replyDelayMs ?? (() => Math.floor(Math.random() * 20));
  const copies = new Map<string, number>();
  const received: ReceivedCopy[] = [];
  const inFlight = new Map<string, number>();
  const add = (ehlo: string, n: number) => inFlight.set(ehlo, (inFlight.get(ehlo) ?? 0) + n);
  /** Sessions between MAIL FROM and the reply to their final dot. */
  const mid = new WeakSet<object>();
  const end = (session: SMTPServerSession) => {
    if (mid.delete(session)) add(session.hostNameAppearsAs, -1);
  };
  let open = 0;
  let most = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onConnect(_session, cb) {
      most = Math.max(most, ++open);
      cb();
    },
    onClose(session) {
      open--;
      end(session); // a sender that went away mid-transaction leaves nothing in flight
    },
    onMailFrom(_address, session, cb) {
      if (!mid.has(session)) add(session.hostNameAppearsAs, 1);
      mid.add(session);
      cb();
    },
    onData(stream, session, cb) {
      let head = '';
      stream.on('data', (d: Buffer) => {
        if (head.length < 4096) head += d.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1] ?? '?';
        copies.set(id, (copies.get(id) ?? 0) + 1);
        received.push({ id, at: Date.now(), ehlo: session.hostNameAppearsAs });
        setTimeout(() => {
          end(session);
          cb(null, 'ok');
        }, replyDelayMs());
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(opts.port ?? 25, opts.host, () => resolve()));
  return {
    copies,
    received,
    open: () => open,
    most: () => most,
    inFlight: (ehlo) => (ehlo === undefined ? [...inFlight.values()].reduce((a, b) => a + b, 0) : (inFlight.get(ehlo) ?? 0)),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
