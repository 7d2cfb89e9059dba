/**
 * Spam complaints written as text, not as RFC 5965 reports, about a message of ours all the same:
 * - SpamCop's report to the abuse contact of a sending network, from `<id>@reports.spamcop.net`, titled
 *   "[SpamCop (<link>) id:<n>]<the message's subject>", the reported message quoted under "[ Offending message ]"
 *   (older versions: "Offending message:") with the recipient masked ("To: x"), or attached whole;
 * - AOL's feedback loop before ARF (SCOMP), from `scomp@aol.net`, titled "Email Feedback Report for IP <ip>": "This is
 *   an email abuse report for an email message received from IP address …", the message attached.
 * Neither names the complainer, so the reported message's own Message-ID is what ties it to our message.
 */
import { allParts, bodyText, header, type MimePart } from './mime.js';

const SPAMCOP_SENDER = /@(?:[a-z0-9-]+\.)*spamcop\.net\s*>?\s*$/i;
const SPAMCOP_SUBJECT = /^\s*\[SpamCop \([^)\n]*\) id:\d+\]/i;
const AOL_SENDER = /\bscomp@aol\.net\b/i;
const AOL_SUBJECT = /^\s*Email Feedback Report for IP\b/i;
const AOL_TEXT = /\bThis is an email abuse report for an email message (?:received )?from IP\b/i;
/** Where SpamCop quotes the reported message. */
const OFFENDING = /^[ \t]*(?:\[ Offending message \]|-*\s*Offending message:)[ \t]*$/im;
/** The reported message's headers end at its first blank line. */
const REPORTED_HEADERS = /^[\s\S]*?(?=\n[ \t]*\n|$)/;

/** The reported message's Message-ID, when `top` is one of these complaints. */
export function textComplaint(top: MimePart, subject: string): { messageId: string | null } | null {
  const from = header(top.headers, 'from') ?? '';
  const spamcop = SPAMCOP_SUBJECT.test(subject) || SPAMCOP_SENDER.test(from);
  const aol = !spamcop && (AOL_SUBJECT.test(subject) || AOL_SENDER.test(from));
  if (!spamcop && !aol) return null;
  for (const part of allParts(top)) if (part.message) return { messageId: header(part.message.headers, 'message-id')?.trim() || null };
  const text = bodyText(top);
  if (aol) return AOL_TEXT.test(text.slice(0, 2000)) ? { messageId: quotedMessageId(text) } : null;
  const at = OFFENDING.exec(text);
  if (!at) return null;
  return { messageId: quotedMessageId(text.slice(at.index + at[0].length).replace(/^\s*\n/, '')) };
}

function quotedMessageId(quoted: string): string | null {
  const headers = REPORTED_HEADERS.exec(quoted)?.[0] ?? '';
  return /^Message-ID:[ \t]*(<[^<>\s]+>)/im.exec(headers)?.[1] ?? null;
}
