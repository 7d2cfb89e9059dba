/**
 * A small answer cache in front of the DNS resolver. Every delivery needs the MX and address records of
 * its domain, and a busy relay sends to the same few domains over and over: asking the DNS server each
 * time costs a round trip and, measured, a tenth of the relay's CPU. Answers are kept for at most
 * `delivery.dns_cache_ms` and never longer than an address record's own TTL (MX answers carry no TTL
 * in Node's API, so the configured bound applies). "Does not exist" answers (NXDOMAIN, NODATA) are kept
 * for a tenth of that, so a fixed typo is noticed soon.
 *
 * Failures to find out (a timeout, SERVFAIL, REFUSED) are kept too, briefly, as RFC 9520 asks of resolvers:
 * 5 seconds, doubling while the same question keeps failing, at most 5 minutes (and never longer than the
 * configured age). Without it, every job for a domain whose name servers do not answer waited out its own
 * timeout (10 s) while holding a delivery slot, and a backlog for a few such domains starved the healthy ones.
 * For the same reason the same question asked while it is on its way waits for that answer instead of asking
 * again: twenty jobs of one domain make one lookup.
 */
import type { MxRecord, promises as dnsPromises } from 'node:dns';

/** The three questions routing asks. */
export type DnsResolver = Pick<dnsPromises.Resolver, 'resolveMx' | 'resolve4' | 'resolve6'>;

/** Answers that mean "no such name or type": worth remembering, unlike a failure to find out. */
const DEFINITE = new Set(['ENOTFOUND', 'ENODATA']);
/** Answers that mean "could not find out": kept briefly (RFC 9520), never as long as an answer. */
const FAILED = new Set(['ETIMEOUT', 'ESERVFAIL', 'EREFUSED', 'ECONNREFUSED']);
/** RFC 9520 §3.2: a failure is kept at least 1 s (we start at 5 s, its example) and at most 5 minutes. */
const FAILURE_FIRST_MS = 5_000;
const FAILURE_MAX_MS = 5 * 60_000;

interface Entry {
  expires: number;
  records?: unknown[];
  error?: NodeJS.ErrnoException;
}

export interface CachingResolver extends DnsResolver {
  /** Whether the last answer for this question came from the cache (recorded in the `dns` phase). */
  cached(type: 'MX' | 'A' | 'AAAA', name: string): boolean;
}

export function cachingResolver(inner: dnsPromises.Resolver, maxAgeMs: number, now: () => number = Date.now, maxEntries = 10_000): CachingResolver {
  const entries = new Map<string, Entry>();
  const hits = new Set<string>();
  /** Questions on their way to the server: a second asker shares the answer. */
  const asking = new Map<string, Promise<unknown[]>>();
  /** Questions whose last answers were failures, and how many in a row (the failure's keep doubles). */
  const failing = new Map<string, number>();

  function ask<T>(type: 'MX' | 'A' | 'AAAA', name: string, query: () => Promise<{ records: T[]; ttlMs: number }>): Promise<T[]> {
    const key = `${type} ${name.toLowerCase()}`;
    const e = entries.get(key);
    if (e && e.expires > now()) {
      hits.add(key);
      return e.error ? Promise.reject(e.error) : Promise.resolve(e.records as T[]);
    }
    hits.delete(key);
    entries.delete(key);
    const pending = asking.get(key);
    if (pending) return pending as Promise<T[]>;
    const answer = lookUp(key, query).finally(() => asking.delete(key));
    asking.set(key, answer);
    return answer;
  }

  async function lookUp<T>(key: string, query: () => Promise<{ records: T[]; ttlMs: number }>): Promise<T[]> {
    try {
      const { records, ttlMs } = await query();
      failing.delete(key);
      remember(key, { expires: now() + Math.min(maxAgeMs, ttlMs), records });
      return records;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code && DEFINITE.has(code)) {
        failing.delete(key);
        remember(key, { expires: now() + Math.ceil(maxAgeMs / 10), error: err as NodeJS.ErrnoException });
      } else if (code && FAILED.has(code)) {
        const n = (failing.get(key) ?? 0) + 1;
        if (failing.size >= maxEntries) failing.delete(failing.keys().next().value!);
        failing.set(key, n);
        const keepMs = Math.min(maxAgeMs, FAILURE_MAX_MS, FAILURE_FIRST_MS * 2 ** Math.min(n - 1, 10));
        remember(key, { expires: now() + keepMs, error: err as NodeJS.ErrnoException });
      }
      throw err;
    }
  }

  function remember(key: string, entry: Entry): void {
    if (maxAgeMs <= 0) return;
    // Map order is insertion order: the oldest entry goes first when the cache is full.
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, entry);
  }

  const withTtl = (answers: { address: string; ttl: number }[]) => ({
    records: answers.map((a) => a.address),
    ttlMs: Math.min(...answers.map((a) => a.ttl * 1000), Infinity),
  });

  return {
    resolveMx: (name: string) => ask<MxRecord>('MX', name, async () => ({ records: await inner.resolveMx(name), ttlMs: Infinity })),
    resolve4: ((name: string) => ask<string>('A', name, async () => withTtl(await inner.resolve4(name, { ttl: true })))) as DnsResolver['resolve4'],
    resolve6: ((name: string) => ask<string>('AAAA', name, async () => withTtl(await inner.resolve6(name, { ttl: true })))) as DnsResolver['resolve6'],
    cached: (type, name) => hits.has(`${type} ${name.toLowerCase()}`),
  };
}
