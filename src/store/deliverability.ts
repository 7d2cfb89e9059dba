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

/**
 * TLS reporting (RFC 8460): how many TLS sessions to a recipient domain went which way on one UTC day,
 * counted when each delivery attempt is recorded (src/tlsrpt/sessions.ts), and which daily reports were sent.
 * Counting at record time rather than reading events at report time: the events carry no domain, their
 * phases would have to be re-walked, and retention may have purged them before the day's report is due.
 */
export interface TlsSessionCount {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** The recipient (policy) domain. */
  domain: string;
  /** The MTA-STS policy in force ('' when none: `no-policy-found`), with what the report prints of it. */
  policyId: string;
  policyMode: 'enforce' | 'testing' | null;
  policyMx: string[];
  policyMaxAge: number | null;
  /** `success`, or an RFC 8460 §4.3 result type (`starttls-not-supported`, `certificate-host-mismatch`…). */
  result: string;
  /** '' when not known (a host skipped before connecting has no receiving-ip). */
  sendingIp: string;
  receivingMx: string;
  receivingIp: string;
  /** A short code for the report's failure-reason-code (a TLS error code, `mx-not-in-policy`); '' for none. */
  reason: string;
  sessions: number;
}

export type TlsReportState = 'sending' | 'sent' | 'failed' | 'no-report';

export interface TlsReportStore {
  /** Every count of one UTC day, by domain. */
  sessionsOn(day: string): Promise<TlsSessionCount[]>;
  /**
   * Takes the day's report of a domain for `owner`, once across every node: the first claim, a failed one
   * tried fewer than `maxTries` times, or one whose sender died (lease past). Returns the try number, or
   * null when it is sent, given up, being sent by another node, or has nothing to send.
   */
  claim(req: { day: string; domain: string; owner: string; now: number; leaseUntil: number; maxTries: number }): Promise<number | null>;
  /** Records how the claimed report went (only while `owner` holds it). */
  finish(req: {
    day: string;
    domain: string;
    owner: string;
    now: number;
    state: Exclude<TlsReportState, 'sending'>;
    reportId: string | null;
    note: string | null;
  }): Promise<boolean>;
  /** Removes counts and report rows of days before `day` (kept: the days a report may still be due for). */
  forget(beforeDay: string): Promise<number>;
}
