/**
 * The connections delivery holds, per remote IP address: at most `maxPerHost` at a time, busy or
 * idle (Postfix's destination concurrency, but counted per MX address, because many domains share one
 * MX: every Google Workspace domain ends at aspmx.l.google.com, so a per-domain limit alone would let
 * fifty domains open fifty sessions to one Google address).
 *
 * A slot is taken by `acquire()` and given back by `release()`. An idle connection kept for reuse
 * still holds its slot, so reuse counts toward the limit; it is reused (RSET, then MAIL) before any
 * new connection is opened. A session that finds the address at its limit waits, first come first
 * served, until a slot is released or its timeout ends. Behind an address none of whose sessions has ended
 * for a second, as many may wait as its limit, and one more is turned away at once (`busy`).
 *
 * Why this cannot deadlock: a waiting session holds no slot (it asks for one address at a time, and
 * gives each back before it moves to the next MX); busy slots end within the SMTP timeouts; and an
 * idle connection never makes anyone wait: a newcomer takes it over (same key) or closes it and takes
 * its slot (another key), and a connection becoming idle while others wait goes to the first waiter.
 *
 * Several relays on one database share the limit (delivery-side.ts): the pool's limit for an address can
 * be lowered for a while (`cap`), to this relay's share when another relay waits, or to the connections
 * it has when the address is full of other relays' connections. Connections over the cap are closed as
 * they become idle instead of being kept, and the relay's sessions wait for its own connections.
 */
import type { SmtpClient } from './smtp-client.js';

export interface PoolOptions {
  /** How long an idle connection is kept for reuse. */
  idleMs: number;
  /** Simultaneous connections to one IP address, idle ones included (`delivery.max_connections_per_host`). */
  maxPerHost: number;
  /** Ends a connection the pool gives up (idle too long, closed for a waiter, drained). Never rejects. */
  close: (client: SmtpClient) => Promise<unknown>;
}

/** The right to one connection to `ip`, held from `acquire()` to `release()`. */
export interface Lease {
  readonly ip: string;
  /** An open idle connection for the asked key, to reuse (check it with RSET); null: open a new one. */
  readonly client: SmtpClient | null;
}

export type Acquired =
  /** `waitedMs`: how long the session waited for the slot (0 when one was free). */
  | { ok: true; lease: Lease; waitedMs: number }
  /**
   * `limit`: the wait ended with the address still at its limit; `aborted`: the signal fired; `stopping`: the
   * relay is stopping; `busy`: as many sessions as the limit already wait for the address (not queued).
   */
  | { ok: false; reason: 'limit' | 'aborted' | 'stopping' | 'busy'; open: number; waitedMs: number };

interface Idle {
  key: string;
  client: SmtpClient;
  timer: NodeJS.Timeout;
}

interface Waiter {
  key: string;
  grant: (lease: Lease) => void;
}

interface Host {
  /** Slots taken: busy sessions, idle connections, and connections being closed for a waiter. */
  held: number;
  idle: Idle[];
  waiters: Waiter[];
  /** A lowered limit in force until its timer runs out (null: `maxPerHost`). */
  cap: { max: number; timer: NodeJS.Timeout } | null;
  /** When a session last gave its slot back (at first: when the address was first asked for): see acquire. */
  endedAt: number;
}

/** How long an address may go without a session ending before its queue is bounded (see acquire). */
const STILL_MS = 1_000;

export class ConnectionPool {
  private hosts = new Map<string, Host>();
  private drained = false;

  constructor(private readonly options: PoolOptions) {}

  /** Slots held for `ip` now (busy and idle connections). */
  open(ip: string): number {
    return this.hosts.get(ip)?.held ?? 0;
  }

  /**
   * A slot for a session to `ip` whose connections are interchangeable when their `key` is equal
   * (same host name, port, TLS mode, credentials). Waits at most `timeoutMs` for a slot.
   */
  /**
   * `onWait` is called when the session has to wait, with whether it is among the first `limit` waiters (the
   * deliverer lends its delivery slot back only then: the queue's further waiters keep theirs, which bounds
   * the jobs one address can keep claimed).
   */
  async acquire(
    ip: string,
    key: string,
    opts: { timeoutMs: number; signal?: AbortSignal; stopping?: AbortSignal; onWait?: (near: boolean) => void },
  ): Promise<Acquired> {
    const host = this.host(ip);
    const started = Date.now();
    if (opts.signal?.aborted) return { ok: false, reason: 'aborted', open: host.held, waitedMs: 0 };
    if (opts.stopping?.aborted) return { ok: false, reason: 'stopping', open: host.held, waitedMs: 0 };

    // An idle connection with this key: its slot passes to us with it. A dead one still hands over its slot.
    const same = host.idle.findIndex((e) => e.key === key && !e.client.closed);
    const reusable = same >= 0 ? same : host.idle.findIndex((e) => e.key === key);
    if (reusable >= 0) {
      const [entry] = host.idle.splice(reusable, 1);
      clearTimeout(entry.timer);
      return { ok: true, lease: { ip, client: entry.client.closed ? null : entry.client }, waitedMs: 0 };
    }
    if (host.held < this.limit(host)) {
      host.held++;
      return { ok: true, lease: { ip, client: null }, waitedMs: 0 };
    }
    // At the limit with an idle connection of another key: close it and take its slot. It is closed
    // before we connect, so the address never sees more than the limit.
    if (host.idle.length) {
      const entry = host.idle.shift()!;
      clearTimeout(entry.timer);
      await this.options.close(entry.client);
      return { ok: true, lease: { ip, client: null }, waitedMs: Date.now() - started };
    }

    // An address none of whose sessions has ended for a while (a server that stopped answering) queues as
    // many sessions as its limit, no more: the next could not start before those ahead of it each waited out
    // a timeout, holding its job and a delivery slot all that time. The caller gives its job back for later
    // instead; a waiter beyond the limit already queued leaves as soon as the address stands still. A busy
    // address that keeps moving (one MX for many domains) queues as many as come, and so does one whose
    // limit is lowered to this relay's share (`cap`): they wait for the other relays' slots.
    const ahead = host.waiters.length;
    const far = !host.cap && ahead >= this.limit(host);
    const still = () => Date.now() - host.endedAt > STILL_MS;
    if (far && still()) return { ok: false, reason: 'busy', open: host.held, waitedMs: 0 };
    return new Promise<Acquired>((resolve) => {
      const waiter: Waiter = {
        key,
        grant: (lease) => {
          done();
          resolve({ ok: true, lease, waitedMs: Date.now() - started });
        },
      };
      const giveUp = (reason: 'limit' | 'aborted' | 'stopping' | 'busy') => {
        const i = host.waiters.indexOf(waiter);
        if (i < 0) return; // already granted
        host.waiters.splice(i, 1);
        done();
        resolve({ ok: false, reason, open: host.held, waitedMs: Date.now() - started });
        this.forget(ip, host);
      };
      const onAbort = () => giveUp('aborted');
      // The relay stopping: a session still waiting for a slot has not begun, so it is handed back unattempted
      // instead of holding the stop until its wait runs out (connect_timeout_ms).
      const onStopping = () => giveUp('stopping');
      const timer = setTimeout(() => giveUp('limit'), opts.timeoutMs);
      const watch = far ? setInterval(() => still() && giveUp('busy'), STILL_MS / 4) : null;
      const done = () => {
        clearTimeout(timer);
        if (watch) clearInterval(watch);
        opts.signal?.removeEventListener('abort', onAbort);
        opts.stopping?.removeEventListener('abort', onStopping);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      opts.stopping?.addEventListener('abort', onStopping, { once: true });
      host.waiters.push(waiter);
      opts.onWait?.(ahead < this.limit(host));
    });
  }

  /**
   * Gives the lease's slot back. With `reuse`, the still-open connection is kept: handed to the first
   * waiter (or closed for it when its key differs), or else kept idle for `idleMs`. Without it, the
   * caller must already have closed its connection, so that a waiter never opens one too many.
   */
  release(lease: Lease, reuse?: { client: SmtpClient; key: string }): void {
    const host = this.host(lease.ip);
    host.endedAt = Date.now();
    if (reuse && !reuse.client.closed && !this.drained && host.held <= this.limit(host)) {
      const next = host.waiters.shift();
      if (!next) {
        this.keepIdle(lease.ip, host, reuse.key, reuse.client);
        return;
      }
      if (next.key === reuse.key) {
        next.grant({ ip: lease.ip, client: reuse.client });
        return;
      }
      // First come, first served: the oldest waiter gets the slot even when it cannot use this connection.
      void this.options.close(reuse.client).then(() => next.grant({ ip: lease.ip, client: null }));
      return;
    }
    if (reuse && !reuse.client.closed) void this.options.close(reuse.client).then(() => this.free(lease.ip, host));
    else this.free(lease.ip, host);
  }

  /**
   * Lowers the limit for `ip` to `max` for `forMs` (the lowest cap in force wins until it runs out). Idle
   * connections over it are closed now; busy ones are closed when their session ends.
   */
  cap(ip: string, max: number, forMs: number): void {
    const host = this.host(ip);
    const at = Math.max(0, Math.min(max, this.options.maxPerHost));
    if (host.cap && host.cap.max <= at) return;
    if (host.cap) clearTimeout(host.cap.timer);
    const timer = setTimeout(() => {
      if (host.cap?.timer !== timer) return;
      host.cap = null;
      this.pump(ip, host);
      this.forget(ip, host);
    }, forMs);
    timer.unref();
    host.cap = { max: at, timer };
    while (host.held > at && host.idle.length) {
      const entry = host.idle.shift()!;
      clearTimeout(entry.timer);
      void this.options.close(entry.client).then(() => this.free(ip, host));
    }
  }

  /** Removes and returns every idle connection (their slots are freed); later releases close theirs. */
  drain(): SmtpClient[] {
    this.drained = true;
    const all: SmtpClient[] = [];
    for (const [ip, host] of this.hosts) {
      for (const e of host.idle.splice(0)) {
        clearTimeout(e.timer);
        host.held--;
        all.push(e.client);
      }
      this.forget(ip, host);
    }
    return all;
  }

  private keepIdle(ip: string, host: Host, key: string, client: SmtpClient): void {
    const entry: Idle = {
      key,
      client,
      timer: setTimeout(() => {
        const i = host.idle.indexOf(entry);
        if (i < 0) return;
        host.idle.splice(i, 1);
        void this.options.close(client).then(() => this.free(ip, host));
      }, this.options.idleMs),
    };
    entry.timer.unref(); // an idle connection must not keep the process alive
    host.idle.push(entry);
  }

  /** A slot is free: the first waiter gets it (unless the pool is over its cap), or the count goes down. */
  private free(ip: string, host: Host): void {
    const next = host.held <= this.limit(host) ? host.waiters.shift() : undefined;
    if (next) {
      next.grant({ ip, client: null });
      return;
    }
    host.held = Math.max(0, host.held - 1);
    this.forget(ip, host);
  }

  private limit(host: Host): number {
    return host.cap ? host.cap.max : this.options.maxPerHost;
  }

  /** A cap ran out: waiters get the slots now under the limit. */
  private pump(ip: string, host: Host): void {
    while (host.waiters.length && host.held < this.limit(host)) {
      host.held++;
      host.waiters.shift()!.grant({ ip, client: null });
    }
  }

  private host(ip: string): Host {
    let host = this.hosts.get(ip);
    if (!host) {
      host = { held: 0, idle: [], waiters: [], cap: null, endedAt: Date.now() };
      this.hosts.set(ip, host);
    }
    return host;
  }

  private forget(ip: string, host: Host): void {
    if (host.held === 0 && host.idle.length === 0 && host.waiters.length === 0 && !host.cap && this.hosts.get(ip) === host) this.hosts.delete(ip);
  }
}
