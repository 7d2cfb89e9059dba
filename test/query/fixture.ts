/**
 * A realistic history written through the store API (intake, claims, attempts, an inbound bounce,
 * expiry), the way the queue and the bounce processor write it. Shared by the query, API and CLI tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { NewMessage, RecipientUpdate } from '../../src/store/store.js';
import type { NewEvent } from '../../src/types.js';
import { newMessage as buildMessage, type MessageSpec } from '../helpers/new-message.js';
import { lateBounce } from '../../src/queue/transitions.js';
import { EXPIRY } from '../../src/queue/transitions.js';

export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0); // 2024-05-01 10:00:00 UTC
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const MESSAGE_ID = 'order-4711@shop.example.com';

export function tempStore(): { store: SqliteStore; dir: string; dbPath: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailtrail-query-'));
  const dbPath = path.join(dir, 'mailtrail.db');
  const store = openSqliteStore({ path: dbPath, synchronous: 'NORMAL', busyTimeoutMs: 2000 });
  return {
    store,
    dir,
    dbPath,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const SUBJECT = 'Your order 4711 has shipped';

/** A message from the shop app of this history: its sender, user, TLS, tag and subject unless `over` says otherwise. */
export function newMessage(over: MessageSpec & { subject?: string }): NewMessage {
  const { subject = SUBJECT, ...rest } = over;
  over = rest;
  const messageId = over.messageId === undefined ? MESSAGE_ID : over.messageId;
  const raw = Buffer.from(`From: app@shop.example.com\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\n\r\nHello\r\n`);
  return buildMessage({
    mailFrom: 'app@shop.example.com',
    username: 'shop-app',
    clientHostname: 'localhost',
    tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
    tag: 'transactional',
    createdAt: T0,
    raw,
    // As intake records it: the decoded Subject is what search by subject words finds.
    receivedDetail: { user: 'shop-app', client_ip: '127.0.0.1', size: raw.length, subject },
    ...over,
    messageId,
  });
}

const phase = (
  messageId: number,
  attempt: number,
  at: number,
  p: NewEvent['phase'],
  code: number | null,
  enhanced: string | null,
  text: string | null,
  host: string,
  ip: string,
  extra: Partial<NewEvent> = {},
): NewEvent => ({
  at,
  messageRowId: messageId,
  kind: 'phase',
  attempt,
  phase: p,
  code,
  enhanced,
  text,
  remoteHost: host,
  remoteIp: ip,
  durationMs: 12,
  ...extra,
});

export interface Seeded {
  queueId: string;
  olderQueueId: string;
  ids: Record<'alice' | 'bob' | 'carol' | 'erin' | 'dave', number>;
}

/**
 * Message 1 (T0, tag transactional): alice and bob@example.com delivered by mx.example.com in one attempt,
 * bob bounced 2 h later (mailbox full, reported by mx.example.net); carol@example.org rejected 550 5.1.1;
 * erin@greylist.test deferred 3 times (451 4.7.1); dave@blocked.test suppressed at intake.
 * Message 2 (T0 − 6 days, same Message-ID): frank@gone.test expired after 5 days.
 */
export async function seedHistory(store: SqliteStore): Promise<Seeded> {
  await store.suppressions.add({ address: 'dave@blocked.test', reason: 'complained on 2024-04-01', source: 'complaint', createdAt: T0 - 30 * DAY });

  const older = await store.messages.enqueue(
    newMessage({ queueId: 'QOLDER0001', createdAt: T0 - 6 * DAY, tag: 'newsletter', recipients: ['frank@gone.test'] }),
  );
  const frank = older.recipients[0];
  let at = T0 - 6 * DAY + MIN;
  for (let attempt = 1; attempt <= 2; attempt++, at += DAY) {
    await store.queue.claimDue({ now: at, limit: 10, owner: 'w1', leaseUntil: at + 10 * MIN });
    await store.queue.recordAttempt({
      owner: 'w1',
      at,
      events: [
        {
          at,
          messageRowId: older.message.id,
          kind: 'phase',
          attempt,
          phase: 'connect',
          code: null,
          enhanced: null,
          text: 'connect ECONNREFUSED 127.0.9.9:25',
          remoteHost: 'mx.gone.test',
          remoteIp: '127.0.9.9',
          detail: { error: 'ECONNREFUSED' },
        },
        {
          at,
          messageRowId: older.message.id,
          recipientId: frank.id,
          kind: 'deferred',
          attempt,
          phase: 'connect',
          enhanced: '4.4.1',
          text: 'connection refused',
          remoteHost: 'mx.gone.test',
          detail: { category: 'connection-failure', hard: false, explanation: 'The receiving server refused the connection; mailtrail will try again.' },
        },
      ],
      recipients: [
        {
          id: frank.id,
          state: 'deferred',
          nextAttemptAt: at + DAY,
          lastCode: null,
          lastEnhanced: '4.4.1',
          lastText: 'connection refused',
          category: 'connection-failure',
          hard: false,
        },
      ],
    });
  }
  await store.queue.expire({ now: T0 - DAY, createdBefore: T0 - 5 * DAY, limit: 100, event: EXPIRY });

  const dave = { address: 'dave@blocked.test', domain: 'blocked.test', notify: null, orcpt: null, state: 'suppressed' as const, nextAttemptAt: null };
  const m = await store.messages.enqueue(
    newMessage({ queueId: 'QNEWER0001', recipients: ['alice@example.com', 'bob@example.com', 'carol@example.org', 'erin@greylist.test', dave] }),
  );
  const [alice, bob, carol, erin, daveRow] = m.recipients;
  const mid = m.message.id;

  // Attempt 1 at example.com: both accepted.
  const t1 = T0 + 2 * MIN;
  await store.queue.claimDue({ now: t1, limit: 10, owner: 'w1', leaseUntil: t1 + 10 * MIN });
  const mx = 'mx.example.com';
  const ip = '127.0.1.5';
  const accepted = (id: number): RecipientUpdate => ({
    id,
    state: 'delivered',
    nextAttemptAt: null,
    lastCode: 250,
    lastEnhanced: '2.0.0',
    lastText: 'Ok: queued as 4Vx',
    category: 'accepted',
    hard: null,
  });
  await store.queue.recordAttempt({
    owner: 'w1',
    at: t1,
    events: [
      phase(mid, 1, t1, 'dns', null, null, 'MX 10 mx.example.com', mx, ip, { detail: { mx: ['mx.example.com'] } }),
      phase(mid, 1, t1, 'connect', 220, null, 'mx.example.com ESMTP', mx, ip),
      phase(mid, 1, t1, 'ehlo', 250, null, 'mx.example.com\nPIPELINING\nSTARTTLS', mx, ip),
      phase(mid, 1, t1, 'starttls', 220, '2.0.0', 'Ready to start TLS', mx, ip, { detail: { protocol: 'TLSv1.3' } }),
      phase(mid, 1, t1, 'mail', 250, '2.1.0', 'Ok', mx, ip),
      phase(mid, 1, t1, 'rcpt', 250, '2.1.5', 'Ok', mx, ip, { recipientId: alice.id }),
      phase(mid, 1, t1, 'rcpt', 250, '2.1.5', 'Ok', mx, ip, { recipientId: bob.id }),
      phase(mid, 1, t1, 'data', 250, '2.0.0', 'Ok: queued as 4Vx', mx, ip, { durationMs: 45 }),
      ...[alice, bob].map(
        (r): NewEvent => ({
          at: t1,
          messageRowId: mid,
          recipientId: r.id,
          kind: 'delivered',
          attempt: 1,
          phase: 'data',
          code: 250,
          enhanced: '2.0.0',
          text: 'Ok: queued as 4Vx',
          remoteHost: mx,
          remoteIp: ip,
          detail: { category: 'accepted', explanation: 'The receiving server accepted the message.' },
        }),
      ),
    ],
    recipients: [accepted(alice.id), accepted(bob.id)],
  });

  // Attempt 1 at example.org: 550 5.1.1.
  await store.queue.recordAttempt({
    owner: 'w1',
    at: t1,
    events: [
      phase(mid, 1, t1, 'connect', 220, null, 'mx.example.org ESMTP', 'mx.example.org', '127.0.1.6'),
      phase(mid, 1, t1, 'rcpt', 550, '5.1.1', 'User unknown', 'mx.example.org', '127.0.1.6', { recipientId: carol.id }),
      {
        at: t1,
        messageRowId: mid,
        recipientId: carol.id,
        kind: 'bounced',
        attempt: 1,
        phase: 'rcpt',
        code: 550,
        enhanced: '5.1.1',
        text: 'User unknown',
        remoteHost: 'mx.example.org',
        remoteIp: '127.0.1.6',
        detail: { category: 'mailbox-unknown', hard: true, explanation: 'The address does not exist at the receiving domain.' },
      },
    ],
    recipients: [
      {
        id: carol.id,
        state: 'bounced',
        nextAttemptAt: null,
        lastCode: 550,
        lastEnhanced: '5.1.1',
        lastText: 'User unknown',
        category: 'mailbox-unknown',
        hard: true,
      },
    ],
  });

  // erin: greylisted three times.
  let te = t1;
  for (let attempt = 1; attempt <= 3; attempt++) {
    await store.queue.recordAttempt({
      owner: 'w1',
      at: te,
      events: [
        phase(mid, attempt, te, 'rcpt', 451, '4.7.1', 'Greylisted, try again later', 'mx.greylist.test', '127.0.1.7', { recipientId: erin.id }),
        {
          at: te,
          messageRowId: mid,
          recipientId: erin.id,
          kind: 'deferred',
          attempt,
          phase: 'rcpt',
          code: 451,
          enhanced: '4.7.1',
          text: 'Greylisted, try again later',
          remoteHost: 'mx.greylist.test',
          remoteIp: '127.0.1.7',
          detail: {
            category: 'greylisted',
            hard: false,
            explanation: 'The receiving server asked mailtrail to retry later (greylisting); this is normal for a first contact.',
          },
        },
      ],
      recipients: [
        {
          id: erin.id,
          state: 'deferred',
          nextAttemptAt: T0 + 90 * MIN,
          lastCode: 451,
          lastEnhanced: '4.7.1',
          lastText: 'Greylisted, try again later',
          category: 'greylisted',
          hard: false,
        },
      ],
    });
    te += 10 * MIN;
    if (attempt < 3) await store.queue.claimDue({ now: T0 + 2 * HOUR, limit: 10, owner: 'w1', leaseUntil: T0 + 3 * HOUR });
  }

  // Two hours after delivery, bob's mailbox-full bounce comes back.
  const tb = t1 + 2 * HOUR;
  const inbound = await store.inbound.receive({
    receivedAt: tb,
    mailFrom: '',
    rcptTo: ['bounce@bounces.shop.example.com'],
    clientIp: '127.0.0.1',
    raw: Buffer.from('DSN'),
  });
  await store.inbound.record({
    id: inbound.id,
    processedAt: tb,
    kind: 'bounce',
    parse: { kind: 'bounce' },
    match: { messageRowId: mid, recipientId: bob.id, rule: 'verp' },
    effects: [
      {
        event: {
          at: tb,
          messageRowId: mid,
          recipientId: bob.id,
          kind: 'bounced',
          phase: 'inbound',
          code: 552,
          enhanced: '5.2.2',
          text: 'Mailbox full',
          remoteHost: 'mx.example.net',
          detail: {
            category: 'mailbox-full',
            hard: false,
            explanation: "The recipient's mailbox is full; the address itself is fine.",
            reporting_mta: 'mx.example.net',
            inbound_id: inbound.id,
          },
        },
        transition: lateBounce({ code: 552, enhanced: '5.2.2', text: 'Mailbox full', category: 'mailbox-full', hard: false }),
      },
    ],
  });

  return {
    queueId: m.message.queueId,
    olderQueueId: older.message.queueId,
    ids: { alice: alice.id, bob: bob.id, carol: carol.id, erin: erin.id, dave: daveRow.id },
  };
}
