/**
 * Queue ids: ours, unique, and sortable by arrival, like Postfix's long queue ids
 * (enable_long_queue_ids): 10 characters of millisecond time then 6 random, in Crockford base32
 * (no I, L, O, U: nothing to misread when an operator copies one from a log).
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const QUEUE_ID = /^[0-9A-HJKMNP-TV-Z]{16}$/;

export function newQueueId(now: number = Date.now()): string {
  let time = '';
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // 30 random bits: two messages in the same millisecond collide with odds of one in a billion,
  // and the UNIQUE constraint turns even that into a 451 (retry), never a lost message.
  const r = randomBytes(4).readUInt32BE(0);
  let rand = '';
  for (let i = 0; i < 6; i++) rand += ALPHABET[(r >>> (i * 5)) & 31];
  return time + rand;
}
