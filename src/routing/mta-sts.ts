/**
 * MTA-STS (RFC 8461) for outbound mail: find a recipient domain's policy, keep it for its max_age in the
 * store (so every node uses the same one and a restart does not forget it), and say how each MX host may be
 * used. The deliverer applies the answer where it picks hosts.
 *
 *   enforce   only MX hosts that match the policy's `mx` patterns, only over TLS, only with a certificate
 *             valid for the MX host name (a public CA chain, not expired): otherwise no delivery (4.7.5, retried).
 *   testing   delivery as usual; a host that does not match and a certificate that does not verify are recorded.
 *   none      as if there were no policy (how a domain withdraws one).
 *
 * Discovery (§3.1, §5.1): the TXT record `_mta-sts.<domain>` (`v=STSv1; id=…`) says a policy exists and its
 * version. A cached, unexpired policy with the same id is used as is; a new id (or none cached) means a
 * fetch of https://mta-sts.<domain>/.well-known/mta-sts.txt (§3.3: a valid certificate for that name, a 200
 * with text/plain, no redirects). A cached policy stays in force until it expires even if the TXT record
 * disappears or the fetch fails, which is what keeps an attacker who strips DNS or HTTPS from downgrading
 * delivery. Parsing is mailauth's (`parsePolicy`); matching hosts is here, because mailauth lets `*.` match
 * any number of labels where §4.1 allows exactly one.
 */
import { promises as dnsPromises } from 'node:dns';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { parsePolicy } from 'mailauth/lib/mta-sts.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { MtaStsPolicyRecord, MtaStsStore } from '../store/deliverability.js';
import type { Route } from './resolve.js';
import { createResolver } from './resolve.js';

/** What the policy lookup came to for one domain. */
export interface StsDecision {
  /** The policy in force (mode none included), or null when the domain has none or none could be had. */
  policy: MtaStsPolicyRecord | null;
  /** cached: from the store; fetched: fetched just now; none: no policy in force. */
  source: 'cached' | 'fetched' | 'none';
  /** A problem met on the way (TXT lookup or fetch failed), kept for the transcript. */
  error: string | null;
  /** A failed fetch as RFC 8460 names it (for TLS reports): sts-policy-fetch-error, sts-policy-invalid or sts-webpki-invalid. */
  errorType?: StsFetchFailure | null;
}

export type StsFetchFailure = 'sts-policy-fetch-error' | 'sts-policy-invalid' | 'sts-webpki-invalid';

/** A fetch that failed, with its RFC 8460 result type. */
class StsFetchError extends Error {
  constructor(
    message: string,
    readonly type: StsFetchFailure,
  ) {
    super(message);
  }
}

/** How one MX host may be used under the domain's policy. */
export type HostRule = { use: 'skip'; text: string } | { use: 'enforce'; label: string } | { use: 'testing'; label: string; mismatch: boolean };

/** The policy applied to a route: recorded in the `dns` phase, consulted for each host. */
export interface StsPlan {
  mode: 'enforce' | 'testing';
  /** For the `dns` phase's detail. */
  detail: Record<string, unknown>;
  forHost(host: string): HostRule;
}

export interface MtaSts {
  policyFor(domain: string): Promise<StsDecision>;
  /** The plan for delivering to `domain` over `route` (MX or implicit MX), or null when no policy is in force. */
  plan(domain: string, route: Route): Promise<{ plan: StsPlan | null; decision: StsDecision }>;
}

export interface MtaStsOptions {
  config: Pick<Config, 'delivery'>;
  /** Where policies are cached; null keeps them in this process only. */
  store: Pick<MtaStsStore, 'get' | 'put'> | null;
  logger: Logger;
  resolver?: Pick<dnsPromises.Resolver, 'resolveTxt' | 'resolve4' | 'resolve6'>;
  now?: () => number;
}

const MAX_POLICY_BYTES = 64 * 1024;
/** Node's and OpenSSL's codes for a certificate that does not verify. */
export const CERT_ERROR =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_SSL_.*CERTIFICATE|HOSTNAME_MISMATCH)/;

export function createMtaSts(opts: MtaStsOptions): MtaSts {
  const d = opts.config.delivery;
  const now = opts.now ?? Date.now;
  const resolver = opts.resolver ?? createResolver(opts.config);
  const ca = trustedCas(d.test_only_ca_file);
  const local = new Map<string, MtaStsPolicyRecord>();
  const store: Pick<MtaStsStore, 'get' | 'put'> = opts.store ?? {
    get: async (domain) => local.get(domain) ?? null,
    put: async (p) => void local.set(p.domain, p),
  };
  // Per process: the decision is reused for dns_cache_ms (a TXT lookup per delivery otherwise), and after a
  // failed fetch with nothing cached, for retry_after_ms (a broken policy host is not hammered per message).
  const memo = new Map<string, { until: number; decision: StsDecision }>();

  async function discover(domain: string): Promise<{ id: string | null; error: string | null }> {
    let records: string[][];
    try {
      records = await resolver.resolveTxt(`_mta-sts.${domain}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EDNS';
      return { id: null, error: code === 'ENOTFOUND' || code === 'ENODATA' ? null : `TXT lookup of _mta-sts.${domain} failed (${code})` };
    }
    const sts = records.map((r) => r.join('')).filter((r) => /^v=STSv1\s*(;|$)/.test(r));
    // §3.1: not exactly one valid record = no policy (a cached one still applies until it expires).
    if (sts.length !== 1) return { id: null, error: sts.length > 1 ? `_mta-sts.${domain} has ${sts.length} STSv1 records` : null };
    const id = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(sts[0])?.[1] ?? null;
    return { id, error: id ? null : `_mta-sts.${domain} has no valid id= (${sts[0].slice(0, 80)})` };
  }

  /** Lookups under way, per domain: the deliveries that need one policy at once wait for one fetch. */
  const inFlight = new Map<string, Promise<StsDecision>>();

  function policyFor(domain: string): Promise<StsDecision> {
    const hit = memo.get(domain);
    if (hit && hit.until > now()) return Promise.resolve(hit.decision);
    let running = inFlight.get(domain);
    if (!running) {
      running = lookUp(domain).finally(() => inFlight.delete(domain));
      inFlight.set(domain, running);
    }
    return running;
  }

  async function lookUp(domain: string): Promise<StsDecision> {
    const t = now();
    const cached = await store.get(domain);
    const valid = cached && cached.expiresAt > t ? cached : null;
    const { id, error } = await discover(domain);
    let decision: StsDecision;
    let keepMs = d.dns_cache_ms;
    if (!id || (valid && valid.policyId === id)) {
      decision = valid ? { policy: valid, source: 'cached', error } : { policy: null, source: 'none', error };
    } else {
      try {
        const fetched = await fetchPolicy(domain, id, t);
        await store.put(fetched);
        decision = { policy: fetched, source: 'fetched', error: null };
        opts.logger.info(
          { event: 'mta_sts.policy', domain, mode: fetched.mode, policy_id: id, mx: fetched.mx, max_age: fetched.maxAge },
          `MTA-STS policy of ${domain}: ${fetched.mode}`,
        );
      } catch (err) {
        const why = `MTA-STS policy of ${domain} could not be fetched: ${(err as Error).message}`;
        opts.logger.warn({ event: 'mta_sts.fetch_failed', domain, policy_id: id, err: (err as Error).message, cached: valid !== null }, why);
        const errorType = err instanceof StsFetchError ? err.type : 'sts-policy-fetch-error';
        decision = valid ? { policy: valid, source: 'cached', error: why, errorType } : { policy: null, source: 'none', error: why, errorType };
        keepMs = d.mta_sts.retry_after_ms;
      }
    }
    if (keepMs > 0) memo.set(domain, { until: t + keepMs, decision });
    return decision;
  }

  async function fetchPolicy(domain: string, id: string, at: number): Promise<MtaStsPolicyRecord> {
    const host = `mta-sts.${domain}`;
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (ips.length === 0) throw new Error(`${host} has no address`);
    const body = await httpsGet(ips[0], host, '/.well-known/mta-sts.txt', d.mta_sts.fetch_timeout_ms, ca);
    let parsed;
    try {
      parsed = parsePolicy(body);
    } catch (err) {
      throw new StsFetchError(`the policy file is invalid (${(err as Error).message})`, 'sts-policy-invalid');
    }
    const maxAge = parsed.maxAge ?? 0;
    return { domain, policyId: id, mode: parsed.mode, mx: (parsed.mx ?? []).map((m) => m.toLowerCase()), maxAge, fetchedAt: at, expiresAt: at + maxAge * 1000 };
  }

  return {
    policyFor,
    async plan(domain, route) {
      const decision = await policyFor(domain);
      const p = decision.policy;
      const detail = {
        mode: p?.mode ?? 'none',
        id: p?.policyId ?? null,
        mx: p?.mx ?? [],
        source: decision.source,
        expires_at: p ? new Date(p.expiresAt).toISOString() : null,
        max_age: p?.maxAge ?? null,
        error: decision.error,
        ...(decision.errorType ? { error_type: decision.errorType } : {}),
      };
      if (!p || p.mode === 'none') return { plan: null, decision };
      const mode = p.mode;
      const label = `MTA-STS policy of ${domain} (${mode}; mx: ${p.mx.join(', ')})`;
      const mismatched = route.hosts.filter((h) => !mxMatches(h.host, p.mx)).map((h) => h.host);
      if (mode === 'testing' && mismatched.length) {
        opts.logger.warn(
          { event: 'mta_sts.testing_failure', domain, mx: mismatched, policy_id: p.policyId },
          `${mismatched.join(', ')} not in the MTA-STS policy of ${domain} (testing: delivered anyway)`,
        );
      }
      return {
        decision,
        plan: {
          mode,
          detail: { ...detail, not_matching: mismatched },
          forHost(host) {
            const match = mxMatches(host, p.mx);
            if (mode === 'testing') return { use: 'testing', label, mismatch: !match };
            if (!match) return { use: 'skip', text: `${host} skipped: it does not match the ${label}; mail goes only to listed hosts over verified TLS` };
            return { use: 'enforce', label };
          },
        },
      };
    },
  };
}

/** §4.1: an exact name, or `*.` standing for exactly one left-most label. */
export function mxMatches(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((raw) => {
    const p = raw.toLowerCase().replace(/\.$/, '');
    if (!p.startsWith('*.')) return p === h;
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot + 1) === p.slice(2);
  });
}

/** Node's roots, plus the test-only CA file when set (delivery.test_only_ca_file). */
export function trustedCas(file: string | null): string[] | undefined {
  if (!file) return undefined;
  return [...tls.rootCertificates, readFileSync(file, 'utf8')];
}

/** One GET, §3.3's way: certificate valid for `servername`, a 200 (redirects are failures), text/plain, at most 64 KiB. */
function httpsGet(ip: string, servername: string, path: string, timeoutMs: number, ca: string[] | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: ip,
        port: 443,
        path,
        method: 'GET',
        servername,
        headers: { host: servername, 'user-agent': 'mailtrail' },
        ca,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(
            new Error(
              `https://${servername}${path} answered HTTP ${res.statusCode}${res.headers.location ? ` (redirect to ${res.headers.location}, not followed)` : ''}`,
            ),
          );
        }
        const type = String(res.headers['content-type'] ?? '');
        if (!/^text\/plain\b/i.test(type)) {
          res.resume();
          return reject(new Error(`https://${servername}${path} has Content-Type ${type || '(none)'}; a policy is text/plain`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_POLICY_BYTES) req.destroy(new Error(`the policy is larger than ${MAX_POLICY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    // `timeout` above is the socket's idle time; this is the whole fetch's (a server sending a byte a second
    // is never idle, and would hold every delivery to the domain waiting).
    const deadline = setTimeout(() => req.destroy(new Error(`https://${servername}${path} did not send its policy within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`no answer from https://${servername}${path} within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const text = err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
      // A certificate that does not verify for mta-sts.<domain> is RFC 8460's sts-webpki-invalid.
      reject(new StsFetchError(text, err.code && CERT_ERROR.test(err.code) ? 'sts-webpki-invalid' : 'sts-policy-fetch-error'));
    });
    req.end();
  });
}
