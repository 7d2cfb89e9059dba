/**
 * The recipient's own domain is a name, not the server's words (read so by the bounce parser in a notice, and
 * by the deliverer in a live reply). A recipient at `unknownworlds.com` or
 * `timeout.com` gets notices that name its domain and its mail hosts ("host mx.unknownworlds.com[192.0.2.7]
 * said: 554 … spam", "[timeout.com 192.0.2.9: socket error]"), and the wording rules would read "host unknown…"
 * or "timeout" in them, or a blocklist in `spamcop.net`. Where the domain's labels hold such a word, the notice
 * is read with the domain (and every host under it) written as a neutral name instead. Only then: most domains
 * hold no such word, and the providers' rules that read a domain as evidence (`qq.com`, `t-online.de`,
 * `apple.com`…) read ones that hold none.
 */
import { NEUTRAL_NAME, holdsReasonWord, registrable } from './host-name.js';

export { NEUTRAL_NAME } from './host-name.js';

export interface OwnDomain {
  /** The text with the domain and hosts under it written as the neutral name. */
  mask(text: string | null): string | null;
  /** The text with the neutral name written back as the domain (for evidence shown to people). */
  unmask(text: string): string;
}

/** The recipient's registrable domain when its labels hold a rule's word, with how to mask it; else null. */
export function ownDomainToMask(address: string | null | undefined): OwnDomain | null {
  const at = address?.lastIndexOf('@') ?? -1;
  return address && at >= 0 ? domainToMask(address.slice(at + 1)) : null;
}

/** The same for a recipient domain itself (a delivery attempt's, whose replies name its hosts). */
export function domainToMask(recipientDomain: string): OwnDomain | null {
  const domain = recipientDomain.toLowerCase().replace(/\.$/, '');
  if (!domain.includes('.')) return null;
  const name = registrable(domain);
  // The words are looked for in the labels, not in the top-level (or country's shared second-level) suffix.
  if (!holdsReasonWord(domain, name)) return null;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Also where the name is a part of a longer host's ("example.com.1.0001.arsmtp.com", as filtering services name
  // the MX they give a customer's domain): its words are the recipient's name there too.
  const hosts = new RegExp(`(?<![a-z0-9.-])(?:[a-z0-9-]+\\.)*${escaped}(?![a-z0-9-])`, 'gi');
  return {
    mask: (text) => (text && text.toLowerCase().includes(name) ? text.replace(hosts, NEUTRAL_NAME) : text),
    unmask: (text) => (text.includes(NEUTRAL_NAME) ? text.split(NEUTRAL_NAME).join(domain) : text),
  };
}

/**
 * The names a reply may hold: the recipient's domain, and the domains of the host that answered it (an MX at a
 * filtering service "mx.virusfree.cz" that names itself in its replies: "554 mx.virusfree.cz: rejected") or of our
 * own side that a notice quotes (the sender's domain a sender check names: "553 bounces.timeout-shop.com does not
 * exist"). The text shown back is the recipient's (the other names are only ever masked for reading).
 */
export function replyNamesToMask(recipient: string | null | undefined, ...others: Array<string | null | undefined>): OwnDomain | null {
  const own = recipient ? (recipient.includes('@') ? ownDomainToMask(recipient) : domainToMask(recipient)) : null;
  let mask = own?.mask ?? null;
  for (const name of others) {
    const other = name ? domainToMask(name) : null;
    if (!other) continue;
    const before = mask;
    mask = before ? (text) => other.mask(before(text)) : other.mask;
  }
  if (!mask) return null;
  return { mask, unmask: own ? own.unmask : (text) => text };
}
