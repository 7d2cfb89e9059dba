/**
 * The TLSRPT record of a recipient domain (RFC 8460 §3): TXT `_smtp._tls.<domain>`, e.g.
 * `v=TLSRPTv1; rua=mailto:tls@example.com,https://reports.example.com/tlsrpt`. Parsed strictly by the
 * ABNF: a record that breaks it is no record (the domain gets no report, and the reason is logged).
 */
export interface TlsRptRecord {
  /** Where reports go, in the record's order: `mailto:` addresses and `https:` URLs. */
  rua: ({ kind: 'mailto'; address: string; uri: string } | { kind: 'https'; url: string; uri: string })[];
}

export type RecordLookup = { record: TlsRptRecord } | { record: null; reason: string };

const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Reads the TXT answers of `_smtp._tls.<domain>` (each answer's strings joined). */
export function parseTlsRptRecords(answers: string[]): RecordLookup {
  // §3: records not starting with the version are discarded; anything but exactly one left means none.
  const candidates = answers.filter((a) => /^v=TLSRPTv1\s*;/.test(a));
  if (candidates.length === 0) return { record: null, reason: answers.length ? 'no record starts with v=TLSRPTv1;' : 'no TXT record' };
  if (candidates.length > 1) return { record: null, reason: `${candidates.length} v=TLSRPTv1 records (exactly one is allowed)` };
  return parseTlsRptRecord(candidates[0]);
}

export function parseTlsRptRecord(text: string): RecordLookup {
  const fields = text.split(/[ \t]*;[ \t]*/);
  if (fields.at(-1) === '') fields.pop(); // a trailing field-delim is allowed
  if (fields[0] !== 'v=TLSRPTv1') return { record: null, reason: 'the record does not begin with v=TLSRPTv1' };
  let rua: TlsRptRecord['rua'] | null = null;
  for (const field of fields.slice(1)) {
    const eq = field.indexOf('=');
    const name = eq > 0 ? field.slice(0, eq) : '';
    const value = field.slice(eq + 1);
    if (name === 'rua') {
      if (rua) return { record: null, reason: 'more than one rua=' };
      rua = [];
      for (const uri of value.split(/[ \t]*,[ \t]*/)) {
        const target = parseUri(uri);
        if (typeof target === 'string') return { record: null, reason: target };
        if (target) rua.push(target);
      }
    } else if (!EXT_NAME.test(name) || !EXT_VALUE.test(value)) {
      return { record: null, reason: `malformed field ${JSON.stringify(field.slice(0, 60))}` };
    }
  }
  if (!rua) return { record: null, reason: 'no rua=' };
  if (rua.length === 0) return { record: null, reason: 'rua= names no mailto: or https: address' };
  return { record: { rua } };
}

/** A target, null for a scheme we do not send to, or why the URI is malformed. */
function parseUri(uri: string): TlsRptRecord['rua'][number] | null | string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return `malformed rua URI ${JSON.stringify(uri.slice(0, 80))}`;
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  if (scheme === 'mailto') {
    // Only the address: header fields (?subject=…) are not ours to add.
    const address = decodeURIComponent(uri.slice(7).split('?')[0]);
    return ADDRESS.test(address) ? { kind: 'mailto', address, uri } : `malformed mailto: address ${JSON.stringify(address.slice(0, 80))}`;
  }
  if (scheme === 'https') {
    try {
      const url = new URL(uri);
      return url.hostname ? { kind: 'https', url: url.href, uri } : `malformed https: URL ${JSON.stringify(uri.slice(0, 80))}`;
    } catch {
      return `malformed https: URL ${JSON.stringify(uri.slice(0, 80))}`;
    }
  }
  return null;
}
