/**
 * A small answer cache in front of the DNS resolver. Every delivery needs the MX and address records of
 * its domain, and a busy relay sends to the same few domains over and over: asking the DNS server each
 * time costs a round trip and, measured, a tenth of the relay's CPU. Answers are kept for at most
 * `delivery.dns_cache_ms` and never longer than an address record's own TTL (MX answers carry no TTL
 * in Node's API, so the configured bound applies). "Does not exist" answers (NXDOMAIN, NODATA) are kept
 * for a tenth of that, so a fixed typo is noticed soon; failures (SERVFAIL, timeouts) are never kept.
 */
import type { MxRecord, promises as dnsPromises } from 'node:dns';

/** The three questions routing asks. */
export type DnsResolver = Pick<dnsPromises.Resolver, 'resolveMx' | 'resolve4' | 'resolve6'>;

/** Answers that mean "no such name or type": worth remembering, unlike a failure to find out. */
const DEFINITE = new Set(['ENOTFOUND', 'ENODATA']);

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

  async function ask<T>(type: 'MX' | 'A' | 'AAAA', name: string, query: () => Promise<{ records: T[]; ttlMs: number }>): Promise<T[]> {
    const key = `${type} ${name.toLowerCase()}`;
    const e = entries.get(key);
    if (e && e.expires > now()) {
      hits.add(key);
      if (e.error) throw e.error;
      return e.records as T[];
    }
    hits.delete(key);
    entries.delete(key);
    try {
      const { records, ttlMs } = await query();
      remember(key, { expires: now() + Math.min(maxAgeMs, ttlMs), records });
      return records;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code && DEFINITE.has(code)) remember(key, { expires: now() + Math.ceil(maxAgeMs / 10), error: err as NodeJS.ErrnoException });
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
