/**
 * Session ids for smtp-server's connections, in its own format (80 random bits written as 16 base-32
 * digits, `0-9a-v`), from a pool of random bytes refilled 4 KB at a time. smtp-server draws its own with
 * one randomBytes call per connection, which cost about 30 µs of each connection on this sandbox (a CPU
 * profile of the connection-per-message benchmark); the pool's bytes come from the same generator.
 */
import { randomFillSync } from 'node:crypto';

const DIGITS = '0123456789abcdefghijklmnopqrstuv';
const BYTES = 10;
const pool = Buffer.alloc(4096 - (4096 % BYTES));
let poolAt = pool.length;

export function newSessionId(): string {
  if (poolAt + BYTES > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  // 80 bits, 5 at a time from the most significant: what BigInt(hex).toString(32).padStart(16, '0') gives.
  let id = '';
  let bits = 0;
  let acc = 0;
  for (let i = poolAt; i < poolAt + BYTES; i++) {
    acc = (acc << 8) | pool[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += DIGITS[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  poolAt += BYTES;
  return id;
}
