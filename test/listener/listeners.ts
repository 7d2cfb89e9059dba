/**
 * The two SMTP listeners as the tests of their shared front door see them: a submission harness
 * (test/submission/harness.ts) and a bounce listener on its own store, each with the JSON log lines it
 * wrote and a way to run a normal client against it.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { createInboundListener } from '../../src/bounces/listener.js';
import { smtp, tempStore, testConfig, BOUNCE_DOMAIN } from '../bounces/support.js';
import { loggedIn, message, RawClient, send, startHarness } from '../submission/harness.js';
import { schemaLogger } from '../../src/log/logger.js';

export const BOUNCE_HOST = '127.0.2.1';

export interface BounceListener {
  port: number;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startBounceListener(bounces: Record<string, unknown> = {}): Promise<BounceListener> {
  const t = tempStore();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const listener = createInboundListener({
    config: testConfig(t.dbPath, { pregreet_wait_ms: 0, ...bounces }),
    store: t.store,
    logger: schemaLogger(pino({ level: 'debug' }, sink)),
    closeTimeoutMs: 200,
  });
  const { port } = await listener.listen();
  return {
    port,
    logs,
    async close() {
      await listener.close();
      await t.cleanup();
    },
  };
}

/** A DSN to postmaster@ from a normal sender, from `localAddress`: the stored reply, or what came instead. */
export async function sendBounce(port: number, localAddress?: string): Promise<string> {
  try {
    const replies = await smtp(
      port,
      BOUNCE_HOST,
      [
        'EHLO mx.remote.test',
        'MAIL FROM:<>',
        `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`,
        'DATA',
        Buffer.from('Subject: Undelivered Mail\r\n\r\nhello\r\n'),
        'QUIT',
      ],
      5000,
      localAddress,
    );
    return replies.map((r) => `${r.code} ${r.text}`).join(' | ');
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** A message submitted by a normal app on `port` (cleartext AUTH must be allowed): the final reply. */
export async function submitOne(port: number, id: string, localAddress?: string): Promise<string> {
  const c = localAddress ? await RawClient.connect(port, { localAddress }) : await loggedIn(port);
  try {
    if (localAddress) {
      const greeting = await c.read();
      if (greeting?.code !== 220) return greeting?.text ?? 'closed before the greeting';
      const auth = await c.login();
      if (auth?.code !== 235) return auth?.text ?? 'closed at AUTH';
    }
    const r = await send(c, message(id));
    return r?.text ?? 'closed';
  } finally {
    c.destroy();
  }
}

export { startHarness };
