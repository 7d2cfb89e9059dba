/**
 * Shared setup for the inbound tests: a temp SQLite store, messages enqueued the way intake does,
 * a config with a bounce domain, and a raw-socket SMTP client that shows every reply exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { InboundProcessor, type ProcessorOptions } from '../../src/bounces/processor.js';
import type { ParseResult } from '../../src/bounces/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { EnqueuedMessage } from '../../src/store/store.js';
import type { RecipientState } from '../../src/types.js';
import { newMessage, uniqueQueueId } from '../helpers/new-message.js';

export const SECRET = 'test-verp-secret-0123456789';
export const BOUNCE_DOMAIN = 'bounces.test';

export interface TempStore {
  dir: string;
  dbPath: string;
  store: SqliteStore;
  cleanup(): Promise<void>;
}

export function tempStore(prefix = 'mailtrail-inbound-'): TempStore {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const dbPath = path.join(dir, 'mailtrail.db');
  const store = openSqliteStore({ path: dbPath, synchronous: 'FULL', busyTimeoutMs: 2000 });
  return {
    dir,
    dbPath,
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function testConfig(dbPath: string, bounces: Record<string, unknown> = {}): Config {
  return parseConfig({
    hostname: 'mailtrail.test',
    database: { path: dbPath },
    log: { level: 'silent' },
    delivery: { bounce_domains: { '*': BOUNCE_DOMAIN } },
    bounces: { enabled: true, verp_secret: SECRET, listener: { host: '127.0.2.1', port: 0 }, ...bounces },
  });
}

export async function enqueue(
  store: SqliteStore,
  opts: { recipients: string[]; messageId?: string; queueId?: string; createdAt?: number },
): Promise<EnqueuedMessage> {
  const queueId = opts.queueId ?? uniqueQueueId();
  const messageId = opts.messageId ?? `${queueId.toLowerCase()}@app.test`;
  const raw = `From: app@app.test\r\nTo: ${opts.recipients.join(', ')}\r\nMessage-ID: <${messageId}>\r\nSubject: hello\r\n\r\nhello\r\n`;
  return store.messages.enqueue(newMessage({ queueId, messageId, mailFrom: 'app@app.test', createdAt: opts.createdAt, raw, recipients: opts.recipients }));
}

/** Puts a recipient in a state directly: the queue's own transitions are tested in test/queue. */
export function setState(store: SqliteStore, recipientId: number, state: RecipientState, at = Date.now()): void {
  store.db.prepare('UPDATE recipients SET state = ?, next_attempt_at = NULL, updated_at = ? WHERE id = ?').run(state, at, recipientId);
}

export function stateOf(store: SqliteStore, recipientId: number): RecipientState {
  return store.db.prepare('SELECT state FROM recipients WHERE id = ?').pluck().get(recipientId) as RecipientState;
}

export interface SmtpReply {
  code: number;
  text: string;
}

/**
 * A scripted SMTP client on a raw socket. Each step is a command line (CRLF added) or raw bytes; after
 * each step one reply is read. `DATA` steps are followed by a Buffer step holding the message, which is
 * sent with dot-stuffing and the final dot, or by `{ stuffed }`: bytes already dot-stuffed and ended
 * (see `dataBytes`), sent as they are.
 */
export async function smtp(
  port: number,
  host: string,
  steps: (string | Buffer | { stuffed: Buffer })[],
  timeoutMs = 5000,
  localAddress?: string,
): Promise<SmtpReply[]> {
  const socket = net.connect({ port, host, localAddress });
  socket.setTimeout(timeoutMs);
  let buffered = '';
  const waiters: Array<() => void> = [];
  let closed = false;
  socket.on('data', (d) => {
    buffered += d.toString('latin1');
    waiters.splice(0).forEach((w) => w());
  });
  const onEnd = () => {
    closed = true;
    waiters.splice(0).forEach((w) => w());
  };
  socket.on('close', onEnd);
  socket.on('error', onEnd);
  socket.on('timeout', () => socket.destroy(new Error('timeout')));

  async function readReply(): Promise<SmtpReply> {
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3}) ([^\n]*)\n/.exec(buffered);
      if (m) {
        buffered = buffered.slice(m[0].length);
        const text = m[0].replace(/^\d{3}[ -]/gm, '').trim();
        return { code: Number(m[1]), text: text.replace(/\r/g, '') };
      }
      if (closed) throw new Error(`connection closed; unread: ${JSON.stringify(buffered)}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  }

  const replies: SmtpReply[] = [];
  try {
    replies.push(await readReply());
    for (const step of steps) {
      if (typeof step === 'string') socket.write(step + '\r\n');
      else if (Buffer.isBuffer(step)) socket.write(dataBytes(step));
      else socket.write(step.stuffed);
      replies.push(await readReply());
    }
  } finally {
    socket.end();
    socket.destroy();
  }
  return replies;
}

/** A message as DATA sends it: dot-stuffed, CRLF line endings, and the final dot. */
export function dataBytes(b: Buffer): Buffer {
  return Buffer.concat([dotStuff(b), Buffer.from('\r\n.\r\n')]);
}

function dotStuff(b: Buffer): Buffer {
  const s = b.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '');
  return Buffer.from(s.replace(/^\./gm, '..'), 'latin1');
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A processor whose parser reads the parse result from the stored mail itself (the body is the
 * ParseResult as JSON), so a test pins the processor's own decisions.
 */
export function jsonProcessor(store: SqliteStore, over: Partial<ProcessorOptions> = {}): InboundProcessor {
  return new InboundProcessor({
    store,
    logger: silentLogger(),
    parse: async (raw) => JSON.parse(raw.toString('utf8')) as ParseResult,
    verpSecret: null,
    correlationWindowMs: 60_000,
    limits: { maxParts: 100, maxDepth: 10 },
    ...over,
  });
}

/** A bounce's parse as the raw mail jsonProcessor reads: a report with the given fields over empty defaults. */
export function reportJson(over: Partial<ParseResult>): Buffer {
  return Buffer.from(
    JSON.stringify({
      kind: 'bounce',
      format: 'rfc3464',
      recipients: [],
      original_message_id: null,
      envelope_id: null,
      reporting_mta: 'mx.report.test',
      feedback_type: null,
      ...over,
    }),
  );
}
