/**
 * The HTTP server's front door: connections counted per client address and in total, with the same
 * Admission the SMTP listeners use (src/listener/admission.ts). The HTTP server shares this process's
 * file descriptors with the SMTP listeners, the store and the delivery sockets, so clients that open
 * sockets and never finish a request must not be able to take them all.
 *
 * A connection over a limit is answered `503` with a JSON error and closed before its request is read:
 * it costs no routing, no token check and no database work.
 */
import type { Server, Socket } from 'node:net';
import { Admission } from '../listener/admission.js';

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** IPv6 clients are counted per prefix of this length. */
  ipv6Prefix: number;
  /** api.trusted_proxies: not limited per address (every proxied client arrives from them), still in the total. */
  trustedProxies: readonly string[];
  /** Told of each refusal (for /metrics). */
  onRefused?: (limit: 'total' | 'per-ip') => void;
}

/** What a refused client reads: a complete HTTP response, so it can tell a limit from a crash. */
function refusal(text: string): string {
  const body = JSON.stringify({ error: text });
  return `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Admits or refuses every connection `server` accepts; returns the admission, for counts in tests. */
export function limitConnections(server: Server, limits: ConnectionLimits): Admission {
  const admission = new Admission({
    maxTotal: limits.maxConnections,
    maxPerIp: limits.maxConnectionsPerIp,
    maxAuthenticatedPerIp: limits.maxConnectionsPerIp,
    trustedNetworks: limits.trustedProxies,
    ipv6Prefix: limits.ipv6Prefix,
  });
  // node's HTTP connection listener (the parser, the request handler) runs only for admitted sockets:
  // a refused one never has its request parsed or routed.
  const http = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const slot = admission.admit(ip);
    if (typeof slot !== 'string') {
      socket.once('close', slot.release);
      for (const listener of http) listener.call(server, socket);
      return;
    }
    limits.onRefused?.(slot === 'total' ? 'total' : 'per-ip');
    const text = slot === 'total' ? 'too many connections; try again later' : `too many connections from ${admission.describe(ip)}; try again later`;
    // Closing with the client's request unread would send a reset, which can make the client lose the
    // 503; so the request is read and dropped (resume) until the client closes, for at most a second.
    socket.on('error', () => {});
    socket.setTimeout(1000, () => socket.destroy());
    socket.resume();
    socket.end(refusal(text));
  });
  return admission;
}
