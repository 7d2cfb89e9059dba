/**
 * The store areas of deliverability (issue 14), kept apart from store.ts so backends add them in one place:
 * DKIM signing keys and cached MTA-STS policies.
 */

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface DkimKeyRecord {
  id: number;
  /** Lower-case ASCII: the d= tag. */
  domain: string;
  /** The s= tag: the record is published at `<selector>._domainkey.<domain>`. */
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** The p= value of the DNS record (base64). */
  publicKey: string;
  /** Signs now. A domain has at most one active key per algorithm. */
  active: boolean;
  createdAt: number;
}

/** DKIM keys made with `mailtrail dkim keygen`. */
export interface DkimKeyStore {
  /** Adds a key; `active` is ignored when the domain already has an active key of that algorithm (the new one waits). */
  add(key: Omit<DkimKeyRecord, 'id'>): Promise<DkimKeyRecord>;
  /** Every key, by domain then selector. */
  list(): Promise<DkimKeyRecord[]>;
  /** Active keys only: what the signer uses. */
  active(): Promise<DkimKeyRecord[]>;
  /** Makes this key the active one of its algorithm for its domain (the previous one stops signing). False: no such key. */
  activate(domain: string, selector: string): Promise<boolean>;
  /** False when there was no such key. */
  remove(domain: string, selector: string): Promise<boolean>;
}

/** An MTA-STS policy (RFC 8461 §3.2) as fetched for a domain. */
export interface MtaStsPolicyRecord {
  domain: string;
  /** The id= of the TXT record the policy was fetched for. */
  policyId: string;
  mode: 'enforce' | 'testing' | 'none';
  /** mx patterns: `mx.example.com` or `*.example.net`. */
  mx: string[];
  /** Seconds. */
  maxAge: number;
  fetchedAt: number;
  /** fetchedAt + maxAge × 1000. */
  expiresAt: number;
}

/** Cached MTA-STS policies, shared by every node of the store. */
export interface MtaStsStore {
  get(domain: string): Promise<MtaStsPolicyRecord | null>;
  /** Inserts or replaces the domain's policy. */
  put(policy: MtaStsPolicyRecord): Promise<void>;
}
