/**
 * Queue ids: ours, unique, and sortable by arrival, like Postfix's long queue ids
 * (enable_long_queue_ids): 10 characters of millisecond time then 6 random, in Crockford base32
 * (no I, L, O, U: nothing to misread when an operator copies one from a log).
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const QUEUE_ID = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** The last id's time and random part: ids made in the same millisecond count up from it. */
let lastTime = -1;
let lastRand = 0;
const RAND_SPACE = 2 ** 30;

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
      r = randomBytes(4).readUInt32BE(0) >>> 2;
    }
  } else {
    r = randomBytes(4).readUInt32BE(0) >>> 2; // 30 random bits: other processes and threads differ too
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
