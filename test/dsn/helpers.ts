/** Shared by the DSN tests: an original message record, and a reader for delivery-status fields. */
import type { MessageRecord } from '../../src/types.js';

export function messageRecord(over: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: 1,
    queueId: '01HQ00000000ABCD',
    messageId: 'orig-1@app.example.com',
    messageIdAdded: false,
    mailFrom: 'app@example.com',
    username: 'app',
    clientIp: '127.0.0.1',
    clientHostname: null,
    tls: null,
    size: 100,
    sha256: '0'.repeat(64),
    tag: null,
    envId: 'env-42',
    ret: null,
    origin: 'submission',
    createdAt: Date.UTC(2024, 0, 2, 3, 4, 5),
    ...over,
  };
}

export type FieldGroup = Map<string, string>;

/**
 * Reads a message/delivery-status body independently of the code under test: unfolds continuation
 * lines (RFC 5322 §2.2.3), splits into groups at blank lines, and maps lower-cased names to values.
 */
export function readDeliveryStatus(body: string): { perMessage: FieldGroup; recipients: FieldGroup[] } {
  const groups = body
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => {
      const fields: FieldGroup = new Map();
      for (const line of g.replace(/\n[ \t]/g, ' ').split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      return fields;
    });
  return { perMessage: groups[0], recipients: groups.slice(1) };
}

/** The top-level MIME parts of a multipart body, raw (headers + body), without a MIME library. */
export function rawParts(raw: string, boundary: string): string[] {
  const parts = raw.split(`\r\n--${boundary}`);
  // parts[0] is the preamble; the last part starts with "--" (the closing delimiter).
  return parts.slice(1, -1).map((p) => p.replace(/^\r\n/, ''));
}
