/**
 * A scripted recipient MTA for tests, built on smtp-server, listening on a loopback address such as
 * 127.0.1.5:25 (the whole 127.0.0.0/8 is on `lo`; port 25 needs root, which the test runs have).
 *
 * Every reply a test scripts is sent verbatim: the server is started with hideENHANCEDSTATUSCODES so
 * that smtp-server does not prepend its own enhanced code, and the scripted `text` carries one
 * (`{ code: 550, text: '5.1.1 No such user' }` goes on the wire as `550 5.1.1 No such user`).
 *
 * Usage:
 *   const mta = await startTestMta({ host: '127.0.1.5', rcpt: { 'bad@x.test': { code: 550, text: '5.1.1 No such user' } } });
 *   … deliver …
 *   assert.equal(mta.messages.length, 1);
 *   assert.deepEqual(mta.messages[0].rcptTo.map((r) => r.address), ['good@x.test']);
 *   mta.script.data = { code: 452, text: '4.3.1 Out of space' };   // change behaviour between attempts
 *   await mta.stop();
 *
 * Behaviours (all optional; the default accepts everything):
 *   greeting      refuse the session: this reply instead of 220, then the server closes.
 *   ehlo          this reply to EHLO (HELO still works: tests the HELO fallback and "4xx EHLO → next MX").
 *   mail          this reply to MAIL FROM.
 *   rcpt          per address (lower-cased) or a function of the address: the reply to that RCPT TO.
 *   data          the reply after the final dot.
 *   dropMidData   close the TCP connection after the first chunk of message data, without a reply.
 *   holdData      a slow receiver: the reply after the final dot waits until this promise settles
 *                 (the message is in `messages` already).
 *   greylist      4xx at RCPT the first time each (sender, recipient) pair is seen, accept later ones.
 *   maxConnections more simultaneous sessions than this get `421 4.7.0 Too many connections`.
 *   tls           { key, cert } (PEM): offer STARTTLS. Without it STARTTLS is not offered.
 *   hide          extensions not to announce.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export interface Reply {
  code: number;
  /** Reply text after the code, including any enhanced status (`5.1.1 No such user`). One line. */
  text: string;
}

export interface TestMtaScript {
  greeting?: Reply;
  ehlo?: Reply;
  mail?: Reply;
  rcpt?: Record<string, Reply> | ((address: string) => Reply | undefined);
  data?: Reply;
  dropMidData?: boolean;
  holdData?: Promise<unknown>;
  greylist?: boolean | Reply;
  maxConnections?: number;
}

export interface TestMtaOptions extends TestMtaScript {
  host: string;
  /** Default 25. */
  port?: number;
  /** PEM key and certificate: STARTTLS is offered only when given. See `selfSignedCert()`. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  hide?: { pipelining?: boolean; '8bitmime'?: boolean; smtputf8?: boolean; dsn?: boolean; size?: boolean };
  /** Announced SIZE limit (default 50 MB). */
  size?: number;
  /** Name in the greeting and EHLO reply (default mx.test). */
  name?: string;
}

export interface ReceivedRecipient {
  address: string;
  /** RCPT TO parameters as sent (NOTIFY, ORCPT…), keys upper-case. */
  params: Record<string, string | boolean>;
}

/** One transaction that reached the end of DATA (whatever the scripted reply to the dot was). */
export interface ReceivedMessage {
  /** smtp-server's connection id: two messages with the same id came over one TCP connection. */
  connectionId: string;
  mailFrom: string;
  /** MAIL FROM parameters as sent (SIZE, BODY, SMTPUTF8, RET, ENVID), keys upper-case. */
  mailParams: Record<string, string | boolean>;
  /** The recipients the MTA accepted. */
  rcptTo: ReceivedRecipient[];
  /** The message exactly as received, after SMTP dot-unstuffing (the final `.` line removed). */
  raw: Buffer;
  /** The client's EHLO/HELO name. */
  helo: string;
  /** The session was under TLS, and with what. */
  secure: boolean;
  tls: { protocol: string | null; cipher: string | null } | null;
  /** The reply the MTA gave after the dot. */
  reply: Reply;
}

export interface TestMta {
  host: string;
  port: number;
  /** Live script: edit between attempts to change the behaviour. */
  script: TestMtaScript;
  /** Messages received to the end of DATA, in order. */
  messages: ReceivedMessage[];
  /** TCP connections accepted so far (including refused ones). */
  connections: number;
  /** Every command the MTA saw, in order, per connection: `{ connectionId, command }` (e.g. 'RSET'). */
  commands: { connectionId: string; command: string }[];
  /** Resolves when `messages.length >= n`; rejects after `timeoutMs`. */
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function replyError(reply: Reply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

function upperKeys(args: unknown): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  if (args && typeof args === 'object') for (const [k, v] of Object.entries(args)) out[k.toUpperCase()] = v as string | boolean;
  return out;
}

export async function startTestMta(options: TestMtaOptions): Promise<TestMta> {
  const { host, port = 25, tls, hide = {}, name = 'mx.test', size = 50 * 1024 * 1024, ...script } = options;
  const messages: ReceivedMessage[] = [];
  const commands: { connectionId: string; command: string }[] = [];
  const seenPairs = new Set<string>();
  const mailParams = new Map<string, Record<string, string | boolean>>();
  const rcptParams = new Map<string, ReceivedRecipient[]>();
  let connections = 0;
  const waiters: (() => void)[] = [];

  const connectionOf = (session: SMTPServerSession) => [...server.connections].find((c) => c.id === session.id);

  const server: SMTPServer = new SMTPServer({
    name,
    size,
    secure: false,
    key: tls?.key,
    cert: tls?.cert,
    hideSTARTTLS: !tls,
    hidePIPELINING: hide.pipelining ?? false,
    hide8BITMIME: hide['8bitmime'] ?? false,
    hideSMTPUTF8: hide.smtputf8 ?? false,
    hideDSN: hide.dsn ?? false,
    hideSize: hide.size ?? false,
    hideENHANCEDSTATUSCODES: true,
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    logger: false,
    onConnect(session, callback) {
      connections++;
      const conn = connectionOf(session);
      if (conn) {
        // Record every command for tests of pipelining/RSET/reuse; smtp-server has no hook for this.
        const c = conn as unknown as { _onCommand: (cmd: Buffer, cb: () => void) => void };
        const original = c._onCommand.bind(conn);
        c._onCommand = (cmd: Buffer, cb: () => void) => {
          commands.push({ connectionId: session.id, command: cmd.toString().trim().split(/\s+/)[0].toUpperCase() });
          return original(cmd, cb);
        };
      }
      if (script.greeting) return callback(replyError(script.greeting));
      if (script.maxConnections !== undefined && server.connections.size > script.maxConnections) {
        return callback(replyError({ code: 421, text: '4.7.0 Too many connections, slow down' }));
      }
      if (script.ehlo && conn) {
        const reply = script.ehlo;
        // smtp-server has no EHLO hook: an own-property handler shadows the prototype's for this session.
        (conn as unknown as Record<string, unknown>).handler_EHLO = (_cmd: Buffer, cb: () => void) => {
          conn.send(reply.code, reply.text);
          cb();
        };
      }
      callback();
    },
    onMailFrom(address: SMTPServerAddress, session, callback) {
      mailParams.set(session.id, upperKeys(address.args));
      rcptParams.set(session.id, []);
      if (script.mail) return callback(replyError(script.mail));
      callback();
    },
    onRcptTo(address: SMTPServerAddress, session, callback) {
      const addr = address.address.toLowerCase();
      let reply: Reply | undefined;
      if (typeof script.rcpt === 'function') reply = script.rcpt(addr);
      else if (script.rcpt) reply = script.rcpt[addr];
      if (!reply && script.greylist) {
        const pair = `${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}\0${addr}`;
        if (!seenPairs.has(pair)) {
          seenPairs.add(pair);
          reply = script.greylist === true ? { code: 451, text: '4.7.1 Greylisted, please try again later' } : script.greylist;
        }
      }
      if (reply && reply.code >= 400) return callback(replyError(reply));
      rcptParams.get(session.id)?.push({ address: address.address, params: upperKeys(address.args) });
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (script.dropMidData) connectionOf(session)?._socket.destroy();
      });
      stream.on('end', () => {
        const reply = script.data ?? { code: 250, text: '2.0.0 Ok: queued as TEST' };
        const secure = Boolean(session.secure);
        const conn = connectionOf(session);
        const tlsSocket = secure && conn ? (conn._socket as import('node:tls').TLSSocket) : null;
        messages.push({
          connectionId: session.id,
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          mailParams: mailParams.get(session.id) ?? {},
          rcptTo: rcptParams.get(session.id) ?? [],
          raw: Buffer.concat(chunks),
          helo: session.hostNameAppearsAs,
          secure,
          tls: tlsSocket ? { protocol: tlsSocket.getProtocol(), cipher: tlsSocket.getCipher()?.name ?? null } : null,
          reply,
        });
        for (const w of waiters.splice(0)) w();
        const answer = () => (reply.code >= 400 ? callback(replyError(reply)) : callback(null, reply.text));
        if (script.holdData) void script.holdData.then(answer, answer);
        else answer();
      });
    },
  });
  // Errors on client sockets (the client dropped, TLS aborted) are part of what tests provoke.
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });

  const mta: TestMta = {
    host,
    port,
    script,
    messages,
    get connections() {
      return connections;
    },
    commands,
    waitForMessages(n, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`test MTA ${host}: ${messages.length} of ${n} messages after ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (messages.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        for (const c of server.connections) c._socket.destroy();
        server.close(() => resolve());
      });
    },
  };
  return mta;
}

/** A throw-away self-signed certificate (openssl), for a test MTA that offers STARTTLS. */
export function selfSignedCert(commonName = 'mx.test'): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-days', '2', '-keyout', key, '-out', cert], {
      stdio: 'ignore',
    });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
