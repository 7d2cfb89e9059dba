/**
 * Who may hold a connection slot on an SMTP listener, counted per client address and in total.
 *
 * A slot is taken when the TCP connection is accepted (before any TLS handshake, so a client that
 * never finishes one still counts; behind a PROXY-protocol balancer, once its header names the client:
 * until then a `Hold` counts in the total only) and given back when the SMTP session ends: at the reply to QUIT or
 * a closing 421, not when the socket finally closes, so an app that reconnects for every message does
 * not collide with its own previous session.
 *
 * Per address, sessions that have not authenticated and sessions that have are counted apart: an app
 * fleet behind one NAT address holding many authenticated sessions does not starve itself of new
 * logins, and anonymous clients (where attacks come from) keep a smaller limit. Trusted networks
 * (like Postfix's $mynetworks) are exempt from both per-address limits; the total applies to everyone.
 * An IPv6 client is counted per prefix (`ipv6Prefix`, src/listener/client-key.ts): one host usually holds
 * a whole /64, and counted per address it could take a fresh one for every connection.
 *
 * In memory on purpose: it protects this process, and a restart forgetting it is harmless.
 */
import { BlockList, isIP } from 'node:net';
import { cidrProblem } from '../config/cidr.js';
import { clientKey, describeClient } from './client-key.js';

export interface AdmissionLimits {
  /** Slots in all (sessions and TLS handshakes). */
  maxTotal: number;
  /** Slots per client address for sessions that have not authenticated (handshakes included). */
  maxPerIp: number;
  /** Slots per client address for authenticated sessions. */
  maxAuthenticatedPerIp: number;
  /** CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`) exempt from the per-address limits. */
  trustedNetworks: readonly string[];
  /** IPv6 clients are counted per prefix of this length (128: per address); IPv4 clients per address. */
  ipv6Prefix: number;
}

export type Refusal = 'total' | 'per-ip';

/**
 * A place in the total for a connection from a trusted PROXY-protocol balancer whose header is not read yet:
 * the balancer carries every client, so it is never limited per address, but what it holds counts in the
 * total. The header's client then takes a slot of its own, counted per address, in place of the hold.
 */
export interface Hold {
  /** A slot for the client the header names (the hold is spent either way), or why there is none. */
  admit(ip: string): Slot | Refusal;
  /** Gives the place back (no header, a bad one). Idempotent. */
  release(): void;
}

export interface Slot {
  /** The client's real address (replies, logs). */
  readonly ip: string;
  /** What the per-address counts count it under: the address, or its IPv6 prefix. */
  readonly key: string;
  readonly trusted: boolean;
  /** Moves the slot to the authenticated count; false (slot unchanged) when that count is full. */
  authenticate(): boolean;
  /** Gives the slot back. Idempotent: the session's end and the socket's close may both call it. */
  release(): void;
}

interface PerIp {
  anonymous: number;
  authenticated: number;
}

export class Admission {
  private total = 0;
  private readonly perIp = new Map<string, PerIp>();
  /** Null without trusted networks: a BlockList check builds a SocketAddress per connection for nothing. */
  private readonly trusted: BlockList | null;

  constructor(private readonly limits: AdmissionLimits) {
    this.trusted = limits.trustedNetworks.length ? trustedNetworks(limits.trustedNetworks) : null;
  }

  /** A slot for a new connection from `ip`, or why there is none. */
  admit(ip: string): Slot | Refusal {
    if (this.total >= this.limits.maxTotal) return 'total';
    // Trusted networks are matched on the real address, not the prefix it is counted under.
    const trusted = this.trusted !== null && isTrusted(this.trusted, ip);
    // A trusted address is counted on its own: its sessions must not fill the count of untrusted
    // neighbours in its prefix.
    const key = trusted ? `trusted ${ip}` : clientKey(ip, this.limits.ipv6Prefix);
    const counts = this.perIp.get(key) ?? { anonymous: 0, authenticated: 0 };
    if (!trusted && counts.anonymous >= this.limits.maxPerIp) return 'per-ip';
    counts.anonymous++;
    this.perIp.set(key, counts);
    this.total++;
    return this.slot(ip, key, trusted, counts);
  }

  /** A place in the total only, for a connection whose client is not known yet (a PROXY header to read). */
  hold(): Hold | 'total' {
    if (this.total >= this.limits.maxTotal) return 'total';
    this.total++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.total--;
    };
    return {
      // One turn of the event loop: the place given back is the one the slot takes, nobody can take it between.
      admit: (ip) => {
        release();
        return this.admit(ip);
      },
      release,
    };
  }

  /** The client as a refusal names it: its address, and its prefix when that is what is counted. */
  describe(ip: string): string {
    return describeClient(ip, this.limits.ipv6Prefix);
  }

  /** Slots in use, in all. */
  get open(): number {
    return this.total;
  }

  /** Slots in use by one untrusted address (with the rest of its IPv6 prefix): not yet authenticated, and authenticated. */
  countsFor(ip: string): Readonly<PerIp> {
    return { ...(this.perIp.get(clientKey(ip, this.limits.ipv6Prefix)) ?? { anonymous: 0, authenticated: 0 }) };
  }

  private slot(ip: string, key: string, trusted: boolean, counts: PerIp): Slot {
    let state: 'anonymous' | 'authenticated' | 'released' = 'anonymous';
    return {
      ip,
      key,
      trusted,
      authenticate: () => {
        if (state !== 'anonymous') return state === 'authenticated';
        if (!trusted && counts.authenticated >= this.limits.maxAuthenticatedPerIp) return false;
        counts.anonymous--;
        counts.authenticated++;
        state = 'authenticated';
        return true;
      },
      release: () => {
        if (state === 'released') return;
        counts[state]--;
        state = 'released';
        this.total--;
        if (counts.anonymous === 0 && counts.authenticated === 0) this.perIp.delete(key);
      },
    };
  }
}

/** Parses CIDR blocks; throws with the bad entry named (config validation calls it too). */
export function trustedNetworks(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) throw new Error(problem);
    const [address, bits] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
  }
  return list;
}

/** Whether an address is in the CIDR blocks (already checked by config validation); null when none are listed. */
export function networkMatcher(cidrs: readonly string[]): ((ip: string) => boolean) | null {
  if (cidrs.length === 0) return null;
  const list = trustedNetworks(cidrs);
  return (ip) => isTrusted(list, ip);
}

function isTrusted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (!family) return false;
  // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d; trusted blocks are written as IPv4.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return list.check(mapped[1], 'ipv4');
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
