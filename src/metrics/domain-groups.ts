/**
 * Recipient domain → mailbox provider group, the `domain_group` label of the metrics. A label per domain
 * would give one time series per domain ever mailed (unbounded); a handful of provider groups keeps
 * cardinality fixed and still answers "is Gmail deferring us?".
 *
 * Matching is on the recipient domain only (no DNS at scrape or count time), so business domains hosted
 * by these providers (Google Workspace, Microsoft 365 tenants) count as `other`.
 */

export const DOMAIN_GROUPS = ['gmail', 'outlook', 'yahoo', 'icloud', 'gmx', 'other'] as const;
export type DomainGroup = (typeof DOMAIN_GROUPS)[number];

interface GroupRule {
  group: Exclude<DomainGroup, 'other'>;
  /** Exact domains. */
  domains: string[];
  /** Brand names valid under any country or generic top-level domain: `hotmail` matches hotmail.com, hotmail.co.uk, hotmail.fr. */
  brands: string[];
}

const RULES: GroupRule[] = [
  { group: 'gmail', domains: [], brands: ['gmail', 'googlemail'] },
  { group: 'outlook', domains: ['msn.com', 'passport.com'], brands: ['outlook', 'hotmail', 'live', 'windowslive'] },
  { group: 'yahoo', domains: ['rocketmail.com', 'aim.com'], brands: ['yahoo', 'ymail', 'aol'] },
  { group: 'icloud', domains: ['icloud.com', 'me.com', 'mac.com'], brands: [] },
  { group: 'gmx', domains: ['web.de'], brands: ['gmx'] },
];

const byDomain = new Map<string, DomainGroup>(RULES.flatMap((r) => r.domains.map((d) => [d, r.group] as const)));
const byBrand = new Map<string, DomainGroup>(RULES.flatMap((r) => r.brands.map((b) => [b, r.group] as const)));

// What may follow a brand: a top-level domain (com, de, fr) or a two-part country suffix (co.uk, com.br, co.jp).
const SUFFIX = /^(?:[a-z]{2,6}|(?:co|com|net|org|ne)\.[a-z]{2})$/;

/** The provider group of a recipient domain (any case); `other` for everything not in the table. */
export function domainGroup(domain: string | null | undefined): DomainGroup {
  if (!domain) return 'other';
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  const exact = byDomain.get(d);
  if (exact) return exact;
  const dot = d.indexOf('.');
  if (dot <= 0) return 'other';
  const brand = byBrand.get(d.slice(0, dot));
  return brand && SUFFIX.test(d.slice(dot + 1)) ? brand : 'other';
}
