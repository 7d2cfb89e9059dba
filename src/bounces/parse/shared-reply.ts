/**
 * One remote reply reported for several recipients. A server that refuses the whole message after its data answers
 * once for every recipient of the transaction, and the reporting MTA lists that answer under each of them (Exim's
 * "SMTP error from remote mail server after end of data", Postfix's "in reply to end of DATA command", a
 * Diagnostic-Code repeated in every recipient's group). An address verdict in it ("550 5.1.1 <bob@…>: user unknown")
 * is about the recipient it names, not about the others it was copied under; one that names none of several
 * recipients is no verdict on any of them. The delivery side reads the same replies the same way (EOTHERRCPT,
 * EUNNAMED in src/classify): such a reply never suppresses the addresses it was not about.
 */
import { phaseFromText } from '../../classify/classify.js';
import type { ParsedRecipient } from '../types.js';

const SUFFIX = ' (reported later in a bounce, after the message had been accepted).';
const ABOUT_ANOTHER = `The receiving server refused the whole message after its content with a reply about another of its recipients, not this one; nothing is known against this address, and it is not suppressed${SUFFIX}`;
const ABOUT_NONE = `The receiving server refused the whole message after its content with a reply about a bad address that names none of its recipients; it had accepted each of them, so this is no verdict on this address (often a filter), and the address is not suppressed${SUFFIX}`;

/** The remote reply in a diagnostic: from its first reply code on ("… after end of data: 550 5.1.1 <bob@…>: …"). */
function replyOf(diagnostic: string | null): string | null {
  if (!diagnostic) return null;
  const m = /(?:^|[\s:;])([45]\d\d)[ -]/.exec(diagnostic);
  return m ? diagnostic.slice(m.index).trim().toLowerCase() : null;
}

function namesOf(r: ParsedRecipient): string[] {
  return [r.address, r.final_recipient, r.original_recipient].filter((a): a is string => !!a).map((a) => a.toLowerCase());
}

/** Whether `text` names `address` as a whole address (not inside a longer one). */
function names(text: string, address: string): boolean {
  let at = text.indexOf(address);
  while (at >= 0) {
    const before = at === 0 ? '' : text[at - 1]!;
    const after = text[at + address.length] ?? '';
    if (!/[\w.+-]/.test(before) && !/[\w-]/.test(after === '.' ? (text[at + address.length + 1] ?? '') : after)) return true;
    at = text.indexOf(address, at + 1);
  }
  return false;
}

export function oneReplyForSeveral(recipients: ParsedRecipient[], notice: string | null): ParsedRecipient[] {
  const failed = recipients.filter((r) => r.action === 'failed' && r.hard === true);
  if (failed.length === 0 || recipients.filter((r) => r.action === 'failed').length < 2) return recipients;
  const replies = new Map<string, number>();
  for (const r of recipients) {
    const reply = r.action === 'failed' ? replyOf(r.diagnostic) : null;
    if (reply) replies.set(reply, (replies.get(reply) ?? 0) + 1);
  }
  return recipients.map((r) => {
    if (r.action !== 'failed' || r.hard !== true) return r;
    const reply = replyOf(r.diagnostic);
    if (!reply) return r;
    const own = namesOf(r);
    if (own.some((a) => names(reply, a))) return r;
    const other = recipients.some((o) => o !== r && o.action === 'failed' && namesOf(o).some((a) => !own.includes(a) && names(reply, a)));
    // (The same reply under several recipients, naming none, after the data: the stage is said in the diagnostic or
    // in the notice's line that quotes the reply.)
    const unnamed = !other && (replies.get(reply) ?? 0) >= 2 && !/@/.test(reply) && afterData(r.diagnostic, reply, notice);
    if (!other && !unnamed) return r;
    return {
      ...r,
      category: 'policy',
      hard: false,
      evidence: { source: 'notice', rule: other ? 'wording:another-recipient' : 'wording:unnamed-refusal', text: r.diagnostic?.slice(0, 200) ?? null },
      explanation: other ? ABOUT_ANOTHER : ABOUT_NONE,
      confidence: 'medium',
    };
  });
}

function afterData(diagnostic: string | null, reply: string, notice: string | null): boolean {
  if (diagnostic && phaseFromText(diagnostic) === 'data') return true;
  if (!notice) return false;
  // The notice's words just before its first quote of the reply (wrapped over its lines as it may be).
  const text = notice.replace(/\s+/g, ' ').toLowerCase();
  const at = text.indexOf(reply.replace(/\s+/g, ' ').slice(0, 40));
  return at > 0 && phaseFromText(text.slice(Math.max(0, at - 200), at)) === 'data';
}
