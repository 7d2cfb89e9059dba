/**
 * A real submission listener on 127.0.0.1 ephemeral ports over a real SQLite file, a user to log
 * in as, the JSON log lines it wrote, and a raw SMTP client for protocol abuse that nodemailer
 * would never commit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import pino from 'pino';
import { hashPassword } from '../../src/auth/password.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Intake } from '../../src/intake/intake.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { startSubmission, type Submission, type SubmissionDeps } from '../../src/submission/listener.js';
import { sqliteSettings } from '../../src/config/database.js';
import { schemaLogger } from '../../src/log/logger.js';

export const USER = 'app';
export const PASSWORD = 'correct horse battery staple';
export const DOMAIN = 'example.com';

export interface Harness {
  dir: string;
  config: Config;
  store: SqliteStore;
  submission: Submission;
  logs: Record<string, unknown>[];
  starttlsPort: number;
  implicitPort: number;
  close(): Promise<void>;
}

let passwordHash: Promise<string> | null = null;

export async function startHarness(
  overrides: {
    submission?: Record<string, unknown>;
    limits?: Record<string, unknown>;
    intake?: (store: SqliteStore) => Intake;
    /** Passed to startSubmission: a clock, a counted password check, a smaller table of user names. */
    deps?: Pick<SubmissionDeps, 'now' | 'verifyPassword' | 'authUserNames' | 'refusals'>;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-sub-'));
  const config = parseConfig({
    hostname: 'relay.test',
    database: { path: path.join(dir, 'mailtrail.db'), busy_timeout_ms: 200 },
    submission: {
      starttls: { host: '127.0.0.1', port: 0 },
      implicit_tls: { host: '127.0.0.1', port: 0 },
      cleartext_auth: 'never',
      ...overrides.submission,
      limits: { auth_failure_delay_ms: 0, ...overrides.limits },
    },
  });
  const store = openSqliteStore({ path: sqliteSettings(config.database).path, synchronous: 'FULL', busyTimeoutMs: 200 });
  passwordHash ??= hashPassword(PASSWORD);
  await store.users.add({ name: USER, passwordHash: await passwordHash, senderDomains: [DOMAIN], createdAt: Date.now() });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const logger = schemaLogger(pino({ level: 'info' }, sink));
  const submission = await startSubmission({ config, store, logger, intake: overrides.intake?.(store), closeTimeoutMs: 500, ...overrides.deps });
  return {
    dir,
    config,
    store,
    submission,
    logs,
    starttlsPort: submission.addresses.starttls?.port ?? 0,
    implicitPort: submission.addresses.implicitTls?.port ?? 0,
    async close() {
      await submission.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  code: number;
  lines: string[];
  /** All lines joined, codes included. */
  text: string;
}

/** A line-level SMTP client: it writes exactly the bytes it is given. */
export class RawClient {
  private buffer = '';
  private replies: Reply[] = [];
  private waiters: ((r: Reply | null) => void)[] = [];
  closed = false;

  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket | tls.TLSSocket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
    socket.on('error', () => {});
  }

  /** `host` defaults to 127.0.0.1; `localAddress` picks the client's address (another 127.x.y.z is another client). */
  static async connect(port: number, opts: { implicitTls?: boolean; host?: string; localAddress?: string } = {}): Promise<RawClient> {
    const where = { host: opts.host ?? '127.0.0.1', port, localAddress: opts.localAddress };
    const socket = opts.implicitTls ? tls.connect({ ...where, rejectUnauthorized: false }) : net.connect(where);
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.implicitTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /**
   * A client behind a PROXY-protocol balancer: connects from `localAddress` (the balancer's address), sends
   * `header` (a PROXY line, CRLF included, or any bytes) first, then, on an implicit-TLS port, starts TLS.
   */
  static async proxied(port: number, header: string, opts: { implicitTls?: boolean; localAddress: string; host?: string }): Promise<RawClient> {
    const raw = net.connect({ host: opts.host ?? '127.0.0.1', port, localAddress: opts.localAddress });
    await new Promise<void>((resolve, reject) => {
      raw.once('connect', () => resolve());
      raw.once('error', reject);
    });
    raw.write(Buffer.from(header, 'latin1'));
    if (!opts.implicitTls) return new RawClient(raw);
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    return new RawClient(secure);
  }

  private onData(d: string) {
    this.buffer += d;
    let idx: number;
    let lines: string[] = [];
    while ((idx = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      lines.push(line);
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines, text: lines.join('\n') };
        lines = [];
        const w = this.waiters.shift();
        if (w) w(reply);
        else this.replies.push(reply);
      }
    }
    if (lines.length) this.buffer = lines.map((l) => l + '\r\n').join('') + this.buffer;
  }

  /** The next reply; null when the server closed the connection first. */
  read(timeoutMs = 5000): Promise<Reply | null> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SMTP reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  write(data: string | Buffer) {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async command(line: string): Promise<Reply | null> {
    this.write(line + '\r\n');
    return this.read();
  }

  async startTls(): Promise<void> {
    const r = await this.command('STARTTLS');
    if (r?.code !== 220) throw new Error(`STARTTLS refused: ${r?.text}`);
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  /** EHLO and AUTH PLAIN; returns the AUTH reply. */
  async login(user = USER, password = PASSWORD): Promise<Reply | null> {
    await this.command('EHLO client.test');
    return this.command('AUTH PLAIN ' + Buffer.from(`\0${user}\0${password}`).toString('base64'));
  }

  /** Resolves once the server has closed the connection (or after timeoutMs, false). */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Greeting read, EHLO, AUTH: a client ready for MAIL FROM (cleartext_auth must allow it). */
export async function loggedIn(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const greeting = await c.read();
  if (greeting?.code !== 220) throw new Error(`greeting: ${greeting?.text}`);
  const auth = await c.login();
  if (auth?.code !== 235) throw new Error(`AUTH: ${auth?.text}`);
  return c;
}

export function message(id: string, body = 'Hello.\r\n', extraHeaders = ''): string {
  return `From: <app@${DOMAIN}>\r\nTo: <rcpt@dest.test>\r\nSubject: test\r\nMessage-ID: <${id}>\r\n${extraHeaders}\r\n${body}`;
}

/** MAIL, RCPT, DATA and the message (dot-stuffing is the caller's business); returns the final reply. */
export async function send(c: RawClient, data: string, from = `app@${DOMAIN}`, rcpts = ['rcpt@dest.test']): Promise<Reply | null> {
  const mail = await c.command(`MAIL FROM:<${from}>`);
  if (mail?.code !== 250) return mail;
  for (const r of rcpts) {
    const reply = await c.command(`RCPT TO:<${r}>`);
    if (reply?.code !== 250) return reply;
  }
  const d = await c.command('DATA');
  if (d?.code !== 354) return d;
  c.write(data.endsWith('\r\n') ? data + '.\r\n' : data + '\r\n.\r\n');
  return c.read();
}

export async function storedMessages(store: SqliteStore) {
  const rows = store.db.prepare('SELECT id FROM messages ORDER BY id').all() as { id: number }[];
  return Promise.all(
    rows.map(async ({ id }) => ({
      message: (await store.messages.getById(id))!,
      raw: (await store.messages.content(id))!,
      recipients: await store.messages.recipients(id),
    })),
  );
}
