/**
 * Hands a socket the acceptor admitted (TLS already up on an implicit-TLS port) to smtp-server, which
 * greets it and runs the session. smtp-server's `connect` returns nothing: the connection is the one it
 * adds to its `connections` set during the call, unless its own `maxClients` backstop refused it. That set
 * is swapped once for one that remembers the connection added last, so finding it costs the same with 2
 * or 500 sessions open (walking the set did not: a connection-per-message load pays it on every connect).
 *
 * What smtp-server would otherwise fetch per connection is given to it: a session id from our pool
 * (src/listener/session-id.ts) and, when the listener is bound to one address, that address, which spares
 * a getsockname(2) per connection (about 16 µs each on this sandbox). Behind a PROXY-protocol balancer, the
 * client the header named is given as the session's remote address (smtp-server's `connect` options take it).
 */
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { Roster } from './roster.js';
import { newSessionId } from './session-id.js';

/** The address a listener is bound to, when it is one address (not 0.0.0.0 or ::). */
export interface BoundAddress {
  address: string;
  port: number;
}

/** The client a PROXY header named: the session's address and port in place of the balancer's. */
export interface ClientAddress {
  address: string;
  port: number;
}

/**
 * smtp-server's set of open connections, remembering the one added last. It uses `add`, `delete`, `size` and
 * `forEach`; we iterate it. Kept in a Roster by connection id, not in a Set (src/listener/roster.ts: a Set
 * churned by a connection per message kept every connection alive until a mark-compact).
 */
class Connections {
  newest: SMTPConnection | null = null;
  private readonly open = new Roster<SMTPConnection>();
  get size(): number {
    return this.open.size;
  }
  add(conn: SMTPConnection): this {
    this.newest = conn;
    this.open.set(conn.id, conn);
    return this;
  }
  delete(conn: SMTPConnection): boolean {
    return this.open.get(conn.id) === conn && this.open.delete(conn.id);
  }
  has(conn: SMTPConnection): boolean {
    return this.open.get(conn.id) === conn;
  }
  forEach(fn: (conn: SMTPConnection) => void): void {
    for (const conn of this.open.values()) fn(conn);
  }
  [Symbol.iterator](): IterableIterator<SMTPConnection> {
    return this.open.values();
  }
}

function connectionsOf(server: SMTPServer): Connections {
  if (server.connections instanceof Connections) return server.connections;
  const set = new Connections();
  for (const conn of server.connections) set.add(conn);
  set.newest = null;
  // Typed as a Set by smtp-server's declarations; it only calls the methods above.
  server.connections = set as unknown as Set<SMTPConnection>;
  return set;
}

export function openSmtpSession(
  server: SMTPServer,
  socket: Socket,
  local: BoundAddress | null = null,
  client: ClientAddress | null = null,
): SMTPConnection | null {
  const connections = connectionsOf(server);
  connections.newest = null;
  server.connect(socket, {
    id: newSessionId(),
    ...(local ? { localAddress: local.address, localPort: local.port } : {}),
    // smtp-server's session.remoteAddress, which every check, log line and Received header reads.
    ...(client ? { remoteAddress: client.address, remotePort: client.port } : {}),
  });
  const conn = connections.newest as SMTPConnection | null;
  connections.newest = null; // not kept past its session
  return conn && conn._socket === socket && connections.has(conn) ? conn : null;
}
