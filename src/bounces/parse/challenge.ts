/**
 * Challenge-response systems: the recipient's filter holds a message from an unknown sender and mails the
 * sender a request to prove it is a person (click a link, reply, add itself to a guest list). The message
 * was neither delivered nor refused; it waits for an answer that mailtrail, being no person, will not
 * give. Such a request says nothing about the address and must not count as a bounce, even when it comes
 * dressed as a delivery-status report (Boxbe sends `multipart/report` with `Action: failed`).
 *
 * Recognised by the systems' own marks, never by generic words like "verify" or "confirm" (real bounces
 * use them too: "550 Your server requires confirmation" refuses the message and is a bounce):
 *
 *   TMDA        a `X-Delivery-Agent: TMDA/…` header on its confirmation requests
 *   Bluebottle  a `X-Bluebottle-Request` header; "This account is protected by Bluebottle"
 *   Boxbe       "… has been waitlisted", "Boxbe Guest List", or its report's `Diagnostic-Code:
 *               X-Boxbe-Notice; Sender not pre-approved`
 *   Spam Arrest "… protected by Spam Arrest" / a request sent from spamarrest.com asking to verify
 *   BoxTrapper  cPanel's: a `X-Boxtrapper` header on its verification requests
 */
import { header, type Header } from './mime.js';

/** The systems' own sentences, looked for in the first part of the notice. */
const CHALLENGE_WORDING =
  /\bBoxbe Guest List\b|\bhas been waitlisted\b|X-Boxbe-Notice;|protected by (?:Bluebottle|Spam ?Arrest)\b|\bSpam ?Arrest\b[^\n]{0,200}\bverif(?:y|ication)\b/i;

/** The names the wording above always contains, as the systems write them. */
const BRANDS = ['Boxbe', 'waitlisted', 'Bluebottle', 'Spam Arrest', 'SpamArrest'];

/** How much of the notice's text is searched: the systems say who they are in their first lines. */
const SEARCHED = 6000;

/** The name of the system whose challenge this is, or null. `text`: the notice's text (bodyText). */
export function challengeResponse(headers: Header[], text: string, statusFields: string | null): string | null {
  if (/^\s*TMDA\b/i.test(header(headers, 'x-delivery-agent') ?? '')) return 'TMDA';
  if (header(headers, 'x-bluebottle-request') !== null) return 'Bluebottle';
  if (header(headers, 'x-boxtrapper') !== null) return 'BoxTrapper';
  if (statusFields && /^Diagnostic-Code:\s*X-Boxbe-Notice\s*;/im.test(statusFields)) return 'Boxbe';
  const head = text.length > SEARCHED ? text.slice(0, SEARCHED) : text;
  // Plain searches for the systems' names first: the pattern is read only on the rare mail that has one.
  if (!BRANDS.some((b) => head.includes(b))) return null;
  const m = CHALLENGE_WORDING.exec(head);
  if (!m) return null;
  return /boxbe|waitlisted/i.test(m[0]) ? 'Boxbe' : /bluebottle/i.test(m[0]) ? 'Bluebottle' : 'Spam Arrest';
}
