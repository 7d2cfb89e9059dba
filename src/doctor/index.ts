/**
 * `mailtrail doctor` and GET /v1/doctor: checks the DNS of each sending domain and of the relay, and its
 * submission certificate, and says what to fix. Read-only: it asks DNS (delivery.dns_servers) and reads the
 * store and the certificate files; it changes nothing.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { algorithmOf, parsePrivateKey, publicKeyValue } from '../dkim/keys.js';
import { createResolver } from '../routing/resolve.js';
import type { DkimKeyStore } from '../store/deliverability.js';
import type { UserStore } from '../store/store.js';
import { field } from '../log/printable.js';
import { checkCertificate } from './certificate.js';
import { checkDkim, type SigningState } from './dkim.js';
import { checkDmarc } from './dmarc.js';
import { checkBounceMx, checkDnsbl, checkDomainBlocklists, checkPtr } from './relay-dns.js';
import { checkSpf } from './spf.js';
import { CHECKS, type CheckResult, type DoctorContext, type DoctorReport, type DoctorResolver } from './types.js';

export type { CheckResult, DoctorReport } from './types.js';

export interface DoctorOptions {
  config: Config;
  store: { users: Pick<UserStore, 'list'>; dkimKeys: Pick<DkimKeyStore, 'list'> };
  /** Domains to check; default: every sender domain of every user, and every domain with a DKIM key. */
  domains?: string[];
  resolver?: DoctorResolver;
  now?: number;
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const { config } = opts;
  const now = opts.now ?? Date.now();
  const fromFiles = config.dkim.keys.map((k) => {
    const key = parsePrivateKey(readFileSync(k.private_key_file, 'utf8'));
    return { domain: k.domain.toLowerCase(), selector: k.selector, algorithm: algorithmOf(key), publicKey: publicKeyValue(key), active: true };
  });
  // A stored key is checked by what its private key signs with (a public_key column that disagrees, or a
  // private key that cannot be read, would make doctor vouch for signatures that fail or never happen).
  const stored = (await opts.store.dkimKeys.list()).map((k) => {
    try {
      const key = parsePrivateKey(k.privateKey);
      return { domain: k.domain, selector: k.selector, algorithm: algorithmOf(key), publicKey: publicKeyValue(key), active: k.active };
    } catch (err) {
      return { domain: k.domain, selector: k.selector, algorithm: k.algorithm, publicKey: k.publicKey, active: k.active, unusable: (err as Error).message };
    }
  });
  const keys = [...fromFiles, ...stored];
  const ctx: DoctorContext = { config, dns: opts.resolver ?? createResolver(config), keys, now };
  const domains = opts.domains?.length
    ? [...new Set(opts.domains.map((d) => d.toLowerCase().replace(/\.$/, '')))]
    : [
        ...new Set(
          [...(await opts.store.users.list()).flatMap((u) => u.senderDomains), ...keys.map((k) => k.domain)]
            .map((d) => d.toLowerCase())
            .filter((d) => d !== '*'),
        ),
      ].sort();

  const checks: CheckResult[] = [];
  if (config.doctor.public_ips.length === 0) {
    checks.push({
      check: 'setup',
      domain: null,
      status: 'warn',
      message: "this relay's public addresses are not configured: SPF, PTR, DNSBL and bounce MX checks cannot be complete",
      fix: 'set doctor.public_ips to the addresses this relay sends from and receives bounces on',
    });
  }
  if (domains.length === 0) {
    checks.push({
      check: 'setup',
      domain: null,
      status: 'warn',
      message: 'no sending domain to check: no user has a sender domain other than *, and no DKIM key exists',
      fix: 'name the domains: mailtrail doctor example.com',
    });
  }
  const perDomain = await Promise.all(
    domains.map(async (domain) => {
      const [spf, dkim, bounce, blocklisted] = await Promise.all([
        checkSpf(ctx, domain),
        checkDkim(ctx, domain),
        checkBounceMx(ctx, domain),
        checkDomainBlocklists(ctx, domain),
      ]);
      const ownKey = keys.some((k) => k.domain === domain && k.active);
      const fallback = config.dkim.fallback_domain?.toLowerCase() ?? null;
      const dkimDomain = !config.dkim.enabled ? null : ownKey ? domain : fallback && keys.some((k) => k.domain === fallback && k.active) ? fallback : null;
      // The fallback domain's own record is not checked here: alignment with it fails anyway unless it shares the organizational domain.
      // Only the active keys sign: a waiting key not yet published (the rotation's first step) is no DKIM failure.
      const dkimState: SigningState = dkimDomain === domain ? dkim.signing : dkimDomain !== null ? 'ok' : 'broken';
      const dmarc = await checkDmarc(ctx, domain, { dkimDomain, dkim: dkimState, spfOk: spf.status === 'pass' });
      return [spf, ...dkim.checks, ...dmarc, bounce, ...(blocklisted ? [blocklisted] : [])];
    }),
  );
  checks.push(...perDomain.flat(), ...(await checkPtr(ctx)), ...(await checkDnsbl(ctx)));
  const cert = checkCertificate(ctx);
  if (cert) checks.push(cert);
  // Relay checks after the domains', each kind together, in CHECKS order.
  const order = (c: CheckResult) =>
    (c.domain === null && c.check !== 'setup' ? 1 : 0) * 1000 + (c.domain ? domains.indexOf(c.domain) * 20 : 0) + CHECKS.indexOf(c.check);
  checks.sort((a, b) => order(a) - order(b));
  return { ok: !checks.some((c) => c.status === 'fail'), checked_at: new Date(now).toISOString(), domains, checks };
}

/**
 * One line per check: `STATUS  domain  check  message; fix: …`. Messages quote DNS records anyone can
 * publish: a line feed in one (a DNSBL's TXT answer) would print a line of its own, a forged `PASS …`.
 */
export function renderReport(report: DoctorReport): string {
  const lines: string[] = [];
  const width = Math.max(5, ...report.checks.map((c) => (c.domain ?? c.ip ?? 'relay').length));
  for (const c of report.checks) {
    const fix = c.fix ? ` ${c.status === 'pass' ? 'Next' : 'Fix'}: ${field(c.fix)}` : '';
    lines.push(`${c.status.toUpperCase().padEnd(4)}  ${field(c.domain ?? c.ip ?? 'relay').padEnd(width)}  ${c.check.padEnd(15)} ${field(c.message)}.${fix}`);
  }
  const counts = (['pass', 'warn', 'fail'] as const).map((s) => `${report.checks.filter((c) => c.status === s).length} ${s}`).join(', ');
  lines.push('', `${counts}${report.ok ? '' : ': fix the failures above'}`);
  return lines.join('\n') + '\n';
}
