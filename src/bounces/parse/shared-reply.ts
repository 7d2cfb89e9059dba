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

const MAX_STAGE_LOOKS = 50;

/** The addresses a reply names, lower-cased (it is lower-cased already). */
function addressesIn(reply: string): string[] {
  return Array.from(reply.matchAll(/[^\s<>()[\]",;:]+@[a-z0-9.-]+[a-z0-9]/g), (m) => m[0]);
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
  if (recipients.filter((r) => r.action === 'failed').length < 2) return recipients;
  let flat: string | null = null;
  const text = () => (flat ??= (notice ?? '').replace(/\s+/g, ' ').toLowerCase());
  // Address verdicts that name no address, given after the data: by reply, how many recipients got each.
  const unnamedAfterData = new Map<ParsedRecipient, string>();
  const counts = new Map<string, number>();
  // (Each look for a stage reads the notice: a few dozen recipients at most, or a report of thousands would take
  // quadratic time. Past them, a recipient with a reply every looked-at one got after the data is taken as the same.)
  let looked = 0;
  const seen = new Map<string, { looked: number; afterData: number }>();
  const unlooked: [ParsedRecipient, string][] = [];
  for (const r of recipients) {
    const reply = r.action === 'failed' && r.hard === true ? replyOf(r.diagnostic) : null;
    if (!reply || reply.includes('@')) continue;
    if (looked++ >= MAX_STAGE_LOOKS) {
      unlooked.push([r, reply]);
      continue;
    }
    const group = seen.get(reply) ?? { looked: 0, afterData: 0 };
    seen.set(reply, group);
    group.looked++;
    if (!afterData(r, reply, text)) continue;
    group.afterData++;
    unnamedAfterData.set(r, reply);
    counts.set(reply, (counts.get(reply) ?? 0) + 1);
  }
  for (const [r, reply] of unlooked) {
    const group = seen.get(reply);
    if (!group || group.afterData !== group.looked) continue;
    unnamedAfterData.set(r, reply);
    counts.set(reply, (counts.get(reply) ?? 0) + 1);
  }
  // Every failed recipient's names, to tell whether an address a reply names is one of them.
  const failedNames = new Set(recipients.filter((o) => o.action === 'failed').flatMap(namesOf));
  return recipients.map((r) => {
    if (r.action !== 'failed' || r.category === 'policy') return r;
    const reply = replyOf(r.diagnostic);
    if (!reply) return r;
    const own = namesOf(r);
    if (own.some((a) => names(reply, a))) return r;
    // (Whatever it says of the other: its full mailbox or its spam verdict is no more this one's.)
    const other = reply.includes('@') && addressesIn(reply).some((a) => failedNames.has(a) && !own.includes(a));
    // (One recipient alone refused so after the data keeps the words' reading, as weak evidence: see classify.)
    const unnamed = !other && (counts.get(unnamedAfterData.get(r) ?? '') ?? 0) >= 2;
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

/**
 * Whether the reply answered the end of the data: said in the diagnostic, or in the recipient's own paragraph of the
 * notice (its reply wrapped over lines as it may be), before the reply (Exim's "after end of data:") or straight
 * after it (Postfix's "(in reply to end of DATA command)").
 */
function afterData(r: ParsedRecipient, reply: string, text: () => string): boolean {
  if (r.diagnostic && phaseFromText(r.diagnostic) === 'data') return true;
  const address = (r.final_recipient ?? r.address ?? '').toLowerCase();
  const from = address ? text().indexOf(address) : -1;
  if (from < 0) return false;
  const quoted = reply.replace(/\s+/g, ' ');
  const at = text().indexOf(quoted.slice(0, 40), from);
  return at > 0 && at - from < 400 && phaseFromText(text().slice(from, at + quoted.length + 50)) === 'data';
}
