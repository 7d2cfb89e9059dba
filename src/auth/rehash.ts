/**
 * Upgrades a user's stored password hash after a successful AUTH, while the password is at hand: a legacy
 * scrypt hash (or an argon2id hash weaker than new ones, src/auth/password.ts) becomes a fresh argon2id
 * hash. Only a password that just verified is hashed, so a guess can never be written.
 *
 * The AUTH never waits for it and never fails because of it: the write is logged when it fails, and tried
 * again at the first login after a pause (`retryAfterMs`, 5 minutes): an argon2id hash costs tens of ms of
 * CPU and 19 MB, and an app that connects per message would otherwise pay one per login while the store
 * refuses the write. One upgrade per user at a time: a wave of sessions of one account hashes once.
 */
import type { Logger } from '../log/logger.js';
import type { UserStore } from '../store/store.js';
import { hashPassword, needsRehash } from './password.js';

export interface Rehasher {
  /** Starts the upgrade of `name`'s hash when it needs one; the promise (for tests) settles when done and never rejects. */
  afterLogin(name: string, password: string, stored: string): Promise<void>;
}

// Bounds the memory of hashes known to be current (and of users whose last write failed); the oldest go
// first (and are parsed again, or retried, when seen).
const MAX_CURRENT = 10_000;

export interface RehasherOptions {
  /** How long after a failed write the user's hash is not upgraded again (ms; default 5 minutes). */
  retryAfterMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

export function createRehasher(users: Pick<UserStore, 'replacePasswordHash'>, log: Pick<Logger, 'info' | 'warn'>, opts: RehasherOptions = {}): Rehasher {
  const retryAfterMs = opts.retryAfterMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  const running = new Map<string, Promise<void>>();
  // User name → when an upgrade may be tried again after a failed write.
  const failedUntil = new Map<string, number>();
  // Stored hashes already found current: an app that connects per message logs in with the same hash every
  // time, and parsing its PHC string again was a few µs of every connection (issue 18).
  const upToDate = new Set<string>();
  return {
    afterLogin(name, password, stored) {
      if (upToDate.has(stored)) return Promise.resolve();
      if (!needsRehash(stored)) {
        if (upToDate.size >= MAX_CURRENT) upToDate.delete(upToDate.values().next().value!);
        upToDate.add(stored);
        return Promise.resolve();
      }
      const current = running.get(name);
      if (current) return current;
      const until = failedUntil.get(name);
      if (until !== undefined) {
        if (now() < until) return Promise.resolve();
        failedUntil.delete(name);
      }
      const upgrade = (async () => {
        try {
          // Conditional on the old hash: a password changed meanwhile is not overwritten.
          if (await users.replacePasswordHash(name, stored, await hashPassword(password))) {
            log.info({ event: 'submission.password_rehashed', user: name }, 'password hash upgraded to argon2id');
          }
        } catch (err) {
          if (failedUntil.size >= MAX_CURRENT) failedUntil.delete(failedUntil.keys().next().value!);
          failedUntil.set(name, now() + retryAfterMs);
          log.warn(
            { event: 'submission.password_rehash_failed', user: name, err },
            `could not store the upgraded password hash; kept the old one, trying again at a login after ${Math.ceil(retryAfterMs / 1000)} s`,
          );
        } finally {
          running.delete(name);
        }
      })();
      running.set(name, upgrade);
      return upgrade;
    },
  };
}
