/**
 * Next-hop resolution: which hosts, at which addresses and port, take mail for a domain.
 *
 * Order of precedence, like Postfix: a smarthost (relayhost) takes everything; otherwise a static
 * route (transport map) for the domain or a parent (`.example.com` keys match subdomains); otherwise
 * DNS: MX by preference (equal preferences shuffled, RFC 5321 §5.1), the domain's own A/AAAA when it
 * has no MX, a null MX (RFC 7505) as a permanent "accepts no mail".
 *
 * Why not mx-connect: its pipeline always ends by opening the TCP connection itself and returns only
 * the first socket that connected, while delivery must record every host it tried, step past a host
 * that greets or answers EHLO with 4xx, and take a `delivery.max_connections_per_host` slot before it
 * connects; its resolution steps alone are internal files (lib/resolve-mx.js), not its API, and it
 * takes a callback-style `dns.resolve` rather than a `dns.promises.Resolver`. Its MTA-STS support is
 * mailauth's `getPolicy`/`validateMx`, and its DANE is a TLSA lookup plus a certificate check: when
 * either is added, it belongs here (policy) and in the STARTTLS step (verification), not in a
 * connector. What remains to do by hand for MX is small and is below.
 */
import { promises as dnsPromises } from 'node:dns';
import type { CachingResolver, DnsResolver } from './dns-cache.js';
import net from 'node:net';
import type { Config } from '../config/schema.js';

export type RouteKind = 'mx' | 'static' | 'smarthost' | 'a-fallback' | 'literal';

export interface RouteHost {
  /** Host name (MX exchange, static route or smarthost host), or an IP literal. */
  host: string;
  /** Addresses to try, IPv4 first. Never empty in a successful route. */
  ips: string[];
  port: number;
  /** MX preference; 0 for static routes, smarthosts and the A/AAAA fallback. */
  preference: number;
}

/** One DNS question and what came back, for the `dns` phase record. */
export interface DnsLookup {
  name: string;
  type: 'MX' | 'A' | 'AAAA';
  /** Records as text (`10 mx1.example.com`, `192.0.2.1`), empty on error or no data. */
  answer: string[];
  /** Resolver error code (ENOTFOUND = NXDOMAIN, ENODATA, ESERVFAIL, ETIMEOUT…), null on success. */
  error: string | null;
  durationMs: number;
  /** The answer came from the relay's DNS cache (src/routing/dns-cache.ts), not from the server. */
  cached?: boolean;
}

export interface Route {
  ok: true;
  kind: RouteKind;
  /** In the order to try them. */
  hosts: RouteHost[];
  lookups: DnsLookup[];
  /** Smarthost only: credentials and TLS mode from `delivery.smarthost`. */
  smarthost?: { tls: 'none' | 'opportunistic' | 'required' | 'implicit'; username?: string; password?: string };
}

export interface RouteFailure {
  ok: false;
  /** true: no retry will help (NXDOMAIN, null MX); false: try again later (SERVFAIL, timeout). */
  permanent: boolean;
  /** RFC 3463 status for the outcome: 5.1.2, 5.1.10, 5.4.4 or 4.4.3. */
  enhanced: string;
  text: string;
  /** The resolver error behind it, or NULL_MX / NO_ADDRESS. */
  error: string;
  lookups: DnsLookup[];
}

export interface ResolveOptions {
  config: Pick<Config, 'delivery'>;
  /** Defaults to `createResolver(config)` (no cache: the deliverer passes its caching one). */
  resolver?: DnsResolver;
  /** For shuffling equal preferences; injectable for tests. */
  random?: () => number;
}

/** A resolver using `delivery.dns_servers` (`ip` or `ip:port`) and `delivery.dns_timeout_ms`. */
export function createResolver(config: Pick<Config, 'delivery'>): dnsPromises.Resolver {
  // c-ares doubles the timeout on each retry: t + 2t = 3t keeps the total near dns_timeout_ms.
  const resolver = new dnsPromises.Resolver({ timeout: Math.max(1, Math.ceil(config.delivery.dns_timeout_ms / 3)), tries: 2 });
  if (config.delivery.dns_servers.length) resolver.setServers(config.delivery.dns_servers);
  return resolver;
}

/** Errors that mean "this name or type does not exist", as opposed to "could not find out". */
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA']);

export async function resolveRoute(domain: string, options: ResolveOptions): Promise<Route | RouteFailure> {
  const { delivery } = options.config;
  const random = options.random ?? Math.random;
  const lookups: DnsLookup[] = [];
  const name = domain.toLowerCase().replace(/\.$/, '');
  let resolver: DnsResolver | undefined = options.resolver;
  const getResolver = () => (resolver ??= createResolver(options.config));

  if (delivery.smarthost) {
    const s = delivery.smarthost;
    const r = await hostRoute('smarthost', s.host, s.port, getResolver, lookups);
    if (r.ok) r.smarthost = { tls: s.tls, username: s.username, password: s.password };
    return r;
  }

  const staticRoute = findStaticRoute(name, delivery.routes);
  if (staticRoute) {
    const { host, port } = parseHostPort(staticRoute, delivery.port);
    return hostRoute('static', host, port, getResolver, lookups);
  }

  // An address literal (RFC 5321 §4.1.3: user@[192.0.2.1], user@[IPv6:2001:db8::1]) names its host: no DNS.
  const literal = /^\[(?:ipv6:)?([^\]]+)\]$/.exec(name);
  if (literal) {
    const ip = literal[1]!;
    if (net.isIP(ip)) return hostRoute('literal', ip, delivery.port, getResolver, lookups);
    return {
      ok: false,
      permanent: true,
      enhanced: '5.1.2',
      text: `${name} is not an IP address literal (RFC 5321 section 4.1.3)`,
      error: 'BAD_LITERAL',
      lookups,
    };
  }

  const mx = await lookup(getResolver(), name, 'MX', lookups);
  if (mx.error && !NOT_FOUND.has(mx.error)) return temporary(name, mx.error, lookups);
  if (mx.error === 'ENOTFOUND') {
    return { ok: false, permanent: true, enhanced: '5.1.2', text: `Domain ${name} does not exist (DNS NXDOMAIN)`, error: 'ENOTFOUND', lookups };
  }

  const records = mx.records as { exchange: string; priority: number }[];
  const nullMx = (r: { exchange: string }) => r.exchange === '' || r.exchange === '.';
  if (records.length > 0 && records.every(nullMx)) {
    return { ok: false, permanent: true, enhanced: '5.1.10', text: `Domain ${name} accepts no mail (null MX, RFC 7505)`, error: 'NULL_MX', lookups };
  }
  // A null MX beside real ones breaks RFC 7505 §3; the real ones are the more useful reading.
  const usable = records.filter((r) => !nullMx(r));

  if (usable.length === 0) {
    // No MX (NODATA): the domain itself is the mail host (RFC 5321 §5.1 "implicit MX").
    const r = await hostRoute('a-fallback', name, delivery.port, getResolver, lookups);
    if (!r.ok && r.error === 'NO_ADDRESS') {
      return { ...r, enhanced: '5.1.2', text: `Domain ${name} has no MX and no address records: it cannot receive mail` };
    }
    return r;
  }

  const ordered = shuffleEqualPreferences(usable, random);
  const hosts: RouteHost[] = [];
  let temporaryError: string | null = null;
  const addresses = await Promise.all(ordered.map((r) => addressesOf(getResolver(), r.exchange, lookups)));
  ordered.forEach((r, i) => {
    const a = addresses[i];
    if (a.ips.length) hosts.push({ host: r.exchange.toLowerCase(), ips: a.ips, port: delivery.port, preference: r.priority });
    else if (a.temporaryError) temporaryError ??= a.temporaryError;
  });
  if (hosts.length) return { ok: true, kind: 'mx', hosts, lookups };
  if (temporaryError) return temporary(name, temporaryError, lookups);
  return {
    ok: false,
    permanent: true,
    enhanced: '5.4.4',
    text: `No MX host of ${name} has an address (${ordered.map((r) => r.exchange).join(', ')})`,
    error: 'NO_ADDRESS',
    lookups,
  };
}

function temporary(name: string, error: string, lookups: DnsLookup[]): RouteFailure {
  return { ok: false, permanent: false, enhanced: '4.4.3', text: `DNS lookup for ${name} failed temporarily (${error})`, error, lookups };
}

/** A route to one named host (or IP literal), resolved to addresses but not through MX. */
async function hostRoute(kind: RouteKind, host: string, port: number, getResolver: () => DnsResolver, lookups: DnsLookup[]): Promise<Route | RouteFailure> {
  if (net.isIP(host)) return { ok: true, kind, hosts: [{ host, ips: [host], port, preference: 0 }], lookups };
  const a = await addressesOf(getResolver(), host, lookups);
  if (a.ips.length) return { ok: true, kind, hosts: [{ host: host.toLowerCase(), ips: a.ips, port, preference: 0 }], lookups };
  if (a.temporaryError) return temporary(host, a.temporaryError, lookups);
  return { ok: false, permanent: true, enhanced: '5.4.4', text: `Host ${host} has no address records`, error: 'NO_ADDRESS', lookups };
}

async function addressesOf(resolver: DnsResolver, host: string, lookups: DnsLookup[]): Promise<{ ips: string[]; temporaryError: string | null }> {
  const [a, aaaa] = await Promise.all([lookup(resolver, host, 'A', lookups), lookup(resolver, host, 'AAAA', lookups)]);
  const ips = [...(a.records as string[]), ...(aaaa.records as string[])];
  const temporaryError = [a.error, aaaa.error].find((e) => e && !NOT_FOUND.has(e)) ?? null;
  return { ips, temporaryError };
}

async function lookup(
  resolver: DnsResolver,
  name: string,
  type: 'MX' | 'A' | 'AAAA',
  lookups: DnsLookup[],
): Promise<{ records: unknown[]; error: string | null }> {
  const started = Date.now();
  let records: unknown[] = [];
  let error: string | null = null;
  try {
    records = type === 'MX' ? await resolver.resolveMx(name) : type === 'A' ? await resolver.resolve4(name) : await resolver.resolve6(name);
  } catch (err) {
    error = (err as NodeJS.ErrnoException).code ?? 'EDNS';
  }
  lookups.push({
    name,
    type,
    answer: records.map((r) => (typeof r === 'string' ? r : `${(r as { priority: number }).priority} ${(r as { exchange: string }).exchange || '.'}`)),
    error,
    durationMs: Date.now() - started,
    ...('cached' in resolver && (resolver as CachingResolver).cached(type, name) ? { cached: true } : {}),
  });
  return { records, error };
}

function shuffleEqualPreferences<T extends { priority: number }>(records: T[], random: () => number): T[] {
  // Decorate-sort: a random key inside each preference spreads load over equal MX hosts.
  return records
    .map((r) => ({ r, k: random() }))
    .sort((x, y) => x.r.priority - y.r.priority || x.k - y.k)
    .map((x) => x.r);
}

/** Exact domain first, then `.parent` keys from the nearest parent up, like Postfix transport maps. */
export function findStaticRoute(domain: string, routes: Record<string, string>): string | null {
  const table = new Map(Object.entries(routes).map(([k, v]) => [k.toLowerCase(), v]));
  if (table.has(domain)) return table.get(domain)!;
  const labels = domain.split('.');
  for (let i = 1; i < labels.length; i++) {
    const key = `.${labels.slice(i).join('.')}`;
    if (table.has(key)) return table.get(key)!;
  }
  return null;
}

/** `host`, `host:port`, `[ipv6]`, `[ipv6]:port`, `[host]:port` (brackets as in Postfix: no MX lookup either way). */
export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(value.trim());
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : defaultPort };
  const m = /^([^:]+)(?::(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`delivery.routes: cannot read "${value}" as host[:port]`);
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}
