/**
 * A small SMTP client: one socket, one reply per command, every reply returned whole (code, every
 * line, enhanced status) so that delivery can record each phase.
 *
 * Why not nodemailer's SMTPConnection: its `send()` drives the whole envelope and reports only the
 * accepted/rejected lists and the last response; the greeting, each MAIL/RCPT/DATA reply with its
 * latency, per-recipient NOTIFY/ORCPT and "4xx at EHLO → next MX" are not reachable without its
 * private fields. The body leaves as its DataStream would send it (dot-stuffing, bare CR/LF → CRLF,
 * closing `.`; src/message/dot-stuffing.ts, tested against it byte for byte), never as raw stored bytes.
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import tls from 'node:tls';
import { dotStuffed } from '../message/dot-stuffing.js';

/** A body is written in blocks of this size, so that each block's leaving shows progress (sendData). */
const BLOCK_BYTES = 64 * 1024;
/** The longest timer Node keeps: a reply read on the caller's own clocks (sendData). */
const NO_DEADLINE_MS = 2 ** 31 - 1;

/** The pieces in blocks of about BLOCK_BYTES (a small message, closing line included, is one block). */
function inBlocks(pieces: Buffer[]): Buffer[][] {
  const blocks: Buffer[][] = [];
  let block: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    // A piece over a block is cut; one at most a block goes whole (an empty one too).
    for (let at = 0; at === 0 || at < piece.length; at += BLOCK_BYTES) {
      const part = piece.length <= BLOCK_BYTES ? piece : piece.subarray(at, at + BLOCK_BYTES);
      block.push(part);
      size += part.length;
      if (size >= BLOCK_BYTES) {
        blocks.push(block);
        block = [];
        size = 0;
      }
    }
  }
  if (block.length) blocks.push(block);
  return blocks;
}

export interface SmtpReply {
  code: number;
  /** Reply lines without the `NNN-`/`NNN ` prefixes. */
  lines: string[];
  /** Lines joined with '\n' (the enhanced status, when given, stays in the text). */
  text: string;
  /** RFC 3463 status from the first line, when its class matches the code's. */
  enhanced: string | null;
}

/** A failure without a reply: network, timeout, TLS. `code` is ECONNREFUSED, ETIMEDOUT, ECONNRESET, ETLS, EPROTOCOL… */
export class SmtpNetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For a failed TLS handshake: OpenSSL's/Node's code (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID…). */
    readonly tlsCode: string | null = null,
  ) {
    super(message);
    this.name = 'SmtpNetworkError';
  }
}

/** A reply line longer than this is not SMTP (RFC 5321 §4.5.3.1.5 allows 512 octets; servers exceed it a little). */
const MAX_LINE_BYTES = 64 * 1024;
/**
 * A whole reply, all its lines: the longest EHLO answers are a few kilobytes. Without a bound a server
 * sending `250-` lines without end would grow one reply until the delivery thread ran out of memory.
 */
const MAX_REPLY_BYTES = 256 * 1024;

export function parseEnhanced(code: number, text: string): string | null {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/.exec(text);
  return m && Number(m[1]) === Math.floor(code / 100) ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

export interface ConnectOptions {
  ip: string;
  port: number;
  timeoutMs: number;
  /** Implicit TLS (port 465 style), for smarthosts only. */
  implicitTls?: tls.ConnectionOptions;
  signal?: AbortSignal;
}

export class SmtpClient {
  private socket: net.Socket;
  private buffer = '';
  private lines: string[] = [];
  private waiting: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void } | null = null;
  private queued: SmtpReply[] = [];
  /** Bytes of the reply being read (its lines so far). */
  private replyBytes = 0;
  /** Replies the server owes us: the greeting, then one per command written and one per message sent. */
  private owed = 1;
  private failure: SmtpNetworkError | null = null;
  /** Messages sent over this connection (for max_messages_per_connection). */
  messages = 0;
  /** The message has been sent and the server's reply to it is awaited: cutting now leaves the outcome unknown. */
  awaitingFinalReply = false;
  /** The last sendData handed its closing dot over: a failure after that may have left the message delivered. */
  dotSent = false;
  tls: { protocol: string | null; cipher: string | null; authorized: boolean; authorizationError: string | null } | null = null;
  /** Upper-cased EHLO keywords with their parameters (`SIZE` → '52428800'). */
  extensions = new Map<string, string>();
  private closedCallbacks: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  static connect(options: ConnectOptions): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = () => fail(new SmtpNetworkError('EABORTED', 'delivery was aborted (shutdown)'));
      const fail = (err: SmtpNetworkError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(err);
      };
      const socket = options.implicitTls
        ? tls.connect({ ...options.implicitTls, host: options.ip, port: options.port })
        : net.connect({ host: options.ip, port: options.port });
      // No Nagle: commands are batched by corking already, and Nagle holding the last segment of the
      // body until the server's delayed ACK (40 ms on Linux) made every DATA phase wait for it.
      socket.setNoDelay(true);
      const timer = setTimeout(
        () => fail(new SmtpNetworkError('ETIMEDOUT', `no connection to ${options.ip}:${options.port} within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (err: NodeJS.ErrnoException) => fail(networkError(err)));
      socket.once(options.implicitTls ? 'secureConnect' : 'connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        const client = new SmtpClient(socket);
        if (socket instanceof tls.TLSSocket) client.tls = tlsInfo(socket);
        resolve(client);
      });
    });
  }

  get closed(): boolean {
    return this.failure !== null || this.socket.destroyed;
  }

  get remoteIp(): string | null {
    return this.socket.remoteAddress ?? null;
  }

  /** Our side's address (the sending-mta-ip of a TLS report). */
  get localIp(): string | null {
    return this.socket.localAddress ?? null;
  }

  /** Waits for the next reply (the greeting, or the reply to something already written). */
  readReply(timeoutMs: number): Promise<SmtpReply> {
    const ready = this.queued.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.destroy(new SmtpNetworkError('ETIMEDOUT', `no reply within ${timeoutMs} ms`));
        reject(this.failure);
      }, timeoutMs);
      this.waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Writes one command line and waits for its reply. */
  async command(line: string, timeoutMs: number): Promise<SmtpReply> {
    this.write(line);
    return this.readReply(timeoutMs);
  }

  /** Writes a command without waiting (PIPELINING, RFC 2920); read its reply with readReply(). */
  write(line: string): void {
    if (this.failure) throw this.failure;
    if (/[\r\n]/.test(line)) throw new SmtpNetworkError('EPROTOCOL', 'refusing to send a command containing a line break');
    this.corkUntilNextTick();
    this.owed++;
    this.socket.write(`${line}\r\n`);
  }

  private corked = false;

  /** Commands written in one tick (PIPELINING's MAIL, RCPT…, DATA) leave in one segment: one write(2), not one each. */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    const socket = this.socket;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /**
   * Sends the message body, dot-stuffed and closed (one writev with the commands of this tick), and waits for the
   * reply after the dot. Two clocks, as RFC 5321 §4.5.3.2 sets them: while the body is being sent, each block of
   * it must leave within `blockTimeoutMs` (a big message to a slow link takes as long as it takes, a server that
   * stops reading is given up on); the wait for the reply, `timeoutMs`, starts once the dot has left. Until then
   * the session is not awaiting its final reply: a stop may cut it, nothing having been delivered.
   */
  async sendData(raw: Buffer, timeoutMs: number, blockTimeoutMs: number): Promise<SmtpReply> {
    if (this.failure) throw this.failure;
    this.dotSent = false;
    // The reply may come before the body is out (a server refusing mid-way): it is read from now on, on our clocks.
    const reply = this.readReply(NO_DEADLINE_MS);
    this.corkUntilNextTick();
    this.owed++;
    const blocks = inBlocks(dotStuffed(raw));
    let timer: NodeJS.Timeout | null = null;
    const stalled = () => this.destroy(new SmtpNetworkError('ETIMEDOUT', `sending the message stalled: no block of it left within ${blockTimeoutMs} ms`));
    // One block at a time: Node hands writes queued together to the kernel as one writev and calls all their
    // callbacks when the last is taken, so a block's callback would say nothing of progress. The first goes
    // out with the commands of this tick (PIPELINING's MAIL, RCPT…, DATA: one segment for a small message).
    const socket = this.socket;
    const send = (i: number) => {
      timer = setTimeout(stalled, blockTimeoutMs);
      const block = blocks[i]!;
      // A block's pieces (slices around doubled dots, the closing line) leave together, its last one called back.
      for (let k = 0; k < block.length - 1; k++) socket.write(block[k]!);
      socket.write(block[block.length - 1]!, (err) => {
        if (err || this.failure) return;
        if (timer) clearTimeout(timer);
        if (i < blocks.length - 1) return send(i + 1);
        // The dot is handed over: the wait for the server's verdict on the message begins (RFC 5321
        // §4.5.3.2.6; the operating system may still be sending the last of the message).
        this.dotSent = true;
        this.awaitingFinalReply = true;
        timer = setTimeout(() => this.destroy(new SmtpNetworkError('ETIMEDOUT', `no reply within ${timeoutMs} ms`)), timeoutMs);
      });
    };
    send(0);
    try {
      return await reply;
    } finally {
      if (timer) clearTimeout(timer);
      this.awaitingFinalReply = false;
    }
  }

  /** STARTTLS after a 220 reply: upgrades the socket; resolves with the negotiated protocol and cipher. */
  startTls(options: tls.ConnectionOptions, timeoutMs: number): Promise<NonNullable<SmtpClient['tls']>> {
    // Anything the server sent after its 220 was sent before TLS and must not be trusted (CVE-2011-0411).
    this.buffer = '';
    this.lines = [];
    this.queued = [];
    this.replyBytes = 0;
    this.owed = 0;
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('error');
    plain.removeAllListeners('close');
    return new Promise((resolve, reject) => {
      const secure = tls.connect({ ...options, socket: plain });
      const timer = setTimeout(() => {
        secure.destroy();
        this.destroy(new SmtpNetworkError('ETIMEDOUT', `TLS handshake did not finish within ${timeoutMs} ms`));
        reject(this.failure);
      }, timeoutMs);
      secure.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.socket = secure;
        this.destroy(new SmtpNetworkError('ETLS', `TLS handshake failed: ${err.message}`, err.code ?? null));
        reject(this.failure);
      });
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        secure.removeAllListeners('error');
        this.socket = secure;
        this.attach(secure);
        this.tls = tlsInfo(secure);
        resolve(this.tls);
      });
    });
  }

  /** Sends QUIT, waits briefly for 221, closes. Never throws. */
  async quit(timeoutMs: number): Promise<SmtpReply | null> {
    try {
      return await this.command('QUIT', timeoutMs);
    } catch {
      return null;
    } finally {
      this.destroy();
    }
  }

  /** An idle pooled connection must not keep the process alive; a busy one must. */
  setIdle(idle: boolean): void {
    if (idle) this.socket.unref();
    else this.socket.ref();
  }

  /** Runs `fn` once, when this connection ends, however it ends (every end passes through destroy). */
  onClosed(fn: () => void): void {
    if (this.closed) fn();
    else this.closedCallbacks.push(fn);
  }

  destroy(reason?: SmtpNetworkError): void {
    if (!this.failure) this.failure = reason ?? new SmtpNetworkError('ECLOSED', 'connection closed by us');
    this.socket.destroy();
    for (const fn of this.closedCallbacks.splice(0)) fn();
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(this.failure);
    }
  }

  private attach(socket: net.Socket): void {
    // A decoder per socket: setEncoding() on a socket later wrapped by TLS is best avoided.
    const decoder = new StringDecoder('utf8');
    socket.on('data', (chunk: Buffer) => this.onData(decoder.write(chunk)));
    socket.on('error', (err: NodeJS.ErrnoException) => this.destroy(networkError(err)));
    socket.on('close', () => this.destroy(new SmtpNetworkError('ECONNRESET', 'the server closed the connection')));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) {
        this.destroy(new SmtpNetworkError('EPROTOCOL', `the server sent a line that is not an SMTP reply: ${JSON.stringify(line.slice(0, 200))}`));
        return;
      }
      this.lines.push(m[3]);
      this.replyBytes += line.length + 2;
      if (this.replyBytes > MAX_REPLY_BYTES) {
        this.destroy(new SmtpNetworkError('EPROTOCOL', `the server sent a reply longer than ${MAX_REPLY_BYTES / 1024} KiB (${this.lines.length} lines)`));
        return;
      }
      if (m[2] === '-') continue;
      const code = Number(m[1]);
      const lines = this.lines;
      this.lines = [];
      this.replyBytes = 0;
      const reply: SmtpReply = { code, lines, text: lines.join('\n'), enhanced: parseEnhanced(code, lines[0] ?? '') };
      // One reply per command (RFC 5321 §4.1.1): a reply to nothing puts every later one out of step (the next
      // RCPT would take it for its own, and DATA that RCPT's refusal). The replies not yet read are not trusted
      // either. A 421 may come unasked: a server closing an idle session says so first.
      if (this.owed === 0 && code !== 421) {
        this.queued = [];
        this.destroy(new SmtpNetworkError('EPROTOCOL', `the server sent a reply to no command, out of step: ${JSON.stringify(line.slice(0, 200))}`));
        return;
      }
      if (this.owed > 0) this.owed--;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(reply);
      } else this.queued.push(reply);
    }
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.destroy(new SmtpNetworkError('EPROTOCOL', `the server sent a reply line longer than ${MAX_LINE_BYTES / 1024} KiB`));
    }
  }
}

function networkError(err: NodeJS.ErrnoException): SmtpNetworkError {
  return new SmtpNetworkError(err.code ?? 'ENETWORK', err.message);
}

function tlsInfo(socket: tls.TLSSocket): NonNullable<SmtpClient['tls']> {
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
  };
}

/** RFC 3461 xtext: '+', '=' and anything outside printable ASCII as +HH. */
export function xtext(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte < 33 || byte > 126 || byte === 0x2b || byte === 0x3d ? `+${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/** Reads EHLO reply lines (after the first) into keyword → parameters. */
export function parseExtensions(reply: SmtpReply): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword, ...rest] = line.trim().split(/\s+/);
    if (keyword) map.set(keyword.toUpperCase(), rest.join(' '));
  }
  return map;
}
