/**
 * Web sessions: a random id in an httpOnly, SameSite=Strict cookie, mapped in memory to the API token's
 * hash (never the token), the CSRF token of the session, and its age. The token is checked again on
 * every request, so removing it ends its sessions. Sessions live in this process: a restart signs
 * everyone out, which is the safe direction.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Session {
  /** SHA-256 of the API token used to sign in. */
  tokenSha256: string;
  /** Sent back in every form (`_csrf`), compared on every action. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionOptions {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxAgeMs: number;
  now?: () => number;
  /** More sessions than this: the least recently used goes (memory stays bounded). */
  limit?: number;
}

export interface Sessions {
  /** A new session; returns the cookie value (the only copy of the id) and the session. */
  create(tokenSha256: string): { id: string; session: Session };
  /** The live session for this cookie value (its idle time restarts), or null. */
  get(id: string | undefined): Session | null;
  destroy(id: string | undefined): void;
  readonly size: number;
}

export const SESSION_COOKIE = 'mailtrail_session';

export const randomToken = () => randomBytes(32).toString('base64url');
// Keyed by a hash of the cookie value: the map holds nothing a memory dump could replay as a cookie.
const key = (id: string) => createHash('sha256').update(id).digest('base64url');

export function createSessions(opts: SessionOptions): Sessions {
  const now = opts.now ?? Date.now;
  const limit = opts.limit ?? 10_000;
  // A Map keeps insertion order; touching a session re-inserts it, so the first entry is the least recently used.
  const sessions = new Map<string, Session>();
  const alive = (s: Session, t: number) => t - s.lastSeenAt < opts.idleMs && t - s.createdAt < opts.maxAgeMs;
  return {
    create(tokenSha256) {
      const id = randomToken();
      const t = now();
      const session: Session = { tokenSha256, csrf: randomToken(), createdAt: t, lastSeenAt: t };
      while (sessions.size >= limit) sessions.delete(sessions.keys().next().value!);
      sessions.set(key(id), session);
      return { id, session };
    },
    get(id) {
      if (!id) return null;
      const k = key(id);
      const s = sessions.get(k);
      if (!s) return null;
      const t = now();
      sessions.delete(k);
      if (!alive(s, t)) return null;
      s.lastSeenAt = t;
      sessions.set(k, s);
      return s;
    },
    destroy(id) {
      if (id) sessions.delete(key(id));
    },
    get size() {
      return sessions.size;
    },
  };
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value: httpOnly and SameSite=Strict always; Secure when the page is served over HTTPS. */
export function cookie(name: string, value: string, opts: { path: string; maxAgeS: number; secure: boolean }): string {
  return `${name}=${value}; Path=${opts.path}; Max-Age=${opts.maxAgeS}; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
}
