/**
 * Remembers recent successful password checks, as Dovecot's auth cache does. Apps reconnect often
 * (many open a connection per message), and each AUTH costs a password hash run (argon2id, about 17 ms
 * of CPU; scrypt before it was measured as a sixth of the relay's CPU under a reconnecting load). A hit
 * needs the same stored hash and the same password within `ttlMs`: changing a password (a new hash) or
 * removing the user ends it at once. Only successes are remembered, so a guessed password always pays the
 * full hash cost.
 * The cache holds HMACs under a key that lives only in this process, never passwords.
 *
 * Checks of the same password against the same hash that overlap share one hash run: a fleet of
 * workers logging in at once (a cold cache after a start) pays for one check, not one per worker.
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { verifyPassword } from './password.js';

export interface VerifyCache {
  verify(password: string, stored: string): Promise<boolean>;
}

export function createVerifyCache(opts: { ttlMs: number; now?: () => number; verify?: typeof verifyPassword; maxEntries?: number }): VerifyCache {
  const now = opts.now ?? Date.now;
  const verify = opts.verify ?? verifyPassword;
  const maxEntries = opts.maxEntries ?? 10_000;
  // A key object made once: given raw bytes, createHmac imports the key anew on every AUTH.
  const key = createSecretKey(randomBytes(32));
  const entries = new Map<string, number>();
  const running = new Map<string, Promise<boolean>>();
  // One update (the same bytes as three: hash, NUL, password) and a binary-string digest: three updates
  // and base64 cost about a third more per AUTH.
  const tag = (password: string, stored: string) => createHmac('sha256', key).update(`${stored}\0${password}`, 'utf8').digest('binary');

  return {
    async verify(password, stored) {
      if (opts.ttlMs <= 0) return verify(password, stored);
      const t = tag(password, stored);
      const until = entries.get(t);
      if (until !== undefined && until > now()) return true;
      entries.delete(t);
      const shared = running.get(t);
      if (shared) return shared;
      const check = verify(password, stored).then((ok) => {
        if (ok) {
          if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
          entries.set(t, now() + opts.ttlMs);
        }
        return ok;
      });
      running.set(t, check);
      try {
        return await check;
      } finally {
        running.delete(t);
      }
    },
  };
}
