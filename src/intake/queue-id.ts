/**
 * Queue ids: ours, unique, and sortable by arrival, like Postfix's long queue ids
 * (enable_long_queue_ids): 10 characters of millisecond time then 6 random, in Crockford base32
 * (no I, L, O, U: nothing to misread when an operator copies one from a log).
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const QUEUE_ID = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** The last id's time and random part: ids made in the same millisecond count up from it. */
let lastTime = -1;
let lastRand = 0;
const RAND_SPACE = 2 ** 30;

/**
 * 30 random bits from a pool refilled 4 KB at a time: one randomBytes call per id cost about 4 us of a
 * submission (a call into OpenSSL each time); the pool's bytes come from the same generator.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function random30(): number {
  if (poolAt + 4 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = pool.readUInt32BE(poolAt) >>> 2;
  poolAt += 4;
  return r;
}

export function newQueueId(now: number = Date.now()): string {
  let t = Math.max(0, Math.floor(now));
  let r: number;
  if (t <= lastTime) {
    // Same (or an earlier) millisecond: one more than the last id, as monotonic ULIDs do. Random draws
    // alone would collide: 1,000 ids in a millisecond share 30 random bits with odds of about 1 in 2,000.
    t = lastTime;
    r = lastRand + 1;
    if (r >= RAND_SPACE) {
      t += 1;
      r = random30();
    }
  } else {
    r = random30(); // 30 random bits: other processes and threads differ too
  }
  lastTime = t;
  lastRand = r;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // Most significant first, so that ids of one millisecond sort in the order they were made.
  let rand = '';
  for (let i = 5; i >= 0; i--) rand += ALPHABET[(r >>> (i * 5)) & 31];
  return time + rand;
}
