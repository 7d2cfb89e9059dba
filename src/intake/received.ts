/**
 * The Received trace field intake writes on every message it commits (RFC 5321 §4.4), as Postfix's
 * cleanup does: who handed the message over, how, and the queue id it got.
 */
import { rfc5322Date } from '../message/headers.js';

export interface ReceivedInfo {
  /** What the client said in HELO/EHLO. */
  helo: string | null;
  /** Reverse DNS name of the client, when it has one. */
  rdns: string | null;
  ip: string | null;
  /** Our host name. */
  by: string;
  /** RFC 3848 protocol: ESMTP, ESMTPS, ESMTPA, ESMTPSA… */
  protocol: string;
  tls: { protocol: string | null; cipher: string | null } | null;
  queueId: string;
  /** Named in `for` only when the message has exactly one recipient (more would disclose Bcc). */
  recipient: string | null;
  at: number;
}

/** Keeps a value that came from the client to characters that cannot break the field's syntax. */
function clean(value: string): string {
  return value.replace(/[^\x21-\x27\x2a-\x3a\x3c-\x7e]/g, '?').slice(0, 255);
}

/**
 * The client's address as RFC 5321's TCP-info writes it (§4.1.3 address literals): `[192.0.2.7]`, and an
 * IPv6 client as `[IPv6:2001:db8::7]`; an IPv4 client seen through a dual-stack socket (`::ffff:a.b.c.d`)
 * is its IPv4 address.
 */
export function addressLiteral(ip: string | null): string {
  if (ip === null) return '[unknown]';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return `[${mapped[1]}]`;
  return ip.includes(':') ? `[IPv6:${clean(ip)}]` : `[${clean(ip)}]`;
}

/** An RFC 5321 §4.4 trace field, folded, ending in CRLF. */
export function receivedField(r: ReceivedInfo): Buffer {
  // Mail mailtrail wrote itself (a DSN) came from no client: `by` only, as Postfix writes for local mail.
  const local = r.helo === null && r.ip === null;
  const from = local ? '' : `from ${clean(r.helo ?? 'unknown')} (${r.rdns ? clean(r.rdns) + ' ' : ''}${addressLiteral(r.ip)})\r\n\t`;
  const tls = r.tls?.protocol ? `(using ${clean(r.tls.protocol)}${r.tls.cipher ? ' with cipher ' + clean(r.tls.cipher) : ''})\r\n\t` : '';
  const by = `by ${r.by} (mailtrail)${r.protocol ? ` with ${r.protocol}` : ''} id ${r.queueId}`;
  const forClause = r.recipient ? `\r\n\tfor <${r.recipient}>` : '';
  return Buffer.from(`Received: ${from}${tls}${by}${forClause};\r\n\t${rfc5322Date(r.at)}\r\n`, 'utf8');
}
