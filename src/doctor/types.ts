/**
 * `mailtrail doctor`: what one check says. One line each: pass, warn or fail, what was found, and the exact
 * fix. The JSON of a report is what `doctor --json` prints and GET /v1/doctor returns.
 */
import type { promises as dnsPromises } from 'node:dns';
import type { Config } from '../config/schema.js';
import type { DkimKeyRecord } from '../store/deliverability.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The checks, in the order they are shown. */
export const CHECKS = ['setup', 'spf', 'dkim', 'dmarc', 'dmarc-alignment', 'bounce-mx', 'dnsbl-domain', 'ptr', 'dnsbl', 'certificate'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  check: CheckName;
  /** The sending domain checked, or null for checks of the relay itself (PTR, DNSBL of its addresses, certificate). */
  domain: string | null;
  /** The IP address checked, for per-address checks. */
  ip?: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  message: string;
  /** What to do, exactly (a DNS record to publish, a command, a config key); null when nothing is to be done. */
  fix: string | null;
}

export interface DoctorReport {
  /** False when any check failed (the CLI then exits 1). */
  ok: boolean;
  checked_at: string;
  domains: string[];
  checks: CheckResult[];
}

/** DNS as the checks ask it: node's resolver on delivery.dns_servers. */
export type DoctorResolver = Pick<dnsPromises.Resolver, 'resolve' | 'resolveTxt' | 'resolveMx' | 'resolve4' | 'resolve6' | 'resolvePtr' | 'resolveCname'>;

export interface DoctorContext {
  config: Config;
  dns: DoctorResolver;
  /** DKIM keys: from the database and the config's key files (their public part). */
  keys: (Pick<DkimKeyRecord, 'domain' | 'selector' | 'algorithm' | 'publicKey' | 'active'> & {
    /** Why the private key cannot sign (unreadable), when it cannot. */
    unusable?: string;
  })[];
  now: number;
}

/** mailauth's resolver signature over the doctor's resolver. */
export function mailauthResolver(dns: DoctorResolver) {
  return (name: string, type: string) => dns.resolve(name, type) as Promise<string[] | string[][]>;
}

/** The MAIL FROM domain of mail from `domain`: its VERP bounce domain when VERP is on, else the domain itself. */
export function returnPathDomain(config: Config, domain: string): string {
  const bounce = config.bounces.verp_secret ? (config.delivery.bounce_domains[domain] ?? config.delivery.bounce_domains['*'] ?? null) : null;
  return (bounce ?? domain).toLowerCase();
}

/** A resolver error's code (ENOTFOUND = NXDOMAIN, ENODATA, ESERVFAIL, ETIMEOUT…). */
export const dnsCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'EDNS';
export const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA']);

/** TXT strings of `name` joined per record; [] when there is none; throws on a lookup failure. */
export async function txt(dns: DoctorResolver, name: string): Promise<string[]> {
  try {
    return (await dns.resolveTxt(name)).map((r) => r.join(''));
  } catch (err) {
    if (NOT_FOUND.has(dnsCode(err))) return [];
    throw err;
  }
}
