/**
 * The suppression list as every part sees it: addresses that are accepted from apps but never sent to.
 * The rule of what counts as one address lives here (`suppressionKey`); the store keeps and compares the
 * keys it is given and knows no rule. The queue (hard bounces during delivery) and bounce processing
 * (late hard bounces, complaints) write their entries inside their own transactions, keyed with the same
 * function; intake hands each recipient's key to the enqueue, which checks it in its own transaction.
 */
import { domainToASCII } from 'node:url';
import type { Store, SuppressionPosition, SuppressionRecord } from '../store/store.js';

/**
 * One mailbox for this purpose: `User@Example.com` and ` user@example.com` are the same entry, and so are
 * `kunde@bücher.de` and `kunde@xn--bcher-kva.de` (recipients are stored with the A-label, as DNS knows the
 * domain) and `"ann"@example.com` and `ann@example.com` (quotes that a dot-atom does not need, RFC 5321 §4.1.2).
 */
export function suppressionKey(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed.toLowerCase();
  let local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(local);
  if (quoted) {
    const inner = quoted[1]!.replace(/\\(.)/g, '$1');
    if (DOT_ATOM.test(inner)) local = inner;
  }
  const ascii = domain.startsWith('[') ? domain : domainToASCII(domain) || domain;
  return `${local}@${ascii}`.toLowerCase();
}

/** RFC 5321 Dot-string: atoms of atext joined by single dots. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export interface SuppressionList {
  list(opts: { limit: number; offset?: number; address?: string; contains?: string; after?: SuppressionPosition }): Promise<SuppressionRecord[]>;
  get(address: string): Promise<SuppressionRecord | null>;
  /** An operator's entry; `created` is false when the address was listed already (its entry is kept). */
  add(address: string, reason: string): Promise<{ created: boolean; suppression: SuppressionRecord }>;
  /** False when the address was not listed. */
  remove(address: string): Promise<boolean>;
  /** Is this address listed? */
  has(address: string): Promise<boolean>;
  count(): Promise<number>;
}

export function suppressionList(store: Pick<Store, 'suppressions'>, now: () => number = Date.now): SuppressionList {
  const s = store.suppressions;
  return {
    async list(opts) {
      if (opts.address) {
        const one = await s.get(suppressionKey(opts.address));
        return one && !opts.offset && !opts.after ? [one] : [];
      }
      return s.list({ limit: opts.limit, offset: opts.offset ?? 0, after: opts.after, contains: opts.contains?.trim().toLowerCase() || undefined });
    },
    get: (address) => s.get(suppressionKey(address)),
    add: (address, reason) => s.add({ address: suppressionKey(address), reason, source: 'manual', createdAt: now() }),
    remove: (address) => s.remove(suppressionKey(address)),
    async has(address) {
      return (await s.listed([suppressionKey(address)])).length > 0;
    },
    count: () => s.count(),
  };
}
