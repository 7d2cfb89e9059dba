/**
 * Microsoft's Junk Mail Reporting Program (JMRP) in its pre-ARF form, as Hotmail sent it and Sisimai's ARF
 * reader still reads it: a mail titled "complaint about message from <our IP>" with the reported message
 * attached whole, the complainer named only in the attached copy's `X-HmXmrOriginalRecipient` header. A
 * complaint, as an RFC 5965 report is, whatever address sent it.
 */
import { allParts, header, type MimePart } from './mime.js';

const SUBJECT = /^\s*complaint about message from\b/i;

/** The complainer's address field and the reported message's Message-ID, when `top` is such a report. */
export function jmrpReport(top: MimePart, subject: string): { complainer: string; messageId: string | null } | null {
  if (!SUBJECT.test(subject)) return null;
  for (const p of allParts(top)) {
    const reported = p.message?.headers;
    const complainer = reported ? header(reported, 'x-hmxmroriginalrecipient') : null;
    if (reported && complainer) return { complainer, messageId: header(reported, 'message-id')?.trim() ?? null };
  }
  return null;
}
