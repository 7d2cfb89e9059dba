/**
 * The signer intake calls before it commits a message: which domain signs (d=), with which keys, and the
 * DKIM-Signature fields. d= is the From domain when it has a key and belongs to the submitting user, so
 * that the signature aligns with the From domain for DMARC; otherwise `dkim.fallback_domain`, or nothing.
 *
 * Keys come from `dkim.keys` (files, read once) and from the store (`mailtrail dkim keygen`), re-read every
 * few seconds so a new or removed key takes effect without a restart. A key that cannot be read or used
 * is an error (the app hears 4xx and retries), never a reason to send the message unsigned.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { DkimAlgorithm, DkimKeyStore } from '../store/deliverability.js';
import { algorithmOf, parsePrivateKey } from './keys.js';
import { dkimSignatures, type SigningKey } from './sign.js';

export interface SignatureInfo {
  /** d= */
  domain: string;
  /** s= */
  selector: string;
  algorithm: DkimAlgorithm;
}

export interface SignResult {
  /** DKIM-Signature fields to prepend, or null when the message goes unsigned. */
  fields: Buffer | null;
  signatures: SignatureInfo[];
  /** Why the message is unsigned or not signed by its From domain (for the trace), else null. */
  note: string | null;
}

export interface SignContext {
  /** Lower-case ASCII domain of the From header, null when there is none or it cannot be read. */
  fromDomain: string | null;
  /** The submitting user's sender domains (`*` = any); null for mail mailtrail itself made. */
  allowedDomains: string[] | null;
}

export interface MessageSigner {
  sign(raw: Buffer, ctx: SignContext): Promise<SignResult>;
}

/** Signing failed: the message must not be accepted. */
export class SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningError';
  }
}

export interface SignerOptions {
  config: Pick<Config, 'dkim'>;
  keys: Pick<DkimKeyStore, 'active'>;
  now?: () => number;
  /** How long database keys are reused before being read again (default 10 s). */
  reloadMs?: number;
}

interface Keyring {
  keys: Map<string, SigningKey[]>;
  /** Domains whose active stored key cannot sign, with why. */
  unusable: Map<string, string>;
}

export function createSigner(opts: SignerOptions): MessageSigner {
  const { dkim } = opts.config;
  const now = opts.now ?? Date.now;
  const reloadMs = opts.reloadMs ?? 10_000;
  // Files were checked when the config was loaded; read them once here.
  const fromFiles: SigningKey[] = dkim.keys.map((k) => {
    const key = parsePrivateKey(readFileSync(k.private_key_file, 'utf8'));
    return { domain: k.domain.toLowerCase(), selector: k.selector, algorithm: algorithmOf(key), key };
  });
  let cached: { at: number; ring: Promise<Keyring> } | null = null;

  async function load(): Promise<Keyring> {
    const keys = new Map<string, SigningKey[]>();
    // A stored key that cannot sign fails its own domain's mail (4xx), not every domain's.
    const unusable = new Map<string, string>();
    const put = (k: SigningKey) => {
      const list = keys.get(k.domain) ?? [];
      // A file key wins over a database key of the same domain and algorithm (it is listed first).
      if (!list.some((o) => o.algorithm === k.algorithm)) list.push(k);
      keys.set(k.domain, list);
    };
    fromFiles.forEach(put);
    for (const r of await opts.keys.active()) {
      try {
        const key = parsePrivateKey(r.privateKey);
        if (algorithmOf(key) !== r.algorithm) throw new Error(`it is not an ${r.algorithm} key`);
        put({ domain: r.domain, selector: r.selector, algorithm: r.algorithm, key });
      } catch (err) {
        if (!fromFiles.some((f) => f.domain === r.domain && f.algorithm === r.algorithm)) {
          unusable.set(
            r.domain,
            `the stored DKIM key ${r.selector} of ${r.domain} is unusable (${(err as Error).message}); replace it with mailtrail dkim keygen`,
          );
        }
      }
    }
    // RSA first: receivers that ignore Ed25519 (most, today) see the signature they check on top.
    for (const list of keys.values()) list.sort((a, b) => (a.algorithm === b.algorithm ? 0 : a.algorithm === 'rsa-sha256' ? -1 : 1));
    return { keys, unusable };
  }

  async function keyring(): Promise<Keyring> {
    const t = now();
    if (!cached || t - cached.at >= reloadMs) {
      const ring = load();
      cached = { at: t, ring };
      // A failed read is not remembered: the next message tries again.
      ring.catch(() => {
        if (cached?.ring === ring) cached = null;
      });
    }
    try {
      return await cached.ring;
    } catch (err) {
      throw new SigningError(`cannot read the DKIM keys (${(err as Error).message})`);
    }
  }

  return {
    async sign(raw, ctx) {
      const { keys: ring, unusable } = await keyring();
      const from = ctx.fromDomain;
      const allowed = ctx.allowedDomains === null || (from !== null && ctx.allowedDomains.some((d) => d === '*' || d.toLowerCase() === from));
      let domain: string | null = null;
      let note: string | null = null;
      const usable = (d: string) => {
        if (unusable.has(d)) throw new SigningError(unusable.get(d)!);
        return ring.has(d);
      };
      if (from && allowed && usable(from)) domain = from;
      else {
        note = !from
          ? 'the message has no readable From address'
          : !allowed
            ? `From domain ${from} is not among the sending user's domains, so it does not sign`
            : `no DKIM key for ${from} (mailtrail dkim keygen ${from})`;
        const fallback = dkim.fallback_domain?.toLowerCase() ?? null;
        if (fallback && usable(fallback)) {
          domain = fallback;
          note += `; signed by the fallback domain ${fallback}, which does not align with the From domain for DMARC`;
        } else if (fallback) note += `; the fallback domain ${fallback} has no key either`;
      }
      if (!domain) return { fields: null, signatures: [], note: `unsigned: ${note}` };
      const keys = ring.get(domain)!;
      let fields: Buffer;
      try {
        fields = (await dkimSignatures(raw, keys, { headers: dkim.headers, oversign: dkim.oversign, now: now() })).fields;
      } catch (err) {
        throw new SigningError(`DKIM signing for ${domain} failed (${(err as Error).message})`);
      }
      return { fields, signatures: keys.map((k) => ({ domain: k.domain, selector: k.selector, algorithm: k.algorithm })), note };
    },
  };
}
