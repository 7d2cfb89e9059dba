/**
 * SpamCop's spam report to the abuse contact of a sending network: not RFC 5965, but a person's complaint about our
 * message all the same. SpamCop sends it from `<id>@reports.spamcop.net`, titles it "[SpamCop (<link>) id:<n>]<the
 * message's subject>", and quotes the reported message under "[ Offending message ]" with the recipient masked ("To:
 * x"), or attaches it whole; so only the message's own Message-ID ties it to the message it reports.
 */
import { allParts, bodyText, header, type MimePart } from './mime.js';

const SENDER = /@(?:[a-z0-9-]+\.)*spamcop\.net\s*>?\s*$/i;
const SUBJECT = /^\s*\[SpamCop \([^)\n]*\) id:\d+\]/i;
const OFFENDING = /^\[ Offending message \]\s*$/m;
/** The reported message's headers end at its first blank line. */
const REPORTED_HEADERS = /^[\s\S]*?(?=\n[ \t]*\n|$)/;

/** The reported message's Message-ID, when `top` is a SpamCop report. */
export function spamcopReport(top: MimePart, subject: string): { messageId: string | null } | null {
  const from = header(top.headers, 'from') ?? '';
  if (!SUBJECT.test(subject) && !SENDER.test(from)) return null;
  for (const part of allParts(top)) if (part.message) return { messageId: header(part.message.headers, 'message-id')?.trim() || null };
  const text = bodyText(top);
  const at = OFFENDING.exec(text);
  if (!at) return null;
  const reported = REPORTED_HEADERS.exec(text.slice(at.index + at[0].length).replace(/^\s*\n/, ''))?.[0] ?? '';
  return { messageId: /^Message-ID:[ \t]*(<[^<>\s]+>)/im.exec(reported)?.[1] ?? null };
}
