/**
 * The DNS of the relay itself and of its bounce domains:
 *   bounce-mx     the VERP bounce domain's MX reaches this relay's bounce listener (asynchronous bounces
 *                 come back only that way);
 *   ptr           each public address has a PTR, that name resolves back to the address (forward-confirmed
 *                 reverse DNS), and it is the name the relay gives in EHLO (`hostname`);
 *   dnsbl         each public address is on none of the configured DNS blocklists;
 *   dnsbl-domain  the sending domain is on none of the configured domain blocklists.
 */
import net from 'node:net';
import { dnsCode, NOT_FOUND, returnPathDomain, txt, type CheckResult, type DoctorContext } from './types.js';

/**
 * A host's addresses, and whether they are known: a lookup that failed (a timeout, SERVFAIL) is not "no
 * address", and the checks say "could not check" for it rather than fail.
 */
async function addresses(ctx: DoctorContext, host: string): Promise<{ ips: string[]; failed: string | null }> {
  const [v4, v6] = await Promise.allSettled([ctx.dns.resolve4(host), ctx.dns.resolve6(host)]);
  const ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  const failures = [v4, v6].flatMap((r) => (r.status === 'rejected' && !NOT_FOUND.has(dnsCode(r.reason)) ? [dnsCode(r.reason)] : []));
  return { ips, failed: ips.length === 0 && failures.length > 0 ? failures[0]! : null };
}

/** Two spellings of one address (`2001:DB8::1`, `2001:db8:0:0::1`) are the same address. */
function sameIp(a: string, b: string): boolean {
  const family = net.isIPv6(a) ? 'ipv6' : 'ipv4';
  if (family !== (net.isIPv6(b) ? 'ipv6' : 'ipv4')) return false;
  const list = new net.BlockList();
  list.addAddress(a, family);
  return list.check(b, family);
}

/** The A or AAAA record that maps `name` to `ip`. */
const addressRecord = (name: string, ip: string) => `${net.isIPv6(ip) ? 'AAAA' : 'A'} ${name} → ${ip}`;

export async function checkBounceMx(ctx: DoctorContext, domain: string): Promise<CheckResult> {
  const { config } = ctx;
  const rp = returnPathDomain(config, domain);
  const result = (status: CheckResult['status'], message: string, fix: string | null): CheckResult => ({ check: 'bounce-mx', domain, status, message, fix });
  if (rp === domain) {
    return result(
      'warn',
      `mail from ${domain} has no VERP bounce domain: bounces that arrive later go to the app's own address and mailtrail never sees them`,
      `set delivery.bounce_domains: { ${domain}: bounces.${domain} } and bounces.verp_secret, then publish MX bounces.${domain} → ${config.hostname}`,
    );
  }
  if (!config.bounces.enabled || !config.bounces.listener.enabled)
    return result(
      'fail',
      `bounces to ${rp} cannot be received: the bounce listener is disabled`,
      'set bounces.enabled: true and bounces.listener.enabled: true',
    );
  let mx: { exchange: string; priority: number }[];
  try {
    mx = await ctx.dns.resolveMx(rp);
  } catch (err) {
    if (!NOT_FOUND.has(dnsCode(err)))
      return result('warn', `could not look up the MX of ${rp} (${dnsCode(err)})`, 'run doctor again; check delivery.dns_servers');
    mx = [];
  }
  const fix = `publish MX ${rp} 10 ${config.hostname}. (and A ${config.hostname} → ${config.doctor.public_ips[0] ?? "this relay's public address"})`;
  const ours = config.doctor.public_ips;
  const isOurs = (ip: string) => ours.some((o) => sameIp(o, ip));
  if (mx.length === 0) {
    // No MX: servers deliver to the domain's own address (RFC 5321 §5.1, "implicit MX").
    const own = await addresses(ctx, rp);
    if (own.ips.some(isOurs))
      return result(
        'warn',
        `${rp} has no MX, but its own address is this relay, where servers deliver without one (RFC 5321 §5.1)`,
        `publish MX ${rp} 10 ${config.hostname}. to make it explicit`,
      );
    return result(
      'fail',
      `the bounce domain ${rp} has no MX${own.ips.length ? ` and its address (${own.ips.join(', ')}) is not this relay` : ''}: bounces to it cannot reach mailtrail`,
      fix,
    );
  }
  if (mx.length === 1 && (mx[0]!.exchange === '' || mx[0]!.exchange === '.'))
    return result(
      'fail',
      `the bounce domain ${rp} publishes a null MX (RFC 7505): it says it accepts no mail, so no bounce can come back`,
      `replace it: ${fix}`,
    );
  const literal = mx.find((r) => net.isIP(r.exchange) !== 0);
  if (literal)
    return result(
      'fail',
      `the MX of ${rp} names an address (${literal.exchange}) instead of a host name; an MX must name a host (RFC 5321 §5.1), and most servers will not deliver to it`,
      fix,
    );
  const hosts = await Promise.all(mx.map(async (r) => ({ host: r.exchange.toLowerCase(), ...(await addresses(ctx, r.exchange.toLowerCase())) })));
  const reaching = hosts.filter(({ host, ips }) => host === config.hostname.toLowerCase() || ips.some(isOurs)).map(({ host }) => host);
  const unknown = hosts.filter((h) => h.failed !== null);
  if (reaching.length === 0 && unknown.length > 0) {
    return result(
      'warn',
      `could not look up the address of ${unknown.map((h) => `${h.host} (${h.failed})`).join(', ')}, an MX of the bounce domain ${rp}`,
      'run doctor again; check delivery.dns_servers',
    );
  }
  if (reaching.length === 0) {
    return result(
      'fail',
      `the MX of the bounce domain ${rp} (${mx.map((r) => r.exchange).join(', ')}) is not this relay (${[config.hostname, ...ours].join(', ')}): bounces go elsewhere`,
      fix,
    );
  }
  if (config.bounces.listener.port !== 25) {
    return result(
      'warn',
      `the MX of ${rp} points at this relay (${reaching.join(', ')}), but the bounce listener is on port ${config.bounces.listener.port}; other servers deliver to port 25`,
      'set bounces.listener.port: 25, or forward port 25 to it',
    );
  }
  // An MX naming an alias (RFC 2181 §10.3, RFC 5321 §5.1): most servers follow it, some refuse.
  const aliases = (await Promise.all(reaching.map(async (host) => ((await ctx.dns.resolveCname(host).catch(() => [])).length ? host : null)))).filter(Boolean);
  if (aliases.length)
    return result(
      'warn',
      `bounces to ${rp} reach this relay, but its MX ${aliases.join(', ')} is an alias (CNAME), which an MX must not name (RFC 2181 §10.3): some servers refuse to deliver`,
      `point the MX at the host's own name (the CNAME's target)`,
    );
  return result('pass', `bounces to ${rp} reach this relay (MX ${reaching.join(', ')})`, null);
}

export async function checkPtr(ctx: DoctorContext): Promise<CheckResult[]> {
  const helo = ctx.config.hostname.toLowerCase();
  return Promise.all(
    ctx.config.doctor.public_ips.map(async (ip): Promise<CheckResult> => {
      const result = (status: CheckResult['status'], message: string, fix: string | null): CheckResult => ({
        check: 'ptr',
        domain: null,
        ip,
        status,
        message,
        fix,
      });
      const setPtr = `ask whoever runs ${ip} (the hosting provider) to set its PTR to ${helo}, and publish ${addressRecord(helo, ip)}`;
      let names: string[];
      try {
        // resolvePtr, not reverse(): reverse() reports a timeout as ENOTFOUND, and a DNS outage read "no PTR".
        names = (await ctx.dns.resolvePtr(ptrName(ip))).map((n) => n.toLowerCase().replace(/\.$/, ''));
      } catch (err) {
        if (!NOT_FOUND.has(dnsCode(err)))
          return result('warn', `could not look up the PTR of ${ip} (${dnsCode(err)})`, 'run doctor again; check delivery.dns_servers');
        names = [];
      }
      if (names.length === 0) return result('fail', `${ip} has no PTR record: many receivers refuse mail from addresses without reverse DNS`, setPtr);
      const forward = await Promise.all(names.map(async (name) => ({ name, ...(await addresses(ctx, name)) })));
      const confirmed = forward.filter((f) => f.ips.some((a) => sameIp(a, ip))).map((f) => f.name);
      if (confirmed.length === 0) {
        const unknown = forward.filter((f) => f.failed !== null);
        if (unknown.length > 0)
          return result(
            'warn',
            `could not look up the address of ${unknown.map((f) => `${f.name} (${f.failed})`).join(', ')}, the PTR of ${ip}`,
            'run doctor again; check delivery.dns_servers',
          );
        return result(
          'fail',
          `the PTR of ${ip} (${names.join(', ')}) does not resolve back to ${ip}: reverse DNS is not forward-confirmed`,
          `publish ${addressRecord(names[0]!, ip)}`,
        );
      }
      if (!confirmed.includes(helo)) {
        return result(
          'fail',
          `${ip} is ${confirmed.join(', ')} in reverse DNS, but the relay says EHLO ${helo}`,
          `set hostname: ${confirmed[0]} in the config, or ${setPtr}`,
        );
      }
      return result('pass', `${ip} ↔ ${helo}: PTR and A agree with the EHLO name`, null);
    }),
  );
}

/** DNSBL answers in 127.255.255.0/24 are the list's own errors (Spamhaus: the query came through a public resolver, or too many). */
const LIST_ERROR = /^127\.255\.255\.\d+$/;

async function listing(ctx: DoctorContext, name: string): Promise<{ listed: string[]; error: string | null }> {
  try {
    const answers = await ctx.dns.resolve4(name);
    const refused = answers.find((a) => LIST_ERROR.test(a));
    if (refused) return { listed: [], error: `the list refused the query (${refused}): use a resolver of your own in delivery.dns_servers` };
    const reasons = await txt(ctx.dns, name).catch(() => [] as string[]);
    return { listed: answers.map((a) => (reasons[0] ? `${a}: ${reasons[0]}` : a)), error: null };
  } catch (err) {
    return NOT_FOUND.has(dnsCode(err)) ? { listed: [], error: null } : { listed: [], error: `lookup failed (${dnsCode(err)})` };
  }
}

/** The name a PTR record of `ip` lives at (RFC 1035 §3.5, RFC 3596 §2.5). */
function ptrName(ip: string): string {
  return `${reversed(ip)}.${net.isIPv4(ip) ? 'in-addr' : 'ip6'}.arpa`;
}

function reversed(ip: string): string {
  if (net.isIPv4(ip)) return ip.split('.').reverse().join('.');
  // IPv6: nibbles, reversed (RFC 5782 §2.4).
  const full = ip.includes('::') ? expand(ip) : ip.split(':').map((g) => g.padStart(4, '0'));
  return full.join('').split('').reverse().join('.');
}

function expand(ip: string): string[] {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => g.padStart(4, '0'));
}

async function blocklists(
  ctx: DoctorContext,
  key: string,
  zones: string[],
  base: Omit<CheckResult, 'status' | 'message' | 'fix'>,
  what: string,
): Promise<CheckResult> {
  const found = await Promise.all(zones.map(async (zone) => ({ zone, ...(await listing(ctx, `${key}.${zone}`)) })));
  const listed = found.filter((f) => f.listed.length);
  const errors = found.filter((f) => f.error);
  if (listed.length) {
    return {
      ...base,
      status: 'fail',
      message: `${what} is listed in ${listed.map((f) => `${f.zone} (${f.listed.join('; ')})`).join(', ')}`,
      fix: `find and stop the cause (a compromised account, a bad list), then request removal at ${listed.map((f) => f.zone).join(', ')}`,
    };
  }
  if (errors.length)
    return {
      ...base,
      status: 'warn',
      message: `${what}: not listed where checked, but ${errors.map((f) => `${f.zone}: ${f.error}`).join('; ')}`,
      fix: 'run doctor again from a resolver the lists answer',
    };
  return { ...base, status: 'pass', message: `${what} is listed in none of ${zones.join(', ')}`, fix: null };
}

export async function checkDnsbl(ctx: DoctorContext): Promise<CheckResult[]> {
  const zones = ctx.config.doctor.dnsbl_zones;
  if (zones.length === 0) return [];
  return Promise.all(ctx.config.doctor.public_ips.map((ip) => blocklists(ctx, reversed(ip), zones, { check: 'dnsbl', domain: null, ip }, ip)));
}

export async function checkDomainBlocklists(ctx: DoctorContext, domain: string): Promise<CheckResult | null> {
  const zones = ctx.config.doctor.domain_dnsbl_zones;
  return zones.length ? blocklists(ctx, domain, zones, { check: 'dnsbl-domain', domain }, domain) : null;
}
