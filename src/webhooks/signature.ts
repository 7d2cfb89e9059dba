/**
 * Webhook signatures: how a receiver knows a POST came from this mailtrail and was not replayed.
 *
 *   X-Mailtrail-Timestamp: <unix seconds when this POST was made>
 *   X-Mailtrail-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 *
 * A receiver recomputes the HMAC over the raw body bytes (before any JSON parsing), compares in constant
 * time, and rejects timestamps far from its clock (replays). Every retry is signed afresh with its own
 * timestamp; the body is the same each time. `verify` below is the reference a receiver can copy.
 * The scheme is versioned (`v1=`) so that a future one can be sent beside it; receivers ignore unknown
 * versions and accept the POST if any `v1=` value matches.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Mailtrail-Timestamp';
export const SIGNATURE_HEADER = 'X-Mailtrail-Signature';
/** The event id: the same on every retry, so receivers can drop duplicates (delivery is at-least-once). */
export const EVENT_ID_HEADER = 'X-Mailtrail-Event-Id';

/** Default accepted clock difference for `verify`, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The `X-Mailtrail-Signature` value for this body at this time (unix seconds). */
export function sign(secret: string, timestamp: number, body: string | Buffer): string {
  return 'v1=' + hmac(secret, timestamp, body);
}

export interface VerifyInput {
  secret: string;
  /** The X-Mailtrail-Timestamp header as received. */
  timestamp: string | null | undefined;
  /** The X-Mailtrail-Signature header as received. */
  signature: string | null | undefined;
  /** The raw request body, exactly as received. */
  body: string | Buffer;
  /** The receiver's clock, unix seconds. Default: now. */
  now?: number;
  toleranceSeconds?: number;
}

/** True when the signature matches the body and timestamp and the timestamp is within the tolerance. */
export function verify(input: VerifyInput): boolean {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmac(input.secret, Number(timestamp), input.body), 'hex');
  return signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .some((part) => {
      const given = Buffer.from(part.slice(3), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function hmac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
