/**
 * Shared setup for the webhook tests: a real HTTP receiver on loopback that checks every signature the way
 * the README tells receivers to (HMAC-SHA256 over "<timestamp>.<raw body>", written out here rather than
 * imported, so the test checks the documented algorithm and not the code against itself), and helpers
 * that put delivery events in the timeline the way the queue and the bounce processor do.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { EventRecord, NewEvent } from '../../src/types.js';
import { createWebhooks, type Webhooks } from '../../src/webhooks/dispatcher.js';
import { enqueue } from '../bounces/support.js';

export const SECRET = 'webhook-test-secret-0123456789';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The signature matched the body and timestamp (documented algorithm, 5-minute window). */
  verified: boolean;
  json: Record<string, unknown>;
}

/** What the receiver answers: a status, 'hang' (never answers; the client times out or aborts), or 'slow' (200 after 300 ms). */
export type Reply = number | 'hang' | 'slow';

export interface Receiver {
  url: string;
  received: Received[];
  /** Replies used in order; after the last, `fallback`. */
  replies: Reply[];
  fallback: Reply;
  /** Headers added to every reply (Retry-After…). */
  headers?: Record<string, string>;
  /** When set, decides the reply from the request (undefined: the sequence above). */
  decide?: (r: Received) => Reply | undefined;
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export function verifyDocumented(secret: string, timestamp: string | undefined, signature: string | undefined, body: string): boolean {
  if (!timestamp || !signature || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  const given = signature.replace(/^v1=/, '');
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export async function startReceiver(host: string, secret = SECRET): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver: Receiver = { url: '', received, replies: [], fallback: 200, waitFor: () => Promise.resolve(), close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifyDocumented(
        secret,
        req.headers['x-mailtrail-timestamp'] as string | undefined,
        req.headers['x-mailtrail-signature'] as string | undefined,
        body,
      );
      received.push({ path: req.url ?? '', headers: req.headers, body, verified, json: JSON.parse(body) as Record<string, unknown> });
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const reply = receiver.decide?.(received[received.length - 1]) ?? receiver.replies.shift() ?? receiver.fallback;
      if (reply === 'hang') return;
      if (reply === 'slow') {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain', ...receiver.headers }).end('ok'), 300);
        return;
      }
      res.writeHead(reply, { 'content-type': 'text/plain', ...receiver.headers }).end(reply >= 300 ? `receiver says ${reply}` : 'ok');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://${host}:${port}/hooks`;
  receiver.waitFor = (n) => (received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A config with these endpoints (fields not given take the endpoint defaults) and fast, jitter-free retries. */
export function webhookConfig(dbPath: string, endpoints: Record<string, unknown>[], webhooks: Record<string, unknown> = {}): Config {
  return parseConfig({
    database: { path: dbPath },
    log: { level: 'silent' },
    webhooks: { endpoints: endpoints.map((e) => ({ secret: SECRET, ...e })), retry: { min_delay_ms: 1_000, max_delay_ms: 8_000, jitter: 0 }, ...webhooks },
  });
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

export function dispatcher(config: Config, store: SqliteStore, clock: { now(): number }): Webhooks {
  return createWebhooks({ config, store, logger: silentLogger(), clock, random: () => 0.5, stopGraceMs: 1_000 });
}

let seq = 0;

/** A message with one recipient, and a function that appends events about that recipient. */
export async function messageFor(store: SqliteStore, address: string) {
  seq++;
  const { message, recipients } = await enqueue(store, { recipients: [address], queueId: `QWH${seq}${Date.now().toString(36)}`.toUpperCase() });
  return {
    message,
    recipient: recipients[0],
    add: (kind: NewEvent['kind'], fields: Partial<NewEvent> = {}): Promise<EventRecord> =>
      store.events.append({ at: Date.now(), messageRowId: message.id, recipientId: recipients[0].id, kind, ...fields }),
  };
}
