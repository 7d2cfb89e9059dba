/**
 * Hands a socket the acceptor admitted (TLS already up on an implicit-TLS port) to smtp-server, which
 * greets it and runs the session. smtp-server's `connect` returns nothing: the connection is the one it
 * added last to its set (a Set keeps insertion order), unless its own `maxClients` backstop refused it.
 *
 * What smtp-server would otherwise fetch per connection is given to it: a session id from our pool
 * (src/listener/session-id.ts) and, when the listener is bound to one address, that address, which spares
 * a getsockname(2) per connection (about 16 µs each on this sandbox).
 */
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { newSessionId } from './session-id.js';

/** The address a listener is bound to, when it is one address (not 0.0.0.0 or ::). */
export interface BoundAddress {
  address: string;
  port: number;
}

export function openSmtpSession(server: SMTPServer, socket: Socket, local: BoundAddress | null = null): SMTPConnection | null {
  server.connect(socket, { id: newSessionId(), ...(local ? { localAddress: local.address, localPort: local.port } : {}) });
  let last: SMTPConnection | undefined;
  for (const conn of server.connections as Set<SMTPConnection>) last = conn;
  return last && last._socket === socket ? last : null;
}
