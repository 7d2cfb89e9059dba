/**
 * A host's or domain's name as the wording rules may see it. Names are not the server's words: an MX at
 * `virusfree.cz`, `timeout.com` or `unknownworlds.com` says nothing about a virus, a timeout or an unknown host,
 * yet its labels hold the words the rules read. Such a name is read as a neutral one; any other is cut to its
 * registrable domain, which still names the provider that answered (`qq.com`, `t-online.de`), as the providers'
 * rules read it.
 */

/**
 * Words of the wording rules that also occur in real names ("blockchain", "fullsail", "relay.fm", "virusfree"),
 * and the blocklists' own names, which the blocklist rule reads as evidence where a reply names the list
 * ("blocked using zen.spamhaus.org"), not where a name is the host that answered or the recipient's domain.
 */
const REASON_WORDS_IN_NAMES =
  /unknown|invalid|exist|notfound|nosuch|full|quota|disabled|suspend|inactive|expire|den(?:y|ied)|refuse|reject|block|spam|relay|time-?out|loop|virus|gr[ae]y|limit|policy|reput|blacklist|listed|moved|vacation|bounce|fail|error|junk|banned|abuse|filter|unreach|unavailable|busy|spf|dkim|dmarc|malware|infected|rbl|nxdomain|nullmx|throttl|unsolicited|phish|barracuda|sorbs|spamhaus|spamcop|uceprotect|surbl|uribl|spamrats|mailspike|abuseat|dnsbl/;

/** The blocklists' own names: where an address is at one ("delist@spamcop.net"), the name is the list's evidence. */
const BLOCKLIST_NAMES = /barracuda|sorbs|spamhaus|spamcop|uceprotect|surbl|uribl|spamrats|mailspike|abuseat|dnsbl/;

/** The neutral name written instead (no word any rule reads). */
export const NEUTRAL_NAME = 'x0.example';

/** Second-level labels under which a country's names are registered ("example.co.jp", "example.com.cn"). */
const SHARED_SLD = new Set(['co', 'com', 'net', 'org', 'ac', 'ad', 'ed', 'edu', 'gov', 'go', 'gr', 'lg', 'ne', 'or', 'ltd', 'plc', 'sch', 'nic', 'mil']);

/** A host name cut to its registrable domain: "mxbiz1.qq.com" → "qq.com", "mx.example.co.jp" → "example.co.jp". */
export function registrable(host: string): string {
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  const keep = labels.length > 2 && labels[labels.length - 1]!.length === 2 && SHARED_SLD.has(labels[labels.length - 2]!) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/**
 * Whether a name's labels, below its public suffix (the top-level domain, or a country's shared second level),
 * hold a rule's word. `name` is lower-case and ends without a dot; `domain` is its registrable domain.
 */
export function holdsReasonWord(name: string, domain?: string): boolean {
  // Most names hold no such word anywhere: one test, without cutting the name up.
  if (!REASON_WORDS_IN_NAMES.test(name)) return false;
  domain ??= registrable(name);
  const suffixAt = domain.indexOf('.');
  const labels = name.slice(0, name.length - (domain.length - suffixAt));
  return REASON_WORDS_IN_NAMES.test(labels);
}

/** A lower-case host name as the rules read it: its registrable domain, or the neutral name when that holds a word. */
export function hostAsName(host: string): string {
  const domain = registrable(host);
  return holdsReasonWord(domain, domain) ? NEUTRAL_NAME : domain;
}

/**
 * An address's lower-case domain as the rules read it: as it is (providers' rules read "…@qq.com", "…@rx.t-online.de"),
 * or the neutral name when its labels hold a rule's word and it is not a blocklist's own: the sender's domain, our
 * bounce domain or a greeted address ("MAIL FROM:<news@timeout-shop.com>", "Hello ann@virusfree.cz,") are names.
 */
export function addressDomainAsName(domain: string): string {
  return holdsReasonWord(domain) && !BLOCKLIST_NAMES.test(domain) ? NEUTRAL_NAME : domain;
}
