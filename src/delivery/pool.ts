/**
 * Idle SMTP connections kept for a few seconds after a transaction, so the next job to the same
 * host reuses the session (RSET, then MAIL) instead of paying TCP + greeting + EHLO + TLS again.
 * A connection is in the pool only while idle: `take()` removes it, `put()` returns it.
 */
import type { SmtpClient } from './smtp-client.js';

interface Idle {
  client: SmtpClient;
  timer: NodeJS.Timeout;
}

export class ConnectionPool {
  private idle = new Map<string, Idle[]>();

  constructor(
    private readonly idleMs: number,
    private readonly onExpire: (client: SmtpClient) => void,
  ) {}

  take(key: string): SmtpClient | null {
    const list = this.idle.get(key);
    while (list?.length) {
      const entry = list.pop()!;
      clearTimeout(entry.timer);
      if (!entry.client.closed) return entry.client;
    }
    return null;
  }

  put(key: string, client: SmtpClient): void {
    const list = this.idle.get(key) ?? [];
    this.idle.set(key, list);
    const entry: Idle = {
      client,
      timer: setTimeout(() => {
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
        this.onExpire(client);
      }, this.idleMs),
    };
    entry.timer.unref(); // an idle connection must not keep the process alive
    list.push(entry);
  }

  /** Removes and returns every idle connection. */
  drain(): SmtpClient[] {
    const all: SmtpClient[] = [];
    for (const list of this.idle.values()) {
      for (const e of list) {
        clearTimeout(e.timer);
        all.push(e.client);
      }
    }
    this.idle.clear();
    return all;
  }
}
