/**
 * The submission listeners (Postfix's smtpd for port 587/465): speak SMTP with authenticated apps,
 * check the envelope and limits, and hand sender, recipients and bytes to intake. Nothing here
 * writes the queue or touches delivery.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Config } from '../config/schema.js';
import { createIntake, IntakeRejection, splitAddress, type Intake, type IntakeEnvelope } from '../intake/intake.js';
import type { Logger } from '../log/logger.js';
import { isStorageFull } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { NotifyKeyword } from '../types.js';
import { ensureCertificate, secureContextOf, TlsSetupError, type Certificate } from '../tls/self-signed.js';
import { dummyHash, type verifyPassword } from '../auth/password.js';
import { createRehasher } from '../auth/rehash.js';
import { createVerifyCache } from '../auth/verify-cache.js';
import { DataLineCheck } from './data-stream.js';
import { asciiAddress, checkAddressCommand, routableDomain, senderAllowed } from './envelope.js';
import { startAcceptor, type Acceptor } from '../listener/acceptor.js';
import { Admission, networkMatcher, type Slot } from '../listener/admission.js';
import { endSessions } from '../listener/end-sessions.js';
import { SessionGuard, type Refusal } from '../listener/session-guard.js';
import { openSmtpSession, type BoundAddress, type ClientAddress } from '../listener/hand-off.js';
import { Roster } from '../listener/roster.js';
import { AuthFailures } from './limits.js';
import { UserAuthBudget, type UserBudgetAttempt } from './user-budget.js';
import { cachedReverse } from './reverse-dns.js';
import type { RefusalCounters } from '../listener/refusal-counters.js';

export interface SubmissionDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** Defaults to an intake on `store` that checks its suppression list. */
  intake?: Intake;
  now?: () => number;
  /** Certificate to use instead of ensureCertificate(config) (tests). */
  certificate?: Pick<Certificate, 'cert' | 'key'>;
  /** The password check behind the verify cache (tests count the checks). */
  verifyPassword?: typeof verifyPassword;
  /** User names the per-user AUTH budget keeps (tests reach the bound in a few dozen AUTHs). */
  authUserNames?: number;
  /** How long close() lets open sessions finish before telling them 421. */
  closeTimeoutMs?: number;
  /** Counts each `submission.refused` line by reason for /metrics. */
  refusals?: RefusalCounters;
}

export interface Submission {
  close(): Promise<void>;
  /**
   * Reads submission.tls.cert/key again (a renewed certificate): new sessions and handshakes use it; one
   * that cannot be read or does not match its key throws, and the one in use stays. Returns the files read.
   */
  reloadCertificate(): Promise<{ certPath: string | null; notAfter: string | null }>;
  addresses: { starttls?: AddressInfo; implicitTls?: AddressInfo };
}

/** What onAuth stores in session.user. */
interface SessionUser {
  username: string;
  senderDomains: string[];
}

function smtpError(code: number, enhanced: string, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(`${enhanced} ${text}`), { responseCode: code });
}

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

export async function startSubmission(deps: SubmissionDeps): Promise<Submission> {
  const { config, store, logger } = deps;
  const sub = config.submission;
  const limits = sub.limits;
  const now = deps.now ?? Date.now;
  const intake = deps.intake ?? createIntake({ store, hostname: config.hostname, logger, now, checkSuppressions: true });
  const passwords = createVerifyCache({ ttlMs: sub.auth_cache_ms, verify: deps.verifyPassword });
  const log = logger.child({ component: 'submission' });
  const rehash = createRehasher(store.users, log);

  const enabled = [sub.starttls.enabled && 'starttls', sub.implicit_tls.enabled && 'implicit_tls'].filter(Boolean);
  if (enabled.length === 0) return { close: async () => {}, addresses: {}, reloadCertificate: async () => ({ certPath: null, notAfter: null }) };
  const certificate = deps.certificate ?? ensureCertificate(config);

  const admission = new Admission({
    maxTotal: limits.max_connections,
    maxPerIp: limits.max_connections_per_ip,
    maxAuthenticatedPerIp: limits.max_authenticated_per_ip,
    trustedNetworks: limits.trusted_networks,
    ipv6Prefix: limits.ipv6_prefix_length,
  });
  const authFailures = new AuthFailures({
    beforeDelay: limits.auth_failures_before_delay,
    delayMs: limits.auth_failure_delay_ms,
    max: limits.max_auth_failures,
    windowMs: limits.auth_failure_window_ms,
    ipv6Prefix: limits.ipv6_prefix_length,
  });
  const userBudget = new UserAuthBudget({
    max: limits.max_auth_failures_per_user,
    windowMs: limits.auth_user_window_ms,
    knownMs: limits.known_address_days * 86_400_000,
    maxNames: deps.authUserNames,
    ipv6Prefix: limits.ipv6_prefix_length,
  });
  const guards = new Roster<SessionGuard>(); // not a Map: src/listener/roster.ts
  /** Set by close(): sessions still open are told 421 at their next command. */
  let draining = false;

  const cleartextAuthOk = (ip: string) => sub.cleartext_auth === 'always' || (sub.cleartext_auth === 'loopback' && isLoopback(ip));

  const counted = (reason: string) => deps.refusals?.smtpRefused('submission', reason);
  const refused = (conn: SMTPConnection, r: Refusal & { command: string | null }) => {
    counted(r.reason);
    const user = (conn.session.user as SessionUser | undefined)?.username ?? null;
    log.info(
      {
        event: 'submission.refused',
        reason: r.reason,
        code: r.code,
        enhanced: r.enhanced || null,
        text: r.text,
        command: r.command,
        client_ip: conn.remoteAddress,
        user,
        session: conn.id,
      },
      'refused',
    );
  };

  /** Submission's own checks of a command line, before smtp-server parses it. */
  function checkCommand(conn: SMTPConnection, name: string, line: string): Refusal | null {
    if (name === 'AUTH' && !conn.session.user && !conn.secure && !cleartextAuthOk(conn.remoteAddress)) {
      return {
        code: 538,
        enhanced: '5.7.11',
        text: 'Encryption required for requested authentication mechanism: issue STARTTLS first',
        reason: 'cleartext-auth',
      };
    }
    // MAIL without AUTH where AUTH is offered: smtp-server would answer 530 itself, unlogged and uncounted;
    // answered here with the same words, as the relay attempt it is. (Where AUTH is not offered, onMailFrom
    // answers it.)
    if (name === 'MAIL' && !conn.session.user && conn.hostNameAppearsAs && !conn.session.disabledCommands?.includes('AUTH')) {
      return { code: 530, enhanced: '5.7.0', text: 'Authentication required: AUTH before MAIL FROM', reason: 'relay-attempt' };
    }
    if ((name === 'MAIL' || name === 'RCPT') && conn.session.user && conn.hostNameAppearsAs) {
      const mail = conn.session.envelope?.mailFrom;
      return checkAddressCommand(name, line, name === 'RCPT' && !!mail && typeof mail.args === 'object' && !!mail.args && 'SMTPUTF8' in mail.args);
    }
    return null;
  }

  /** An admitted connection becomes an SMTP session with its guard, before it reads a byte. */
  function openSession(server: SMTPServer, socket: Socket, slot: Slot, local: BoundAddress | null, client: ClientAddress | null): void {
    const conn = openSmtpSession(server, socket, local, client);
    if (!conn) return slot.release(); // refused by smtp-server's own backstop
    const ip = conn.remoteAddress;
    const g = new SessionGuard(conn, {
      limits,
      slot,
      draining: () => draining,
      check: checkCommand,
      refused,
    });
    guards.set(conn.id, g);
    // Refused before the greeting: no rDNS spent on it.
    if (authFailures.isBlocked(ip, now())) {
      return g.reply(421, '4.7.0', `too many authentication failures from ${admission.describe(ip)}; try again later`, 'auth-blocked');
    }
    // Not offered in cleartext unless allowed; onSecure gives it back once TLS is up.
    if (!conn.secure && !cleartextAuthOk(ip)) conn.session.disabledCommands = ['AUTH'];
  }

  async function onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<SessionUser | Error> {
    const ip = session.remoteAddress;
    const delay = authFailures.delayFor(ip, now());
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    // An address blocked while this session was open (by its other sessions' failures, or during the delay)
    // gets no password check either: the block is per address, not per new connection, else each session
    // it opened beforehand would go on guessing, and a right guess would still log in.
    if (authFailures.isBlocked(ip, now())) {
      const text = `too many authentication failures from ${admission.describe(ip)}; try again later`;
      const conn = guards.get(session.id)?.conn;
      if (conn) refused(conn, { code: 421, enhanced: '4.7.0', text, reason: 'auth-blocked', command: 'AUTH' });
      return smtpError(421, '4.7.0', text);
    }
    const username = auth.username ?? '';
    // Before the store, the verify cache and the hash: a refusal for the budget costs nothing and, checking
    // no password, tells a guesser nothing (not even a cached right one).
    const attempt = userBudget.admit(username, auth.password ?? '', ip, guards.get(session.id)?.slot.trusted ?? false, now());
    if (!attempt) {
      // 454, not 421: RFC 4954's temporary AUTH failure. The address may be an app's new host, and the
      // session stays usable for another AUTH; 421 (RFC 5321: closing the channel) is for a blocked address.
      const text = 'Temporary authentication failure: too many failed attempts for this user; try again later';
      counted('auth-user-budget');
      log.info(
        {
          event: 'submission.refused',
          reason: 'auth-user-budget',
          code: 454,
          enhanced: '4.7.0',
          text,
          command: 'AUTH',
          method: auth.method,
          client_ip: ip,
          user: username.slice(0, 128),
          failures: userBudget.failures(username, now()),
          session: session.id,
        },
        'refused',
      );
      return smtpError(454, '4.7.0', text);
    }
    try {
      return await checkPassword(auth, session, username, attempt);
    } finally {
      attempt.abandoned(); // a no-op once the check reported; releases the reservation if it threw
    }
  }

  async function checkPassword(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    username: string,
    attempt: UserBudgetAttempt,
  ): Promise<SessionUser | Error> {
    const ip = session.remoteAddress;
    // PLAIN's authzid (act as someone else) is not supported: empty, or the same user. (Some clients
    // send only an authzid; smtp-server then takes it as the user name, and so do we.)
    const proxy = auth.method === 'PLAIN' && !!auth.authcid && !!auth.authzid && auth.authzid !== auth.authcid;
    const user = username && !proxy ? await store.users.get(username) : null;
    const ok = await passwords.verify(auth.password ?? '', user?.passwordHash ?? dummyHash());
    if (user && ok) {
      attempt.succeeded(now());
      // Not awaited: the reply does not wait for the upgrade of a legacy hash, nor fails with it.
      void rehash.afterLogin(user.name, auth.password ?? '', user.passwordHash);
      // An authenticated session leaves the anonymous count for the (larger) authenticated one.
      if (guards.get(session.id)?.slot.authenticate() === false) {
        const text = `too many authenticated sessions from ${admission.describe(ip)}; try again later`;
        counted('limit');
        log.info(
          {
            event: 'submission.refused',
            reason: 'limit',
            code: 421,
            enhanced: '4.7.0',
            text,
            command: 'AUTH',
            client_ip: ip,
            user: user.name,
            session: session.id,
          },
          'refused',
        );
        return smtpError(421, '4.7.0', text);
      }
      log.debug({ event: 'submission.auth', user: user.name, method: auth.method, client_ip: ip, session: session.id }, 'authenticated');
      return { username: user.name, senderDomains: user.senderDomains };
    }
    attempt.failed(now());
    const failures = authFailures.record(ip, now());
    const blocked = failures >= limits.max_auth_failures;
    counted('auth-failure');
    const text = blocked ? `too many authentication failures from ${admission.describe(ip)}; try again later` : 'Authentication credentials invalid';
    log.info(
      {
        event: 'submission.refused',
        reason: 'auth-failure',
        code: blocked ? 421 : 535,
        enhanced: blocked ? '4.7.0' : '5.7.8',
        text,
        command: 'AUTH',
        method: auth.method,
        client_ip: ip,
        user: username.slice(0, 128),
        failures,
        session: session.id,
      },
      'refused',
    );
    return blocked ? smtpError(421, '4.7.0', text) : smtpError(535, '5.7.8', text);
  }

  function onMailFrom(address: { address: string }, session: SMTPServerSession): Error | null {
    const user = session.user as SessionUser | undefined;
    const conn = guards.get(session.id)?.conn;
    if (!user) {
      if (conn) refused(conn, { code: 530, enhanced: '5.7.0', text: 'authentication required', reason: 'relay-attempt', command: 'MAIL' });
      return smtpError(530, '5.7.0', 'Authentication required: AUTH before MAIL FROM');
    }
    if (!senderAllowed(address.address, user.senderDomains)) {
      const allowed = user.senderDomains.join(', ');
      // In the reply as ASCII (smtp-server hands an A-label domain over in Unicode): replies are ASCII outside SMTPUTF8.
      const sender = asciiAddress(address.address);
      if (conn) refused(conn, { code: 553, enhanced: '5.7.1', text: `sender <${sender}> not allowed`, reason: 'sender-not-allowed', command: 'MAIL' });
      return smtpError(553, '5.7.1', `Sender address <${sender}> not allowed for user ${user.username}; allowed domains: ${allowed}`);
    }
    return null;
  }

  function onRcptTo(address: { address: string }, session: SMTPServerSession): Error | null {
    if (!session.user) return smtpError(530, '5.7.0', 'Authentication required: AUTH before RCPT TO');
    // The domainless `postmaster` (RFC 5321 §4.1.1.3) is for mail to us; we only relay.
    if (!address.address.includes('@')) return smtpError(550, '5.1.3', 'Recipient must be a full address (user@domain): this server only relays');
    if (!routableDomain(address.address)) {
      const conn = guards.get(session.id)?.conn;
      if (conn) refused(conn, { code: 501, enhanced: '5.1.3', text: 'bad recipient domain', reason: 'bad-address', command: 'RCPT' });
      return smtpError(501, '5.1.3', `Bad recipient address syntax: the domain of <${asciiAddress(address.address)}> is not a valid host name`);
    }
    return null;
  }

  function onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const g = guards.get(session.id);
    const check = new DataLineCheck(limits.max_data_line, limits.max_header_bytes);
    const chunks: Buffer[] = [];
    let finished = false;
    stream.on('data', (chunk: Buffer) => {
      check.feed(chunk);
      // Keep nothing once the message is refused anyway; smtp-server drains the rest.
      if (!stream.sizeExceeded && !check.tooLong && !check.headerTooLarge && !check.nul) chunks.push(chunk);
    });
    // The client went away mid-message: nothing is stored, nothing is answered.
    stream.on('error', () => {
      finished = true;
    });
    stream.on('end', () => {
      if (finished) return;
      finished = true;
      g?.dataEnded();
      check.end();
      if (stream.sizeExceeded) return callback(smtpError(552, '5.3.4', `message exceeds fixed maximum message size ${limits.max_message_bytes}`));
      if (check.tooLong) {
        const text = `line too long: a message line may have at most ${limits.max_data_line} octets plus CRLF (RFC 5322 section 2.1.1); encode the body (quoted-printable or base64)`;
        if (g) refused(g.conn, { code: 500, enhanced: '5.5.2', text, reason: 'limit', command: 'DATA' });
        return callback(smtpError(500, '5.5.2', text));
      }
      if (check.nul) {
        const text = 'the message contains a NUL octet, which no mail may carry (RFC 5322 section 2.3, RFC 2045 section 2.8); encode binary content (base64)';
        if (g) refused(g.conn, { code: 554, enhanced: '5.6.0', text, reason: 'limit', command: 'DATA' });
        return callback(smtpError(554, '5.6.0', text));
      }
      if (check.headerTooLarge) {
        const text = `Headers too large: the header block may have at most ${limits.max_header_bytes} octets before the empty line that ends it`;
        if (g) refused(g.conn, { code: 552, enhanced: '5.6.0', text, reason: 'limit', command: 'DATA' });
        return callback(smtpError(552, '5.6.0', text));
      }
      void deliverToIntake(session, Buffer.concat(chunks)).then(
        (queueId) => callback(null, `2.0.0 Ok: queued as ${queueId}`),
        (err: Error) => callback(err),
      );
    });
  }

  /** Commits under way, so close() can let them finish before the caller closes the store. */
  const inFlight = new Roster<Promise<unknown>>(); // not a Set: src/listener/roster.ts
  let commits = 0;

  async function deliverToIntake(session: SMTPServerSession, raw: Buffer): Promise<string> {
    const envelope = toIntakeEnvelope(session);
    const commit = intake.accept(envelope, raw);
    const id = String(++commits);
    inFlight.set(id, commit);
    void commit.then(
      () => inFlight.delete(id),
      () => inFlight.delete(id),
    );
    try {
      return (await commit).queueId;
    } catch (err) {
      const conn = guards.get(session.id)?.conn;
      if (err instanceof IntakeRejection) {
        if (conn)
          refused(conn, {
            code: err.code,
            enhanced: err.enhanced,
            text: err.message,
            reason: err.reason === 'signing' ? 'signing-failed' : 'content',
            command: 'DATA',
          });
        throw smtpError(err.code, err.enhanced, err.message);
      }
      log.error(
        { event: 'submission.commit_failed', err, client_ip: session.remoteAddress, user: envelope.username, sender: envelope.mailFrom },
        'could not queue message',
      );
      // The log's `text` is the reply the client got (README: submission.refused).
      if (isStorageFull(err)) {
        // RFC 3463 X.3.1: the client keeps the message and tries again, ideally after we have room.
        const text = 'Message not queued: insufficient system storage; nothing was kept, try again later';
        if (conn) refused(conn, { code: 452, enhanced: '4.3.1', text, reason: 'commit-failed', command: 'DATA' });
        throw smtpError(452, '4.3.1', text);
      }
      const text = 'Message not queued: local storage error; nothing was kept, try again later';
      if (conn) refused(conn, { code: 451, enhanced: '4.3.0', text, reason: 'commit-failed', command: 'DATA' });
      throw smtpError(451, '4.3.0', text);
    }
  }

  function onClose(session: SMTPServerSession): void {
    const g = guards.get(session.id);
    g?.dispose();
    g?.slot.release();
    guards.delete(session.id);
  }

  const common: SMTPServerOptions = {
    name: config.hostname,
    banner: 'mailtrail',
    key: certificate.key,
    cert: certificate.cert,
    logger: false,
    size: limits.max_message_bytes,
    rejectOversized: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    // Cleartext AUTH is decided per client by the session guard (cleartext_auth), not globally.
    allowInsecureAuth: true,
    authRequiredMessage: '5.7.0 Authentication required: AUTH before MAIL FROM',
    maxRecipients: limits.max_recipients,
    maxCommandLength: limits.max_command_line - 2,
    // Ours is the exact limit (the acceptor's admission, shared by both listeners); this is a backstop.
    maxClients: limits.max_connections * 2,
    // Only authenticated clients may send here: waiting for early talkers protects nothing and would
    // cost every connection 100 ms (patches/smtp-server+*.patch adds the option).
    earlyTalkerDelay: 0,
    socketTimeout: limits.idle_timeout_ms,
    closeTimeout: deps.closeTimeoutMs ?? 10_000,
    // The name in the Received header; a PTR record rarely changes within a minute.
    resolver: cachedReverse({ ttlMs: 60_000, maxEntries: 10_000 }),
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    hideREQUIRETLS: true,
    useXClient: false,
    useXForward: false,
    lenientAddressParsing: false,
    onAuth(auth, session, cb) {
      onAuth(auth, session).then(
        (r) => (r instanceof Error ? cb(r) : cb(null, { user: r })),
        (err: Error) => {
          log.error({ event: 'submission.auth_error', err }, 'AUTH check failed');
          cb(smtpError(454, '4.7.0', 'Temporary authentication failure; try again later'));
        },
      );
    },
    // Admission and the auth-failure block are decided before smtp-server sees the socket (openSession).
    // smtp-server's default answers through setImmediate, which held every greeting for one more turn
    // of the event loop.
    onConnect(_session, cb) {
      cb();
    },
    onSecure(_socket, session, cb) {
      session.disabledCommands = undefined;
      cb();
    },
    onMailFrom(address, session, cb) {
      cb(onMailFrom(address, session));
    },
    onRcptTo(address, session, cb) {
      cb(onRcptTo(address, session));
    },
    onData,
    onClose(session) {
      onClose(session);
    },
  };

  // One context for the process: its session-ticket keys let a reconnecting 465 client resume TLS
  // instead of paying a full handshake per message.
  const tlsContext = secureContextOf(certificate);
  // Read by the implicit-TLS acceptor at each handshake: a reload replaces its context.
  const implicitTls = { context: tlsContext, handshakeTimeoutMs: limits.tls_handshake_timeout_ms };
  const balancers = networkMatcher(sub.proxy_protocol);
  const proxy = balancers ? { from: balancers, headerTimeoutMs: limits.proxy_header_timeout_ms } : null;
  const servers: SMTPServer[] = [];
  const acceptors: Acceptor[] = [];
  const addresses: Submission['addresses'] = {};
  try {
    for (const kind of ['starttls', 'implicit_tls'] as const) {
      const l = sub[kind];
      if (!l.enabled) continue;
      const server = new SMTPServer({ ...common, secure: kind === 'implicit_tls' });
      server.on('error', (err: Error & { code?: string }) => {
        log.debug({ event: 'submission.connection_error', listener: kind, error: err.code, err: err.message }, 'connection error');
      });
      servers.push(server);
      const acceptor = await startAcceptor({
        host: l.host,
        port: l.port,
        configKey: `submission.${kind}`,
        admission,
        tls: kind === 'implicit_tls' ? implicitTls : undefined,
        proxy,
        onSession: (socket, slot, local, client) => openSession(server, socket, slot, local, client),
        onRefused: (ip, reason) => {
          const text = reason === 'total' ? 'too many connections' : `too many connections from ${admission.describe(ip)}`;
          counted('limit');
          log.info(
            {
              event: 'submission.refused',
              reason: 'limit',
              code: 421,
              enhanced: '4.7.0',
              text,
              command: null,
              client_ip: ip,
              user: null,
              session: null,
              listener: kind,
            },
            'refused',
          );
        },
        onHandshakeFailed: (ip, error) => {
          log.debug({ event: 'submission.connection_error', listener: kind, client_ip: ip, error }, 'TLS handshake failed');
        },
        onProxyRejected: (peer, { silent, ...refusal }) => {
          // A health check's connect-and-close is routine; anything else from a balancer is a misconfiguration.
          if (silent) return log.debug({ event: 'submission.connection_error', listener: kind, client_ip: peer, error: refusal.text }, 'no PROXY header');
          counted('proxy-header');
          log.info(
            { event: 'submission.refused', reason: 'proxy-header', ...refusal, command: null, client_ip: peer, user: null, session: null, listener: kind },
            'refused',
          );
        },
      });
      acceptors.push(acceptor);
      const address = acceptor.address;
      if (kind === 'starttls') addresses.starttls = address;
      else addresses.implicitTls = address;
      log.info(
        {
          event: 'submission.listening',
          listener: kind,
          host: address.address,
          port: address.port,
          self_signed: !deps.certificate && !config.submission.tls.cert,
        },
        'listening',
      );
    }
  } catch (err) {
    await Promise.all(acceptors.map((a) => a.close()));
    throw err;
  }

  return {
    addresses,
    async reloadCertificate() {
      const { certPath, keyPath } = certificate as Partial<Certificate>;
      if (deps.certificate || !certPath || !keyPath) return { certPath: null, notAfter: null }; // given by a test, not read from files
      // Read off the event loop, with a deadline: a file that never ends (a FIFO, a hung network mount) must not
      // stop the relay serving its sessions and the API.
      const renewed = { cert: await readWithin(certPath, 'submission.tls.cert'), key: await readWithin(keyPath, 'submission.tls.key'), certPath, keyPath };
      // Throws on a key that does not match the certificate (or unreadable PEM): the one in use stays.
      const context = secureContextOf(renewed);
      const x509 = new X509Certificate(renewed.cert);
      const now = Date.now();
      if (Date.parse(x509.validTo) <= now || Date.parse(x509.validFrom) > now)
        throw new TlsSetupError(`${certPath} is valid from ${x509.validFrom} to ${x509.validTo}, not now: not loaded; renew it and send SIGHUP again`);
      for (const server of servers) server.updateSecureContext({ key: renewed.key, cert: renewed.cert });
      implicitTls.context = context;
      return { certPath, notAfter: x509.validTo };
    },
    async close() {
      draining = true;
      // Not awaited: it resolves only once every client has closed its side, which is theirs to do.
      void Promise.all(acceptors.map((a) => a.close()));
      await endSessions(servers, deps.closeTimeoutMs ?? 10_000, (conn) =>
        refused(conn, { code: 421, enhanced: '4.3.2', text: 'Server shutting down; try again later', reason: 'shutdown', command: null }),
      );
      await Promise.allSettled([...inFlight.values()]);
      for (const g of guards.values()) g.dispose();
    },
  };
}

/** A PEM file read on libuv's pool, given up after 5 s (the read itself may stay blocked there). */
async function readWithin(file: string, key: string): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TlsSetupError(`reading ${key} (${file}) did not finish within 5 s: the certificate in use stays`)), 5_000);
  });
  try {
    return await Promise.race([readFile(file), late]);
  } catch (err) {
    if (err instanceof TlsSetupError) throw err;
    throw new TlsSetupError(`cannot read ${key} (${file}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; the certificate in use stays`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * smtp-server decodes xtext's `+XX` into one character per byte: `ORCPT=rfc822;j+C3+B6rg@…` (what Postfix sends
 * for an internationalised recipient) comes out `jÃ¶rg`. The bytes are UTF-8: read them so, when they are.
 */
export function xtextBytesAsUtf8(decoded: string): string {
  if (!/[\x80-\xff]/.test(decoded) || /[^\x00-\xff]/.test(decoded)) return decoded;
  const bytes = Buffer.from(decoded, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : decoded;
}

function toIntakeEnvelope(session: SMTPServerSession): IntakeEnvelope {
  const env = session.envelope;
  const user = session.user as SessionUser | undefined;
  const mailFrom = env.mailFrom ? env.mailFrom.address : '';
  const tls = session.tlsOptions ? { protocol: session.tlsOptions.version ?? null, cipher: session.tlsOptions.name ?? null } : null;
  const hostname = session.clientHostname && !session.clientHostname.startsWith('[') ? session.clientHostname : null;
  const ret = env.dsn?.ret === 'FULL' || env.dsn?.ret === 'HDRS' ? env.dsn.ret : null;
  return {
    mailFrom: mailFrom ? splitAddress(mailFrom).address : '',
    recipients: env.rcptTo.map((r) => ({
      address: r.address,
      notify: (r.dsn?.notify as NotifyKeyword[] | undefined) ?? null,
      orcpt: r.dsn?.orcpt ? xtextBytesAsUtf8(r.dsn.orcpt) : null,
    })),
    envId: env.dsn?.envid ? xtextBytesAsUtf8(env.dsn.envid) : null,
    ret,
    username: user?.username ?? null,
    clientIp: session.remoteAddress ?? null,
    clientHostname: hostname,
    helo: session.hostNameAppearsAs || null,
    senderDomains: user?.senderDomains ?? [],
    // RFC 3848; computed here because smtp-server's transmissionType predates AUTH in the session.
    protocol: `${session.openingCommand === 'HELO' ? '' : 'E'}SMTP${session.secure ? 'S' : ''}${user ? 'A' : ''}`,
    tls,
  };
}
