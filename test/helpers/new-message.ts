/**
 * One builder for the store's NewMessage, so tests state only what matters to them: unique queue ids,
 * a Message-ID header that matches the record, the content hash and the recipients' domains are derived.
 */
import { createHash } from 'node:crypto';
import type { NewMessage, NewRecipient } from '../../src/store/store.js';

/** An address, or an address with the recipient fields a test cares about. */
export type RecipientSpec = string | (Partial<NewRecipient> & { address: string });

export type MessageSpec = Omit<Partial<NewMessage>, 'recipients' | 'raw'> & {
  recipients: RecipientSpec[];
  /** The content; by default a small message whose Message-ID header is `messageId`. */
  raw?: Buffer | string;
};

let seq = 0;

/** A queue id no other test message of this run has. */
export function uniqueQueueId(): string {
  return `Q${process.pid.toString(36)}${(++seq).toString(36)}${Math.random().toString(36).slice(2, 8)}`.toUpperCase();
}

export function newMessage(spec: MessageSpec): NewMessage {
  const { recipients, raw: rawSpec, ...given } = spec;
  // A field given as undefined keeps its default, so callers can pass optional values straight through.
  const over = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as typeof given;
  const queueId = over.queueId ?? uniqueQueueId();
  const messageId = over.messageId === undefined ? `${queueId.toLowerCase()}@test` : over.messageId;
  const createdAt = over.createdAt ?? Date.now();
  const raw = Buffer.isBuffer(rawSpec) ? rawSpec : Buffer.from(rawSpec ?? `Message-ID: <${messageId}>\r\nSubject: test\r\n\r\nHello.\r\n`);
  return {
    messageIdAdded: false,
    mailFrom: 'app@example.com',
    username: 'app',
    clientIp: '127.0.0.1',
    clientHostname: null,
    tls: null,
    sha256: createHash('sha256').update(raw).digest('hex'),
    tag: null,
    envId: null,
    ret: null,
    origin: 'submission',
    receivedDetail: {},
    ...over,
    queueId,
    messageId,
    createdAt,
    raw,
    recipients: recipients.map((r) => {
      const address = typeof r === 'string' ? r : r.address;
      return {
        address,
        domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase(),
        notify: null,
        orcpt: null,
        state: 'queued',
        nextAttemptAt: createdAt,
        ...(typeof r === 'string' ? {} : r),
      };
    }),
  };
}
