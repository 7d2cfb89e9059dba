/**
 * Password hashing for submission accounts.
 *
 * New hashes are argon2id (RFC 9106) with m=19456 KiB (19 MiB), t=2, p=1, stored as the PHC string
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (16-byte salt, 32-byte hash). That is the first choice of
 * OWASP's Password Storage Cheat Sheet ("Use Argon2id with a minimum configuration of 19 MiB of memory,
 * an iteration count of 2, and 1 degree of parallelism", https://cheatsheetseries.owasp.org/cheatsheets/
 * Password_Storage_Cheat_Sheet.html). The scrypt this replaces (N=2^15, r=8, p=1) was below the same sheet's
 * scrypt minimum (N=2^17, r=8, p=1), so the change raises the bar rather than lowering it, and one check
 * costs about 17 ms here instead of about 177 ms (docs/benchmarks.md): a cold wave of sessions no longer
 * queues behind scrypt runs on libuv's four threads.
 *
 * Hashes made before (`scrypt$N$r$p$<salt base64>$<hash base64>`) still verify; `needsRehash` tells the
 * listener to replace them with an argon2id hash at the user's next successful AUTH (src/auth/rehash.ts).
 */
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The parameters of new hashes (m in KiB). */
export const ARGON2 = { m: 19_456, t: 2, p: 1 } as const;
/** @node-rs/argon2's Algorithm.Argon2id: a `const enum` in its types, which isolated modules cannot read. */
const ARGON2ID = 2;

export async function hashPassword(password: string): Promise<string> {
  // The library draws a 16-byte salt itself; it runs on libuv's thread pool (a napi async task), off the event loop.
  return argon2Hash(password.normalize('NFC'), { algorithm: ARGON2ID, memoryCost: ARGON2.m, timeCost: ARGON2.t, parallelism: ARGON2.p, outputLen: 32 });
}

// `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, base64 without padding as the PHC string format writes it.
const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{22,128})$/;

/** The parameters of a stored argon2id string, or null when it is malformed or out of bounds. */
function argon2Params(stored: string): { m: number; t: number; p: number } | null {
  const match = PHC.exec(stored);
  if (!match) return null;
  const [m, t, p] = match.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a corrupted row from asking for gigabytes of memory or minutes of CPU: at most 256 MiB
  // and 10 passes; argon2 itself needs at least 8 KiB per lane.
  if (!(p >= 1 && p <= 16 && t >= 1 && t <= 10 && m >= 8 * p && m <= 262_144)) return null;
  return { m, t, p };
}

/** True when `password` matches `stored` (argon2id or legacy scrypt). A malformed stored hash never matches (and never throws). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) {
    if (!argon2Params(stored)) return false;
    try {
      return await argon2Verify(stored, password.normalize('NFC'));
    } catch {
      return false;
    }
  }
  return verifyScrypt(password, stored);
}

/**
 * True when `stored` should be replaced by a fresh hash after a successful check: it is a legacy scrypt
 * hash, or an argon2id hash with less memory or fewer passes than new hashes get.
 */
export function needsRehash(stored: string): boolean {
  const params = argon2Params(stored);
  return !params || params.m < ARGON2.m || params.t < ARGON2.t;
}

function deriveScrypt(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The legacy form, `scrypt$N$r$p$salt$hash`, as hashes were made before argon2id. */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map((s) => Number.parseInt(s, 10));
  // Bounds keep a corrupted row from asking for gigabytes of memory.
  if (!(N >= 2 && N <= 1 << 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (salt.length === 0 || expected.length === 0) return false;
  let actual: Buffer;
  try {
    actual = await deriveScrypt(password, salt, N, r, p);
  } catch {
    return false;
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash to verify against when the user does not exist: the reply then takes as long as for a wrong
 * password, so AUTH timing does not tell which user names exist. It guards no account, so it is a constant
 * (of a random password nobody kept) with the parameters of new hashes (a test holds it to them): made at
 * each start instead, the relay paid an argon2id run and kept about 15 MB more resident from its first
 * second, whether or not anyone ever logged in (the deferral burst's peak, docs/benchmarks.md, 2026-12-04 20:36).
 */
const DUMMY = '$argon2id$v=19$m=19456,t=2,p=1$Ra2vVgOUrGgjBYII0AXPMg$/ZB0rlqNQkg30LVMnlxFXSw/hSuGqJ4BYspTpWoNLZI';
export function dummyHash(): string {
  return DUMMY;
}
