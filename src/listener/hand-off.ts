/**
 * Hands a socket the acceptor admitted (TLS already up on an implicit-TLS port) to smtp-server, which
 * greets it and runs the session. smtp-server's `connect` returns nothing: the connection is the one it
 * added last to its set (a Set keeps insertion order), unless its own `maxClients` backstop refused it.
 */
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

export function openSmtpSession(server: SMTPServer, socket: Socket): SMTPConnection | null {
  server.connect(socket, {});
  let last: SMTPConnection | undefined;
  for (const conn of server.connections as Set<SMTPConnection>) last = conn;
  return last && last._socket === socket ? last : null;
}
