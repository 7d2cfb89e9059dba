/**
 * What smtp-server has no option for, fitted around one of its connections, on every SMTP listener
 * (submission and the bounce listener):
 *  - replies carry the RFC 3463 code we choose: a reply text starting with `X.Y.Z ` is sent as is
 *    instead of getting smtp-server's code-derived one;
 *  - an over-long command line is answered `500 5.5.2` (smtp-server says 421 without a code);
 *  - a command line that ended with a bare LF is answered `521 5.5.2` and the connection closed
 *    (RFC 5321 §2.3.8, as Postfix's smtpd_forbid_bare_newline does): smtp-server splits lines at a
 *    bare LF too, so `RCPT TO:<a>\nRCPT TO:<b>` would be two commands to us and one to a stricter hop;
 *  - `BDAT` (CHUNKING is not offered) is answered `521 5.5.1` and the connection closed: its chunk
 *    is binary data that would otherwise be read as commands;
 *  - total-time limits: per command (from our reply to the next complete line, so a client dripping
 *    one byte per idle timeout still runs out), per DATA, per session;
 *  - the number of messages per session is bounded;
 *  - listener-specific checks of a command line before smtp-server parses it (submission: AUTH in
 *    cleartext, MAIL/RCPT syntax), through hooks.
 * It wraps three methods of the connection object (`send`, `_onCommand`, `close`), all part of
 * smtp-server's published type declarations; the tests in test/listener and test/submission exercise
 * every one of these paths.
 */
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Slot } from './admission.js';

/** A reply we give instead of letting the command go on. */
export interface Refusal {
  code: number;
  enhanced: string;
  text: string;
  /** The `reason` field of the listener's `*.refused` log line. */
  reason: string;
}

export interface GuardLimits {
  /** Octets per command line including CRLF (the 500 reply names it). */
  max_command_line: number;
  command_timeout_ms: number;
  data_timeout_ms: number;
  session_timeout_ms: number;
  max_messages_per_session: number;
}

export interface GuardHooks {
  limits: GuardLimits;
  /** The connection slot: given back when the session ends (QUIT, a closing 421), not at socket close. */
  slot: Slot;
  /** True once the listener is stopping: every new command is answered 421. */
  draining(): boolean;
  /**
   * The listener's own checks of a command line (upper-cased name, the whole line), run after ours and
   * before smtp-server's; null lets it go on.
   */
  check?(conn: SMTPConnection, name: string, line: string): Refusal | null;
  /** Called for each reply worth a `*.refused` log line. */
  refused(conn: SMTPConnection, refusal: Refusal & { command: string | null }): void;
}

const OWN_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;
/** Commands a pipelining client may follow with more in the same group (RFC 2920 section 3.1): their replies wait for the group's. */
const GROUP_OPENERS: ReadonlySet<string> = new Set(['MAIL', 'RCPT', 'RSET']);
const noop = () => {};

export class SessionGuard {
  private commandTimer: NodeJS.Timeout | null = null;
  private dataTimer: NodeJS.Timeout | null = null;
  /** When the client's next line (command) or the end of its message (data) is due, in ms since the epoch; 0: not waited for. */
  private commandDeadline = 0;
  private dataDeadline = 0;
  private sessionTimer: NodeJS.Timeout | null = null;
  private readonly rawSend: SMTPConnection['send'];
  get slot(): Slot {
    return this.hooks.slot;
  }

  /** The last command name, for logs (never its arguments: AUTH lines carry credentials). */
  lastCommand: string | null = null;

  constructor(
    readonly conn: SMTPConnection,
    private readonly hooks: GuardHooks,
  ) {
    this.rawSend = conn.send.bind(conn);
    const onCommand = conn._onCommand.bind(conn);
    const close = conn.close.bind(conn);
    conn.send = (code, data, context) => this.send(code, data, context);
    conn._onCommand = (command, callback) => this.onCommand(command, callback ?? noop, onCommand);
    conn.close = () => {
      hooks.slot.release();
      close();
    };
    this.sessionTimer = setTimeout(() => this.sessionExpired(), hooks.limits.session_timeout_ms);
    this.sessionTimer.unref();
  }

  /** Sends a reply of ours, logs it as a refusal when it is one. */
  reply(code: number, enhanced: string, text: string, reason?: string): void {
    this.send(code, `${enhanced} ${text}`, false);
    if (reason) this.hooks.refused(this.conn, { code, enhanced, text, reason, command: this.lastCommand });
  }

  /** The DATA stream ended: the data timer stops; the client now waits for us. */
  dataEnded(): void {
    this.clear('data');
  }

  dispose(): void {
    this.clear('command');
    this.clear('data');
    for (const timer of [this.commandTimer, this.dataTimer, this.sessionTimer]) if (timer) clearTimeout(timer);
    this.commandTimer = this.dataTimer = this.sessionTimer = null;
  }

  private get closing(): boolean {
    return this.conn._closing || this.conn._closed;
  }

  private send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (code === 421 && data === 'Error: Command line too long') {
      // The parser has already dropped the line and stopped; say why in RFC terms, then hang up.
      const max = this.hooks.limits.max_command_line;
      const text = `line too long: a command line may have at most ${max} octets including CRLF`;
      this.rawSend(500, `5.5.2 ${text}`, false);
      this.hooks.refused(this.conn, { code: 500, enhanced: '5.5.2', text, reason: 'limit', command: null });
      this.conn.close();
      return;
    }
    if (typeof data === 'string' && OWN_CODE.test(data)) context = false;
    if (this.lastCommand !== null && GROUP_OPENERS.has(this.lastCommand)) this.corkUntilNextTick();
    this.rawSend(code, data, context);
    if (context !== false) this.noteLibraryRefusal(code, this.conn._getEnhancedStatusCode(code, context), data);
    if (this.closing) return this.dispose();
    // After 354 the client owes us the message; after any other reply (334 included), a line.
    if (code === 354) this.arm('data', this.hooks.limits.data_timeout_ms);
    else this.arm('command', this.hooks.limits.command_timeout_ms);
  }

  private corked = false;

  /**
   * Replies to pipelined commands (MAIL, RCPT…, DATA) answered in one tick leave in one write(2). Only a
   * reply to a command that RFC 2920 lets a client follow with more (MAIL, RCPT, RSET) corks: every other
   * reply (the greeting, EHLO, AUTH, the message's 250, QUIT) is alone, and corking it cost a buffered
   * write, a tick callback and the uncork's flush on each (five per connection-per-message).
   */
  private corkUntilNextTick(): void {
    const socket = this.conn._socket;
    if (this.corked || !socket || socket.destroyed) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** Answers with a 5xx that ends the session: what follows the line cannot be trusted to be commands. */
  private refuseAndClose(code: number, enhanced: string, text: string, reason: string): void {
    this.reply(code, enhanced, text, reason);
    this.conn.close();
  }

  private onCommand(command: Buffer, callback: () => void, next: SMTPConnection['_onCommand']): void {
    this.clear('command');
    const conn = this.conn;
    // Input smtp-server discards (before the greeting, during a TLS handshake) is its business.
    if (!conn._ready || conn._upgrading) return next(command, callback);
    const done = (): void => {
      setImmediate(() => conn._whenWritable(callback));
    };
    // Checked on AUTH continuation lines too: framing is the same whatever the line carries.
    // (A bare CR does not end a line for smtp-server: MAIL and RCPT refuse it as a control character.)
    if (conn._parser && conn._parser.lastLineEnding === '\n') {
      this.lastCommand = conn._nextHandler ? 'AUTH' : commandName(command);
      this.refuseAndClose(521, '5.5.2', 'bare LF received: a command line must end with CRLF (RFC 5321 section 2.3.8); closing connection', 'bare-lf');
      return done();
    }
    // AUTH continuation lines are smtp-server's business.
    if (conn._nextHandler) return next(command, callback);
    const line = command.toString('latin1');
    const name = commandName(command);
    this.lastCommand = name;

    if (this.hooks.draining() && name !== 'QUIT') {
      this.reply(421, '4.3.2', 'Server shutting down; try again later', 'shutdown');
      return done();
    }
    if (name === 'BDAT') {
      this.refuseAndClose(
        521,
        '5.5.1',
        'BDAT is not supported here (CHUNKING is not offered) and its chunk cannot be read as commands; closing connection',
        'bdat',
      );
      return done();
    }
    if (name === 'MAIL' && conn.hostNameAppearsAs && conn._transactionCounter >= this.hooks.limits.max_messages_per_session) {
      this.reply(421, '4.7.0', `at most ${this.hooks.limits.max_messages_per_session} messages per session: reconnect to send more`, 'limit');
      return done();
    }
    const refusal = this.hooks.check?.(conn, name, line);
    if (refusal) {
      this.reply(refusal.code, refusal.enhanced, refusal.text, refusal.reason);
      return done();
    }
    return next(command, callback);
  }

  /**
   * Sets the deadline of `kind`. The timer is lazy: armed once, it is left running when the deadline moves
   * or is cleared, and when it fires it only looks at the deadline (none: done; later: waits the rest).
   * A session re-arms the command deadline at every reply; a new timer each time was an allocation and two
   * timer-list operations per command, on every connection (issue 18).
   */
  private arm(kind: 'command' | 'data', ms: number): void {
    const at = Date.now() + ms;
    if (kind === 'command') this.commandDeadline = at;
    else this.dataDeadline = at;
    if ((kind === 'command' ? this.commandTimer : this.dataTimer) === null) this.startTimer(kind, ms);
  }

  private startTimer(kind: 'command' | 'data', ms: number): void {
    const timer = setTimeout(() => this.timerFired(kind), ms);
    timer.unref();
    if (kind === 'command') this.commandTimer = timer;
    else this.dataTimer = timer;
  }

  private clear(kind: 'command' | 'data'): void {
    if (kind === 'command') this.commandDeadline = 0;
    else this.dataDeadline = 0;
  }

  private timerFired(kind: 'command' | 'data'): void {
    if (kind === 'command') this.commandTimer = null;
    else this.dataTimer = null;
    const deadline = kind === 'command' ? this.commandDeadline : this.dataDeadline;
    if (deadline === 0) return;
    const left = deadline - Date.now();
    if (left > 0) return this.startTimer(kind, left);
    this.clear(kind);
    this.expired(kind);
  }

  private expired(kind: 'command' | 'data'): void {
    if (this.closing) return;
    const ms = kind === 'command' ? this.hooks.limits.command_timeout_ms : this.hooks.limits.data_timeout_ms;
    const what = kind === 'command' ? 'a command line must arrive' : 'the message data must arrive';
    this.reply(421, '4.4.2', `timeout: ${what} within ${ms / 1000} s; closing connection`, 'timeout');
  }

  private sessionExpired(): void {
    this.sessionTimer = null;
    if (this.closing) return;
    // Never cut a message whose commit is under way: the client would retry a message we keep.
    const committing = this.conn._handlerPending || (this.conn._dataStream && this.conn._parser && !this.conn._parser._dataMode);
    if (committing) {
      this.sessionTimer = setTimeout(() => this.sessionExpired(), 1000);
      this.sessionTimer.unref();
      return;
    }
    const s = this.hooks.limits.session_timeout_ms / 1000;
    this.reply(421, '4.4.2', `session time limit of ${s} s reached; reconnect to go on`, 'timeout');
  }

  /** Limits smtp-server enforces itself (with the codes it is configured for): log them too. */
  private noteLibraryRefusal(code: number, enhanced: string, data: string | string[] | null | undefined): void {
    if (typeof data !== 'string') return;
    let reason: string | null = null;
    if (code === 452 || code === 552) reason = 'limit';
    else if (code === 421) reason = /timeout/i.test(data) ? 'timeout' : 'limit';
    else if (code === 501 && /address/i.test(data)) reason = 'bad-address';
    else if (code === 501 || code === 555) reason = 'bad-parameter';
    if (reason) this.hooks.refused(this.conn, { code, enhanced, text: data, reason, command: this.lastCommand });
  }
}

/** The command name of a line, upper-cased and short (never its arguments: AUTH lines carry credentials). */
function commandName(command: Buffer): string {
  const sp = command.indexOf(0x20);
  return command.toString('latin1', 0, Math.min(sp < 0 ? command.length : sp, 16)).toUpperCase();
}
