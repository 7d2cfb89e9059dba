/**
 * The inbound (bounce) listener: an SMTP server for the bounce domains only. No AUTH, no relaying, no
 * general mailbox: RCPT is accepted for VERP addresses whose token verifies and for the role addresses
 * (postmaster@, abuse@ …) of a bounce domain, and refused for everything else. MAIL FROM is anything,
 * including the null sender `<>` that bounces come from.
 *
 * Port 25 is open to anyone, so it has submission's front door (src/listener): connection slots per
 * client address and in total taken before a byte is read, and a session guard with command, DATA and
 * session time limits, a bound on messages per session, and refusals of bare-LF lines and BDAT.
 *
 * The raw mail is committed to the `inbound` table before the 250 reply (nothing accepted is lost, even
 * mail that will not parse); processing happens afterwards, off the SMTP path (`onStored`).
 */
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Config } from '../config/schema.js';
import { startAcceptor, type Acceptor } from '../listener/acceptor.js';
import { Admission, networkMatcher, type Slot } from '../listener/admission.js';
import { endSessions } from '../listener/end-sessions.js';
import { openSmtpSession, type BoundAddress, type ClientAddress } from '../listener/hand-off.js';
import { Roster } from '../listener/roster.js';
import { SessionGuard, type Refusal } from '../listener/session-guard.js';
import { createDataPace } from '../listener/data-pace.js';
import { GrowingBuffer } from '../listener/growing-buffer.js';
import type { Logger } from '../log/logger.js';
import { isStorageFull } from '../store/errors.js';
import type { Store } from '../store/store.js';
import { parseVerpAddress } from '../verp/token.js';
import type { RefusalCounters } from '../listener/refusal-counters.js';

export interface InboundListenerOptions {
  config: Pick<Config, 'hostname' | 'bounces' | 'delivery'>;
  store: Store;
  logger: Logger;
  /**
   * Called after the 250 reply with the stored row id and the bytes just stored (so they need not be
   * read back). Must not throw; errors are logged and ignored.
   */
  onStored?: (inboundId: number, raw: Buffer) => void;
  /** How long close() lets open sessions finish before telling them 421 (default 5 s). */
  closeTimeoutMs?: number;
  /** Counts each `inbound.refused` line by reason for /metrics. */
  refusals?: RefusalCounters;
}

export interface InboundListener {
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Mail bytes all inbound sessions together hand to the parser in one turn of the event loop. */
const DATA_BYTES_PER_TURN = 128 * 1024;

/** An SMTP refusal: `code` is the reply code, `message` starts with the enhanced status. */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Why RCPT is refused, or null when it is accepted. Exported for tests and for `mailtrail check`-style tools. */
export function checkRecipient(
  address: string,
  opts: { bounceDomains: ReadonlySet<string>; roleAddresses: ReadonlySet<string>; verpSecret: string | null },
): { code: number; message: string } | null {
  const at = address.lastIndexOf('@');
  // RFC 5321 §4.5.1: every SMTP server MUST take "RCPT TO:<Postmaster>" without a domain.
  if (at < 0 && address.toLowerCase() === 'postmaster') return null;
  if (at <= 0) return { code: 550, message: '5.1.3 Bad recipient address syntax' };
  // A quoted local part names the same mailbox as the bare one ("postmaster"@ is postmaster@).
  const local = address
    .slice(0, at)
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  const domain = address
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  if (!opts.bounceDomains.has(domain)) return { code: 550, message: '5.7.1 Relay access denied: this server only receives bounces for its own domains' };
  if (opts.roleAddresses.has(local)) return null;
  if (opts.verpSecret && parseVerpAddress(opts.verpSecret, address)) return null;
  return { code: 550, message: '5.1.1 No such recipient here' };
}

export function createInboundListener(opts: InboundListenerOptions): InboundListener {
  const { config, store, logger } = opts;
  const b = config.bounces;
  const bounceDomains = new Set(Object.values(config.delivery.bounce_domains).map((d) => d.toLowerCase()));
  const roleAddresses = new Set(b.role_addresses.map((r) => r.toLowerCase()));
  const maxBytes = b.max_message_bytes;

  const admission = new Admission({
    maxTotal: b.max_connections,
    maxPerIp: b.max_connections_per_ip,
    maxAuthenticatedPerIp: b.max_connections_per_ip,
    trustedNetworks: [],
    ipv6Prefix: b.ipv6_prefix_length,
  });
  const guards = new Roster<SessionGuard>(); // not a Map: src/listener/roster.ts
  // Large reports arriving together are read at a bounded pace, between other sessions' events.
  const pace = createDataPace({ bytesPerTurn: DATA_BYTES_PER_TURN, bytesPerSecond: b.data_bytes_per_second });
  let draining = false;
  let acceptor: Acceptor | null = null;

  // RCPT refusals are everyday spam on port 25 (debug); limits, timeouts and protocol errors are not.
  const refused = (conn: SMTPConnection, r: Refusal & { command: string | null }) => {
    opts.refusals?.smtpRefused('bounces', r.reason);
    logger.info(
      {
        event: 'inbound.refused',
        reason: r.reason,
        code: r.code,
        enhanced: r.enhanced || null,
        text: r.text,
        command: r.command,
        client_ip: conn.remoteAddress,
        session: conn.id,
      },
      'inbound command refused',
    );
  };

  function openSession(socket: Socket, slot: Slot, local: BoundAddress | null, client: ClientAddress | null): void {
    const conn = openSmtpSession(server, socket, local, client);
    if (!conn) return slot.release(); // refused by smtp-server's own backstop
    guards.set(conn.id, new SessionGuard(conn, { limits: b, slot, draining: () => draining, refused }));
  }

  const server = new SMTPServer({
    name: config.hostname,
    banner: 'mailtrail bounce receiver',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    // SIZE is advertised, so a well-behaved MTA refuses to send an oversized DSN at MAIL FROM.
    size: maxBytes,
    // Ours is the exact limit (the acceptor's admission); this is a backstop.
    maxClients: b.max_connections * 2,
    maxRecipients: b.max_recipients,
    maxCommandLength: b.max_command_line - 2,
    socketTimeout: b.idle_timeout_ms,
    closeTimeout: opts.closeTimeoutMs ?? 5_000,
    disableReverseLookup: true,
    // Port 25 is open to anyone: a client talking before the greeting is a bot (patches/smtp-server+*.patch).
    earlyTalkerDelay: b.pregreet_wait_ms,
    logger: false,

    onClose(session: SMTPServerSession) {
      const g = guards.get(session.id);
      g?.dispose();
      g?.slot.release();
      guards.delete(session.id);
    },

    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const refusal = checkRecipient(address.address, { bounceDomains, roleAddresses, verpSecret: b.verp_secret });
      if (refusal) {
        opts.refusals?.smtpRefused('bounces', 'recipient'); // its log's reason is the reply text: not a label
        logger.debug({ event: 'inbound.refused', rcpt: address.address, code: refusal.code, reason: refusal.message }, 'inbound RCPT refused');
        callback(reply(refusal.code, refusal.message));
        return;
      }
      callback();
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const received = new GrowingBuffer();
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        pace.spend(stream, chunk.length);
        // Past the limit the rest is read and dropped: the reply is 552 anyway, memory stays bounded.
        if (size <= maxBytes) received.append(chunk);
      });
      stream.on('error', (err) => callback(reply(451, `4.3.0 Error reading message: ${err.message}`)));
      stream.on('end', () => {
        guards.get(session.id)?.dataEnded();
        if (stream.sizeExceeded || size > maxBytes) {
          callback(reply(552, `5.3.4 Message too big: the limit is ${maxBytes} bytes`));
          return;
        }
        const raw = received.bytes();
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        store.inbound.receive({ receivedAt: Date.now(), mailFrom, rcptTo, clientIp: session.remoteAddress ?? null, raw }).then(
          (row) => {
            logger.info(
              { event: 'inbound.received', inbound_id: row.id, mail_from: mailFrom, rcpt: rcptTo, size: row.size, client_ip: row.clientIp },
              'inbound mail stored',
            );
            callback(null, `2.0.0 Ok: stored as inbound ${row.id}`);
            if (opts.onStored) {
              // After the reply, never in its way: a failure here leaves the row for the next start.
              setImmediate(() => {
                try {
                  opts.onStored!(row.id, raw);
                } catch (err) {
                  logger.error(
                    { event: 'bounce.failed', inbound_id: row.id, err: (err as Error)?.message },
                    'could not start processing an inbound mail; it is retried at the next start',
                  );
                }
              });
            }
          },
          (err: unknown) => {
            logger.error(
              { event: 'inbound.store_failed', err: (err as Error)?.message, mail_from: mailFrom, rcpt: rcptTo, size },
              'could not store inbound mail',
            );
            // 4xx: the sender keeps it and retries; a bounce is not lost because our disk was full.
            if (isStorageFull(err)) callback(reply(452, '4.3.1 Insufficient system storage; try again later'));
            else callback(reply(451, '4.3.0 Temporary local problem storing the message; try again later'));
          },
        );
      });
    },
  });

  server.on('error', (err: Error & { code?: string; remoteAddress?: string }) => {
    // A client's connection breaking (reset, broken pipe) is theirs, and anyone can cause it: not an error of ours.
    const level = err.code && /^E[A-Z]+$/.test(err.code) ? 'debug' : 'error';
    logger[level]({ event: 'inbound.error', err: err.message, error: err.code ?? null, client_ip: err.remoteAddress ?? null }, 'inbound listener error');
  });

  return {
    async listen() {
      const balancers = networkMatcher(b.proxy_protocol);
      acceptor = await startAcceptor({
        host: b.listener.host,
        port: b.listener.port,
        configKey: 'bounces.listener',
        admission,
        proxy: balancers ? { from: balancers, headerTimeoutMs: b.proxy_header_timeout_ms } : null,
        onSession: openSession,
        onRefused: (ip, why) => {
          const text = why === 'total' ? 'too many connections' : `too many connections from ${admission.describe(ip)}`;
          opts.refusals?.smtpRefused('bounces', 'limit');
          logger.info(
            { event: 'inbound.refused', reason: 'limit', code: 421, enhanced: '4.7.0', text, command: null, client_ip: ip, session: null },
            'inbound connection refused',
          );
        },
        onHandshakeFailed: () => {}, // no TLS on this listener
        onProxyRejected: (peer, { silent, ...refusal }) => {
          // A health check's connect-and-close is routine; anything else from a balancer is a misconfiguration.
          if (silent) return logger.debug({ event: 'inbound.error', err: refusal.text, error: 'proxy-header', client_ip: peer }, 'no PROXY header');
          opts.refusals?.smtpRefused('bounces', 'proxy-header');
          logger.info(
            { event: 'inbound.refused', reason: 'proxy-header', ...refusal, command: null, client_ip: peer, session: null },
            'inbound connection refused',
          );
        },
      });
      return acceptor.address;
    },
    async close() {
      draining = true;
      // Not awaited: it resolves only once every client has closed its side, which is theirs to do.
      void acceptor?.close();
      await endSessions([server], opts.closeTimeoutMs ?? 5_000);
      for (const g of guards.values()) g.dispose();
    },
  };
}
