/**
 * Intake (Postfix's cleanup): turns an accepted envelope and its raw bytes into a queued message.
 * It gives the queue id, normalises line endings, reads the Message-ID (adding one when missing),
 * takes the X-Mailtrail-Tag header out into the `tag` column, prepends the Received trace field,
 * hashes the result and commits message, content, recipients and `received` event in one
 * transaction. Only after that commit does the caller say 250.
 */
import { createHash, randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Logger } from '../log/logger.js';
import type { Store, NewRecipient } from '../store/store.js';
import type { NotifyKeyword, TlsInfo } from '../types.js';
import type { MessageSigner, SignResult } from '../dkim/signer.js';
import { suppressionKey } from '../suppression/list.js';
import { addressDomain, fieldValue, isField, joinMessage, splitMessage } from '../message/headers.js';
import { bareMessageId } from './message-id.js';
import { receivedField } from './received.js';
import { toCrlf } from '../message/line-endings.js';
import { newQueueId } from './queue-id.js';
import { readableSubject } from './subject.js';

export const TAG_HEADER = 'X-Mailtrail-Tag';
export const TAG = /^[A-Za-z0-9._-]{1,64}$/;

export interface IntakeRecipient {
  address: string;
  notify: NotifyKeyword[] | null;
  orcpt: string | null;
}

export interface IntakeEnvelope {
  /** '' for the null sender. */
  mailFrom: string;
  recipients: IntakeRecipient[];
  envId: string | null;
  ret: 'FULL' | 'HDRS' | null;
  username: string | null;
  clientIp: string | null;
  /** Reverse DNS name of the client, null when it has none. */
  clientHostname: string | null;
  helo: string | null;
  /** RFC 3848 protocol for the Received field (ESMTPSA…); '' for mail mailtrail wrote itself. */
  protocol: string;
  tls: TlsInfo | null;
  origin?: 'submission' | 'dsn';
  /** The submitting user's sender domains (`*` = any): a From domain outside them never signs. Null: mailtrail's own mail. */
  senderDomains?: string[] | null;
  /** The tag of mailtrail's own mail (a DSN carries its original's); submitted mail takes it from X-Mailtrail-Tag. */
  tag?: string | null;
  /** More facts for the `received` event (a DSN: its type and the original it reports on). */
  detail?: Record<string, unknown>;
}

/**
 * The envelope of mail mailtrail writes itself (DSNs, TLS reports): the null sender, so nothing is ever
 * reported back about it (RFC 3461 §6.2, RFC 5321 §4.5.5), NOTIFY=NEVER on its one recipient for the same
 * reason, origin `dsn`, signed like any mail whose From domain has a key.
 */
export function ownMailEnvelope(to: string, opts: { tag: string | null; detail: Record<string, unknown> }): IntakeEnvelope {
  return {
    mailFrom: '',
    recipients: [{ address: to, notify: ['NEVER'], orcpt: null }],
    envId: null,
    ret: null,
    username: null,
    clientIp: null,
    clientHostname: null,
    helo: null,
    protocol: '',
    tls: null,
    origin: 'dsn',
    senderDomains: null,
    tag: opts.tag,
    detail: opts.detail,
  };
}

export interface Accepted {
  queueId: string;
  messageId: string | null;
  messageIdAdded: boolean;
  tag: string | null;
  size: number;
  sha256: string;
  recipients: number;
  suppressed: number;
  /** Bare CR or LF rewritten to CRLF. */
  bareLineEndings: number;
}

/**
 * The message is not accepted (not a storage problem): the client gets this reply. 5xx for the message
 * itself (`content`); 4xx when mailtrail cannot process it now (`signing`: DKIM signing failed).
 */
export class IntakeRejection extends Error {
  constructor(
    readonly code: number,
    readonly enhanced: string,
    message: string,
    readonly reason: 'content' | 'signing' = 'content',
  ) {
    super(message);
    this.name = 'IntakeRejection';
  }
}

export interface IntakeDeps {
  store: Pick<Store, 'messages'>;
  /** Our host name: Received `by`, and the right side of Message-IDs we add. */
  hostname: string;
  logger: Logger;
  now?: () => number;
  /**
   * Check the recipients against the store's suppression list. The store checks them in the enqueue's own
   * transaction (NewRecipient.suppressionKey): no read of its own before the write, which on PostgreSQL
   * would be a round trip per group of messages. False or absent: nothing is suppressed.
   */
  checkSuppressions?: boolean;
  /** DKIM signer (src/dkim). None given: nothing is signed. */
  signer?: MessageSigner;
}

export interface Intake {
  accept(envelope: IntakeEnvelope, raw: Buffer): Promise<Accepted>;
}

export function createIntake(deps: IntakeDeps): Intake {
  const now = deps.now ?? Date.now;
  return {
    async accept(envelope, input) {
      if (envelope.recipients.length === 0) throw new IntakeRejection(554, '5.5.1', 'no valid recipients');
      const at = now();
      const queueId = newQueueId(at);
      const { data, bare } = toCrlf(input);
      const { fields: all, rest } = splitMessage(data);

      const tags = all.filter((f) => isField(f, TAG_HEADER));
      if (tags.length > 1) throw new IntakeRejection(554, '5.6.0', `give at most one ${TAG_HEADER} header (found ${tags.length})`);
      const tag = tags.length ? fieldValue(tags[0]) : (envelope.tag ?? null);
      if (tag !== null && !TAG.test(tag)) {
        throw new IntakeRejection(554, '5.6.0', `${TAG_HEADER} must be 1 to 64 characters of A-Z a-z 0-9 . _ - (got ${JSON.stringify(tag.slice(0, 80))})`);
      }
      let fields = all.filter((f) => !isField(f, TAG_HEADER));

      const idField = fields.find((f) => isField(f, 'Message-ID'));
      let messageId = idField ? bareMessageId(fieldValue(idField)) : null;
      let messageIdAdded = false;
      if (!messageId) {
        // An empty or unreadable Message-ID field is replaced rather than kept beside ours.
        fields = fields.filter((f) => !isField(f, 'Message-ID'));
        messageId = `${stamp(at)}.${queueId}.${randomBytes(3).toString('hex')}@${deps.hostname}`;
        fields.push({ name: 'Message-ID', raw: `Message-ID: <${messageId}>\r\n` });
        messageIdAdded = true;
      }

      const recipients = envelope.recipients.map((r) => ({ ...r, ...splitAddress(r.address) }));
      const received = receivedField({
        helo: envelope.helo,
        rdns: envelope.clientHostname,
        ip: envelope.clientIp,
        by: deps.hostname,
        protocol: envelope.protocol,
        tls: envelope.tls,
        queueId,
        recipient: recipients.length === 1 ? recipients[0].address : null,
        at,
      });
      let raw = joinMessage([received], fields, rest);
      // Signed once, here, before the commit: every retry sends these same bytes, and a failure is a 4xx
      // the app retries, never an unsigned message.
      let dkim: SignResult | null = null;
      if (deps.signer) {
        const froms = fields.filter((f) => isField(f, 'From'));
        const fromDomain = froms.length === 1 ? addressDomain(fieldValue(froms[0])) : null;
        try {
          dkim = await deps.signer.sign(raw, { fromDomain, allowedDomains: envelope.senderDomains ?? null });
        } catch (err) {
          deps.logger.error(
            { event: 'dkim.sign_failed', err: (err as Error).message, sender: envelope.mailFrom, user: envelope.username, domain: fromDomain },
            'DKIM signing failed',
          );
          throw new IntakeRejection(451, '4.3.5', `Message not queued: ${(err as Error).message}; nothing was kept, try again later`, 'signing');
        }
        if (dkim.fields) raw = Buffer.concat([dkim.fields, raw]);
      }
      const signatures = dkim?.signatures.map((s) => ({ d: s.domain, s: s.selector, a: s.algorithm })) ?? null;
      const sha256 = createHash('sha256').update(raw).digest('hex');

      const newRecipients: NewRecipient[] = recipients.map((r) => ({
        address: r.address,
        domain: r.domain,
        notify: r.notify,
        orcpt: r.orcpt,
        state: 'queued',
        nextAttemptAt: at,
        ...(deps.checkSuppressions ? { suppressionKey: suppressionKey(r.address) } : {}),
      }));
      // Recorded for search and display (the store indexes it for "subject words"); the content itself is
      // purged after retention.content_days, the received event is not.
      const subjectField = fields.find((f) => isField(f, 'Subject'));
      const detail = {
        subject: subjectField ? readableSubject(fieldValue(subjectField)) : null,
        user: envelope.username,
        client_ip: envelope.clientIp,
        client_hostname: envelope.clientHostname,
        helo: envelope.helo,
        protocol: envelope.protocol,
        tls: envelope.tls,
        size: raw.length,
        recipients: newRecipients.length,
        // How many are suppressed is known after the commit: the store sets it when there are some.
        suppressed: 0,
        message_id_added: messageIdAdded,
        bare_line_endings: bare,
        env_id: envelope.envId,
        ret: envelope.ret,
        dkim: signatures,
        dkim_note: dkim?.note ?? null,
        ...(envelope.origin === 'dsn' ? { origin: 'dsn' } : {}),
        ...envelope.detail,
      };

      const written = await deps.store.messages.enqueue({
        queueId,
        messageId,
        messageIdAdded,
        mailFrom: envelope.mailFrom,
        username: envelope.username,
        clientIp: envelope.clientIp,
        clientHostname: envelope.clientHostname,
        tls: envelope.tls,
        raw,
        sha256,
        tag,
        envId: envelope.envId,
        ret: envelope.ret,
        origin: envelope.origin ?? 'submission',
        createdAt: at,
        recipients: newRecipients,
        receivedDetail: detail,
      });
      const suppressed = written.recipients.filter((r) => r.state === 'suppressed').length;

      deps.logger.info(
        {
          event: 'message.received',
          queue_id: queueId,
          message_id: messageId,
          message_id_added: messageIdAdded,
          sender: envelope.mailFrom,
          recipients: newRecipients.length,
          suppressed,
          size: raw.length,
          user: envelope.username,
          client_ip: envelope.clientIp,
          tls: envelope.tls,
          tag,
          origin: envelope.origin ?? 'submission',
          dkim: signatures,
        },
        'message received',
      );
      return { queueId, messageId, messageIdAdded, tag, size: raw.length, sha256, recipients: newRecipients.length, suppressed, bareLineEndings: bare };
    },
  };
}

/** Splits an address into the stored form (ASCII domain, local part as given) and its routing domain. */
export function splitAddress(address: string): { address: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at < 0) return { address, domain: '' };
  const local = address.slice(0, at);
  const given = address.slice(at + 1);
  // IP literals ([192.0.2.1]) are kept; names go to their A-label form, the one DNS knows.
  const domain = given.startsWith('[') ? given.toLowerCase() : domainToASCII(given).toLowerCase() || given.toLowerCase();
  return { address: `${local}@${domain}`, domain };
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
