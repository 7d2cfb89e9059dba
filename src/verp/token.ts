/**
 * VERP return paths: `b+<token>@<bounce domain>`, where the token names the message and recipient and
 * carries an HMAC so that nobody can forge a bounce for mail we did not send. Postmasters and some MTAs
 * lower-case addresses, so the token uses only lower-case base32 and digits.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'b+';
const MAC_CHARS = 16; // 80 bits of HMAC-SHA256, base32: unguessable, short enough for 64-octet local parts

export interface VerpTarget {
  /** Internal recipient row id. */
  recipientId: number;
}

function mac(secret: string, payload: string): string {
  return base32(createHmac('sha256', secret).update(payload).digest()).slice(0, MAC_CHARS);
}

function base32(buf: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The local-part token for a recipient: `<recipient id base36>-<mac>`. */
export function verpToken(secret: string, target: VerpTarget): string {
  const id = target.recipientId.toString(36);
  return `${id}-${mac(secret, `r:${id}`)}`;
}

export function verpAddress(secret: string, bounceDomain: string, target: VerpTarget): string {
  return `${PREFIX}${verpToken(secret, target)}@${bounceDomain.toLowerCase()}`;
}

/**
 * Reads a VERP address (any case). Returns null when it is not one of ours or the MAC does not verify:
 * a forged or mangled token is indistinguishable from an unknown address.
 */
/** VERP addresses written anywhere in a text (a returned message's Return-Path, a report's lines). */
const VERP_IN_TEXT = /\bb\+[0-9a-z]{1,13}-[a-z2-7]{16}@/gi;

/**
 * The recipients whose VERP tokens appear in `text` and verify, first seen first, at most `max` looked at:
 * a report sent to a role address still carries the return path of the message it returns.
 */
export function verpTargetsIn(secret: string, text: string, max = 20): VerpTarget[] {
  const out: VerpTarget[] = [];
  const seen = new Set<string>();
  VERP_IN_TEXT.lastIndex = 0;
  for (let m = VERP_IN_TEXT.exec(text); m !== null && seen.size < max; m = VERP_IN_TEXT.exec(text)) {
    const token = m[0].toLowerCase();
    if (seen.has(token)) continue;
    seen.add(token);
    const target = parseVerpAddress(secret, token);
    if (target) out.push(target);
  }
  return out;
}

export function parseVerpAddress(secret: string, address: string): VerpTarget | null {
  const at = address.lastIndexOf('@');
  const local = (at < 0 ? address : address.slice(0, at)).toLowerCase();
  if (!local.startsWith(PREFIX)) return null;
  const m = /^([0-9a-z]{1,13})-([a-z2-7]{16})$/.exec(local.slice(PREFIX.length));
  if (!m) return null;
  const expected = Buffer.from(mac(secret, `r:${m[1]}`));
  const given = Buffer.from(m[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const recipientId = Number.parseInt(m[1], 36);
  return Number.isSafeInteger(recipientId) && recipientId > 0 ? { recipientId } : null;
}
