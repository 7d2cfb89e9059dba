/**
 * Graceful end of an SMTP listener's sessions: give them `graceMs` to finish on their own (a message
 * in DATA gets its reply; the guard answers any new command with 421 meanwhile), then tell the rest
 * 421 and close them.
 */
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** `onCut`: told of each session still open at the end of the grace, before its 421 (to log it). */
export async function endSessions(servers: readonly SMTPServer[], graceMs: number, onCut?: (conn: SMTPConnection) => void): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (servers.some((s) => s.connections.size > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const server of servers) {
    for (const conn of [...server.connections] as SMTPConnection[]) {
      onCut?.(conn);
      conn.send(421, '4.3.2 Server shutting down; try again later');
      conn.close();
    }
  }
}
