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

/** An RFC 5321 §4.4 trace field, folded, ending in CRLF. */
export function receivedField(r: ReceivedInfo): Buffer {
  // Mail mailtrail wrote itself (a DSN) came from no client: `by` only, as Postfix writes for local mail.
  const local = r.helo === null && r.ip === null;
  const from = local ? '' : `from ${clean(r.helo ?? 'unknown')} (${r.rdns ? clean(r.rdns) + ' ' : ''}[${clean(r.ip ?? 'unknown')}])\r\n\t`;
  const tls = r.tls?.protocol ? `(using ${clean(r.tls.protocol)}${r.tls.cipher ? ' with cipher ' + clean(r.tls.cipher) : ''})\r\n\t` : '';
  const by = `by ${r.by} (mailtrail)${r.protocol ? ` with ${r.protocol}` : ''} id ${r.queueId}`;
  const forClause = r.recipient ? `\r\n\tfor <${r.recipient}>` : '';
  return Buffer.from(`Received: ${from}${tls}${by}${forClause};\r\n\t${rfc5322Date(r.at)}\r\n`, 'utf8');
}
