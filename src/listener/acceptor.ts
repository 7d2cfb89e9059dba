/**
 * The front door of an SMTP listener: accepts TCP connections, admits them against the connection
 * limits before reading a byte, performs the TLS handshake of an implicit-TLS port under its own short
 * deadline, and hands the socket to the SMTP session code. smtp-server never sees a refused
 * connection or an unfinished handshake.
 *
 * Why not smtp-server's own listener: it counts only its total before a handshake (no per-address
 * limit, so one address can hold every handshake slot) and times a handshake out after the whole idle
 * timeout.
 *
 * Behind a load balancer that speaks the PROXY protocol (`proxy`), a connection from a listed balancer
 * address first sends a header naming the client (src/listener/proxy-header.ts): until it is read the
 * connection holds a place in the total only, then the client takes its slot, counted per address like
 * a direct client, and the session sees the client's address. The header comes before the TLS handshake of
 * an implicit-TLS port, as balancers send it. Connections from any other address are never asked for one.
 */
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Admission, Refusal, Slot } from './admission.js';
import type { BoundAddress, ClientAddress } from './hand-off.js';
import { readProxyHeader } from './proxy-header.js';

export interface AcceptorOptions {
  host: string;
  port: number;
  /** Config keys of host/port, for the error when the port cannot be bound. */
  configKey: string;
  admission: Admission;
  /** Implicit TLS (port 465): the handshake is done here, within `handshakeTimeoutMs`. */
  tls?: { context: tls.SecureContext; handshakeTimeoutMs: number };
  /** PROXY protocol (v1 or v2): `from` tells the balancer addresses that must send a header first; absent: never read one. */
  proxy?: { from: (ip: string) => boolean; headerTimeoutMs: number } | null;
  /**
   * An admitted connection, TLS already up on an implicit-TLS port. `local`: the listener's address when it
   * is bound to one (every connection's local address then), null on a wildcard address. `client`: the
   * client a PROXY header named (the session's address instead of the balancer's), null otherwise.
   */
  onSession(socket: net.Socket, slot: Slot, local: BoundAddress | null, client: ClientAddress | null): void;
  /** A connection refused for lack of a slot (already answered, or dropped before a TLS handshake). */
  onRefused(ip: string, reason: Refusal): void;
  /** A TLS handshake that failed or ran out of time (its slot is already released). */
  onHandshakeFailed(ip: string, error: string): void;
  /** A balancer's connection closed for want of a valid PROXY header. */
  onProxyRejected?(peer: string, rejection: ProxyRejection): void;
}

export interface ProxyRejection {
  /** 421 when the peer was told (a cleartext port), null when it was only closed (implicit TLS). */
  code: 421 | null;
  enhanced: '4.7.0' | null;
  /** What was wrong with the header (or that there was none). */
  text: string;
  /** It closed without sending a byte, as a balancer's TCP health check does: routine, not worth an info line. */
  silent: boolean;
}

/** The reply to a balancer's connection without a valid header: its client learns why, and retries later. */
const PROXY_REJECTED_REPLY = '421 4.7.0 expected a PROXY protocol header from this load balancer; closing connection';

export interface Acceptor {
  readonly address: AddressInfo;
  /**
   * Stops accepting and drops unfinished handshakes at once; resolves when every socket it accepted
   * has closed (ending the sessions is the caller's job).
   */
  close(): Promise<void>;
}

export async function startAcceptor(o: AcceptorOptions): Promise<Acceptor> {
  /** Sockets not yet handed to a session (a PROXY header or a TLS handshake ahead): close() drops them. */
  const handshaking = new Set<net.Socket>();
  let local: BoundAddress | null = null;
  let closing = false;

  const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    socket.on('error', () => {}); // a reset before the session owns the socket is not our error
    if (o.proxy?.from(ip)) return viaProxy(socket, ip, o.proxy.headerTimeoutMs);
    admitted(socket, ip, o.admission.admit(ip), null);
  });

  function admitted(socket: net.Socket, ip: string, slot: Slot | Refusal, client: ClientAddress | null): void {
    if (typeof slot === 'string') {
      o.onRefused(ip, slot);
      if (o.tls)
        socket.destroy(); // nothing can be said in cleartext on an implicit-TLS port
      else socket.end(`421 4.7.0 ${slot === 'total' ? 'too many connections' : `too many connections from ${o.admission.describe(ip)}`}; try again later\r\n`);
      return;
    }
    if (!o.tls) return o.onSession(socket, slot, local, client);
    handshake(socket, slot, ip, o.tls, client);
  }

  /** A balancer's connection: a place in the total while its header is read, then its client's own slot. */
  function viaProxy(socket: net.Socket, peer: string, headerTimeoutMs: number): void {
    const hold = o.admission.hold();
    if (hold === 'total') return admitted(socket, peer, 'total', null);
    handshaking.add(socket);
    readProxyHeader(socket, headerTimeoutMs, (r) => {
      handshaking.delete(socket);
      if (!r.ok) {
        hold.release();
        const reply = !o.tls && !socket.destroyed && !closing;
        // Destroyed once the reply is out: a peer that keeps its side open must not keep the socket.
        if (reply) socket.end(`${PROXY_REJECTED_REPLY}\r\n`, () => socket.destroy());
        else socket.destroy();
        if (!closing) o.onProxyRejected?.(peer, { code: reply ? 421 : null, enhanced: reply ? '4.7.0' : null, text: r.problem, silent: r.silent });
        return;
      }
      // normalizeIp: an IPv4-mapped source (a TCP6 header from a balancer's dual-stack frontend) is its IPv4 client.
      const client = r.header.kind === 'proxied' ? { address: normalizeIp(r.header.address), port: r.header.port } : null;
      // PROXY UNKNOWN or v2 LOCAL (the balancer's own connection, a health check) is the balancer's, counted as such.
      const ip = client?.address ?? peer;
      admitted(socket, ip, hold.admit(ip), client);
    });
  }

  function handshake(raw: net.Socket, slot: Slot, ip: string, t: NonNullable<AcceptorOptions['tls']>, client: ClientAddress | null): void {
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: t.context });
    handshaking.add(secure);
    let settled = false;
    const fail = (error: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handshaking.delete(secure);
      slot.release();
      secure.destroy();
      raw.destroy();
      o.onHandshakeFailed(ip, error);
    };
    const timer = setTimeout(() => fail('ERR_TLS_HANDSHAKE_TIMEOUT'), t.handshakeTimeoutMs);
    timer.unref();
    secure.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    secure.once('close', () => fail('ECONNRESET'));
    secure.once('secure', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handshaking.delete(secure);
      secure.removeAllListeners('error');
      secure.removeAllListeners('close');
      secure.on('error', () => {}); // the session installs its own handler next
      o.onSession(secure, slot, local, client);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'EADDRINUSE'
          ? 'another process uses this port; stop it or change'
          : err.code === 'EACCES'
            ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE; use another port in'
            : 'check';
      reject(new Error(`cannot listen on ${o.host}:${o.port} (${err.code ?? err.message}): ${hint} ${o.configKey}.host/${o.configKey}.port`));
    });
    server.listen(o.port, o.host, () => resolve());
  });
  server.on('error', () => {}); // accept errors (EMFILE) are retried by libuv; the listener stays up
  const address = server.address() as AddressInfo;
  if (address.address !== '0.0.0.0' && address.address !== '::') local = { address: address.address, port: address.port };

  return {
    address,
    close() {
      closing = true;
      for (const s of handshaking) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so limits and logs see one form of an IPv4 client. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}
