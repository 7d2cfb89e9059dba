// mailauth internals that mailtrail uses, which have no published types. Kept to this one file so an
// upgrade that moves them fails here (typecheck) and in test/dkim (dkimpy verification).

// The body canonicaliser (RFC 6376 §3.4.3-3.4.4), the streaming byte-level part of mailauth's DKIM signer.
declare module 'mailauth/lib/dkim/body/index.js' {
  export interface BodyHasher {
    update(chunk: Buffer): void;
    digest(encoding: 'base64'): string;
  }
  export function dkimBody(canonicalization: 'relaxed' | 'simple', algorithm: 'sha256', maxBodyLength: number | false): BodyHasher;
}

// mailauth's DMARC alignment test: the organizational domains (Public Suffix List, via tldts) of `from` and of
// an entry are equal. Declared for src/doctor/dmarc.ts; `strict` is always passed false there (exact
// matching for adkim=s / aspf=s is done by the caller).
declare module 'mailauth/lib/tools.js' {
  export function getAlignment(fromDomain: string, domainList: { domain: string }[], strict: false): { domain: string } | false;
}
