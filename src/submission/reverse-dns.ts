/**
 * The client's host name for the Received header, which smtp-server looks up before every greeting:
 * one reverse (PTR) lookup per client address, remembered for a short while, answers and failures
 * alike. Apps that connect for every message come from a few addresses; a lookup per connection cost
 * a DNS round trip before each greeting, and CPU for the query and for its error when there is no PTR,
 * for a name that does not change between two messages. Lookups for an address already under way are
 * shared. In memory and bounded: the oldest entries go first.
 */
import dns from 'node:dns';
import type { SMTPServerResolver } from 'smtp-server';

type Callback = (err: Error | null, hostnames?: string[]) => void;

export interface ReverseCacheOptions {
  /** How long an answer (or a failure) is reused. */
  ttlMs: number;
  /** Addresses remembered at most. */
  maxEntries: number;
  /** The lookup itself (node:dns by default; tests count calls). */
  lookup?: (ip: string, cb: Callback) => void;
  now?: () => number;
}

interface Entry {
  at: number;
  err: Error | null;
  hostnames?: string[];
}

export function cachedReverse(o: ReverseCacheOptions): SMTPServerResolver {
  const lookup = o.lookup ?? ((ip: string, cb: Callback) => dns.reverse(ip, cb));
  const now = o.now ?? Date.now;
  const answers = new Map<string, Entry>();
  const waiting = new Map<string, Callback[]>();
  return {
    reverse(ip, cb) {
      const hit = answers.get(ip);
      if (hit && now() - hit.at < o.ttlMs) return process.nextTick(cb, hit.err, hit.hostnames?.slice());
      const queue = waiting.get(ip);
      if (queue) return void queue.push(cb);
      waiting.set(ip, [cb]);
      const done: Callback = (err, hostnames) => {
        answers.delete(ip); // re-insert: Map order is then oldest answer first
        answers.set(ip, { at: now(), err, hostnames });
        if (answers.size > o.maxEntries) answers.delete(answers.keys().next().value!);
        const callbacks = waiting.get(ip) ?? [];
        waiting.delete(ip);
        for (const c of callbacks) c(err, hostnames?.slice());
      };
      try {
        lookup(ip, done);
      } catch (err) {
        // dns.reverse throws on an address it cannot parse
        done(err as Error);
      }
    },
  };
}
