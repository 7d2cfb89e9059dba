/**
 * Correlation: which of our messages and recipients an inbound report is about. Rules are tried in order
 * of certainty, and the one that matched is recorded with the result:
 *
 *   verp              the RCPT address carries a token we signed for one recipient (certain)
 *   envid             the report's Original-Envelope-Id is one of our queue ids (we send ENVID=<queue id>)
 *   message-id        the Message-ID of the original, found in the returned headers
 *   recipient-window  the most recent message to a reported address within the correlation window (a guess)
 *
 * Within the matched message each reported recipient is matched by address: the one we sent to, or the
 * final or original recipient the report gives (forwarding rewrites addresses). When a report names no
 * address we know (forwarding and aliases rewrite it), the recipient the rule itself pinned (VERP), or the
 * message's only recipient, is used.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import type { MessageRecord, RecipientRecord } from '../types.js';
import type { Store } from '../store/store.js';
import { parseVerpAddress, verpTargetsIn } from '../verp/token.js';
import { bareRecipient, type ParsedRecipient, type ParseResult } from './types.js';
import { bareMessageId } from '../intake/message-id.js';

export type MatchRule = 'verp' | 'envid' | 'message-id' | 'recipient-window';
export const MATCH_RULES: readonly MatchRule[] = ['verp', 'envid', 'message-id', 'recipient-window'];

export interface Correlation {
  rule: MatchRule;
  message: MessageRecord;
  /** All recipients of the message. */
  recipients: RecipientRecord[];
  /** The recipient the rule itself identified (VERP token, or the address found by the window rule). */
  pinned: RecipientRecord | null;
}

export interface CorrelateOptions {
  /** config.bounces.verp_secret; null disables the VERP rule. */
  verpSecret: string | null;
  correlationWindowMs: number;
  now: number;
}

type Lookups = Pick<Store, 'messages' | 'inbound'>;

/**
 * An address as we store it (src/intake/intake.ts splitAddress): the domain in its A-label form. A report about
 * an internationalised address (RFC 6533's `utf-8;` type) may write the domain in Unicode, or the other way round.
 */
function normAddress(a: string): string {
  const s = a.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = s.lastIndexOf('@');
  if (at < 0 || !/[^\x00-\x7f]/.test(s.slice(at + 1))) return s;
  return `${s.slice(0, at + 1)}${domainToASCII(s.slice(at + 1)) || s.slice(at + 1)}`;
}

export async function correlate(store: Lookups, rcptTo: string[], parse: ParseResult, opts: CorrelateOptions, raw?: Buffer): Promise<Correlation | null> {
  if (opts.verpSecret) {
    // The RCPT address first; then a token written in the mail itself: a report sent to a role address
    // (feedback loops, forwarders, postmasters) returns the original, whose Return-Path is the token.
    const secret = opts.verpSecret;
    /** A token we signed whose recipient is gone (purged after retention.history_days). */
    let purged = false;
    const byToken = async (targets: { recipientId: number }[]): Promise<Correlation | null> => {
      for (const target of targets) {
        const recipient = await store.inbound.recipientById(target.recipientId);
        const message = recipient ? await store.messages.getById(recipient.messageRowId) : null;
        if (message) return { rule: 'verp', message, recipients: await store.messages.recipients(message.id), pinned: recipient };
        purged = true;
      }
      return null;
    };
    // The mail is read for tokens only when its RCPT address had none that matched (most reports have one).
    const found =
      (await byToken(rcptTo.map((rcpt) => parseVerpAddress(secret, rcpt)).filter((t) => t !== null))) ??
      (raw ? await byToken(verpTargetsIn(secret, raw.toString('latin1'))) : null);
    if (found) return found;
    // The report is certainly about a message of ours that is no longer kept: not matched to another one by a
    // guess (the newest message to the same address, or one reusing its Message-ID, would take a bounce that
    // is not about it). Kept unmatched.
    if (purged) return null;
  }

  const addresses = [...new Set(parse.recipients.flatMap(reportedAddresses))];

  if (parse.envelope_id) {
    const message = await store.messages.getByQueueId(parse.envelope_id.trim());
    if (message) return { rule: 'envid', message, recipients: await store.messages.recipients(message.id), pinned: null };
  }

  const originalId = bareMessageId(parse.original_message_id);
  if (originalId) {
    // Apps resend with the same Message-ID: prefer the newest message that has a reported recipient.
    const candidates = await store.messages.findByMessageId(originalId);
    let fallback: Correlation | null = null;
    for (const message of candidates) {
      const recipients = await store.messages.recipients(message.id);
      const c: Correlation = { rule: 'message-id', message, recipients, pinned: null };
      if (recipients.some((r) => addresses.includes(normAddress(r.address)))) return c;
      fallback ??= c;
    }
    if (fallback) return fallback;
  }

  const since = opts.now - opts.correlationWindowMs;
  for (const [i, address] of addresses.entries()) {
    // A report may name up to bounces.max_report_recipients addresses: let SMTP sessions in now and then.
    if (i > 0 && i % 100 === 0) await new Promise((r) => setImmediate(r));
    const recipient = await store.inbound.latestRecipientByAddress(address, since);
    if (!recipient) continue;
    const message = await store.messages.getById(recipient.messageRowId);
    if (message) return { rule: 'recipient-window', message, recipients: await store.messages.recipients(message.id), pinned: recipient };
  }
  return null;
}

export interface Assignment {
  parsed: ParsedRecipient;
  recipient: RecipientRecord;
}

/**
 * Pairs each reported recipient with one of the message's recipients. A report without recipients
 * (auto-replies, some complaints) stands for the pinned or only recipient. Reported recipients that
 * match none of ours are left out; each of ours is assigned at most once.
 */
export function assignRecipients(c: Correlation, parsed: ParsedRecipient[]): Assignment[] {
  const fallback = c.pinned ?? (c.recipients.length === 1 ? c.recipients[0] : null);
  if (parsed.length === 0) return fallback ? [{ parsed: bareRecipient(null), recipient: fallback }] : [];
  // A VERP token is signed for one recipient and each recipient has a return path (and a transaction) of its
  // own: a report to it is about that recipient only. Another recipient it names is left out, else anyone
  // who received a copy could bounce (and suppress) the message's other recipients with their own token.
  const ours = c.rule === 'verp' && c.pinned ? [c.pinned] : c.recipients;
  const out: Assignment[] = [];
  const used = new Set<number>();
  const unmatched: ParsedRecipient[] = [];
  for (const p of parsed) {
    // Forwarding rewrites addresses: the report's address, its final and its original recipient all count.
    const names = reportedAddresses(p);
    const r = ours.find((x) => !used.has(x.id) && names.includes(normAddress(x.address)));
    if (r) {
      used.add(r.id);
      out.push({ parsed: p, recipient: r });
    } else {
      unmatched.push(p);
    }
  }
  // One report line that names an address we never sent to (rewritten by forwarding): it is about the
  // recipient the token or the single-recipient message identifies. (Under VERP, not when it names another
  // recipient of the message: that one is a report about someone else.)
  const others = new Set(c.recipients.filter((x) => !ours.includes(x)).map((x) => normAddress(x.address)));
  if (out.length === 0 && unmatched.length === 1 && fallback && !reportedAddresses(unmatched[0]!).some((a) => others.has(a)))
    out.push({ parsed: unmatched[0]!, recipient: fallback });
  return out;
}

/** Every address a report gives for one recipient (the one we sent to first), normalised. */
function reportedAddresses(p: ParsedRecipient): string[] {
  const names = [p.address, p.original_recipient, p.final_recipient].filter((a): a is string => !!a).map(normAddress);
  return [...new Set([...names, ...names.flatMap(unicodeLocalPart)])];
}

/**
 * Exim, relaying a UTF-8 address to a server without SMTPUTF8, writes its local part as a punycode label
 * ("müller@…" as "xn--mller-kva@…"), and a report from further on names that form: the address as we stored it.
 */
function unicodeLocalPart(address: string): string[] {
  if (!address.startsWith('xn--')) return [];
  const at = address.lastIndexOf('@');
  const local = at > 0 ? domainToUnicode(address.slice(0, at)) : '';
  return local && local !== address.slice(0, at) ? [`${local}${address.slice(at)}`] : [];
}
