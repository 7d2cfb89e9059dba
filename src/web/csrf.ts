/**
 * CSRF: every form that changes something carries the session's token in `_csrf`, compared in constant
 * time; the SameSite=Strict cookie already keeps other sites' forms from arriving with a session, this
 * is the second lock. The sign-in form, which has no session yet, uses a double-submit nonce: the same
 * random value in a short-lived cookie and in the form.
 */
import { timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = '_csrf';
export const LOGIN_COOKIE = 'mailtrail_login';

export function sameToken(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
