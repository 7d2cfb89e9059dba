/**
 * A month of a relay's history written through the store's own API (enqueue, claimDue, recordAttempt),
 * the way intake and the scheduler write it, for the query benchmark.
 *
 * Every message is a pure function of its index and the seed (`messageSpec`), so the benchmark can pick
 * random messages afterwards and know their Message-ID and recipients without keeping 1 M of them in memory.
 *
 * Shape of the data:
 * - created_at spread evenly over `spanMs` ending at `endAt`; one sender app (of 40) and one tag per message;
 * - 3 recipients per message: 70 % drawn from a skewed pool of recurring addresses (a few get thousands of
 *   messages, most a handful, so a search by recipient returns several), 30 % one-off addresses;
 *   about 55 % at large mailbox providers, the rest over 50,000 other domains;
 * - one attempt carrying the three recipients (phases `mail`, `rcpt` ×3, `data`, then one outcome per
 *   recipient): 88 % delivered, 5 % greylisted (451) then delivered 5 minutes later, 4 % bounced 550 5.1.1,
 *   3 % still deferred (only in the last day; older ones are delivered on the retry).
 *   That is 9 events per message (with `received`), 13 when one recipient is retried: 9.9 on average.
 *
 * Speed: a SQLite caller opens the store with synchronous=NORMAL and passes `batchTransaction`, so that
 * batches of messages share one outer transaction (the store's own transactions nest as savepoints); every
 * batch shares one claim per attempt round, because a commit and a claim per message would make the setup,
 * not the measure, take most of the run.
 */
import { createHash } from 'node:crypto';
import type { NewMessage, RecipientUpdate, Store } from '../../src/store/store.js';
import type { NewEvent } from '../../src/types.js';
import { prng } from '../../test/helpers/prng.js';

export interface FillOptions {
  messages: number;
  /** Same seed, same data. */
  seed?: number;
  /** created_at of the newest message (ms). Default: now. */
  endAt?: number;
  /** Time covered by the messages. Default 30 days. */
  spanMs?: number;
  /** Approximate raw size of each message. Default 2,048 bytes (a short transactional mail). */
  contentBytes?: number;
  /** Messages per outer transaction. Default 1,000. */
  batch?: number;
  progress?(line: string): void;
  /**
   * Brackets each batch in one outer transaction (SQLite: BEGIN/COMMIT on the store's handle, under which
   * the store's own transactions are savepoints). Without it, every write commits on its own.
   */
  batchTransaction?: { begin(): void; commit(): void; rollback(): void };
}

export interface FillResult {
  messages: number;
  recipients: number;
  events: number;
  ms: number;
}

type Outcome = 'delivered' | 'greylisted' | 'bounced' | 'waiting';

export interface MessageSpec {
  index: number;
  queueId: string;
  /** Header Message-ID without <>: unique. */
  messageId: string;
  createdAt: number;
  mailFrom: string;
  username: string;
  tag: string;
  recipients: { address: string; domain: string; outcome: Outcome; mx: string }[];
}

const DAY = 86_400_000;
const MIN = 60_000;

/** Large providers and their share of recipients; the remaining share goes to `OTHER_DOMAINS` domains. */
const PROVIDERS: [string, number][] = [
  ['gmail.com', 0.28],
  ['outlook.com', 0.06],
  ['hotmail.com', 0.05],
  ['yahoo.com', 0.05],
  ['icloud.com', 0.03],
  ['gmx.de', 0.02],
  ['web.de', 0.02],
  ['orange.fr', 0.01],
  ['aol.com', 0.01],
  ['live.com', 0.01],
  ['t-online.de', 0.01],
];
const OTHER_DOMAINS = 50_000;
const APPS = 40;
const TAGS = ['transactional', 'password-reset', 'receipt', 'shipping', 'newsletter', 'alert'];
const FIRST = ['anna', 'ben', 'chloe', 'david', 'emma', 'felix', 'grace', 'hugo', 'ines', 'jonas', 'kim', 'lea', 'marc', 'nora', 'omar', 'paul'];
const LAST = ['smith', 'martin', 'muller', 'garcia', 'rossi', 'dubois', 'silva', 'kowalski', 'jensen', 'novak', 'schmidt', 'moreau'];
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const mix = (a: number, b: number) => (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;

function base32(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = CROCKFORD[n % 32] + s;
    n = Math.floor(n / 32);
  }
  return s;
}

/** The domain of recurring address number `a` (or of a one-off address), from its own hash. */
function domainOf(h: number): string {
  let u = (h % 1_000_000) / 1_000_000;
  for (const [d, share] of PROVIDERS) {
    if (u < share) return d;
    u -= share;
  }
  return `co${(h >>> 3) % OTHER_DOMAINS}.example.com`;
}

function localPart(h: number): string {
  return `${FIRST[h % FIRST.length]}.${LAST[(h >>> 4) % LAST.length]}${(h >>> 8) % 10_000}`;
}

/** The message at `index`, as `fillStore` wrote it: call it again later to know what to look up. */
export function messageSpec(index: number, opts: Pick<FillOptions, 'messages' | 'seed' | 'endAt' | 'spanMs'>): MessageSpec {
  const seed = opts.seed ?? 1;
  const span = opts.spanMs ?? 30 * DAY;
  const endAt = opts.endAt ?? Date.now();
  const rnd = prng(mix(seed, index));
  const step = span / Math.max(1, opts.messages);
  // Increasing with the index (jitter smaller than the step), as arrival order is.
  const createdAt = Math.floor(endAt - span + index * step + rnd() * step * 0.9);
  const app = Math.floor(rnd() * APPS);
  const pool = Math.max(100, Math.round(opts.messages * 0.8));
  const recipients: MessageSpec['recipients'] = [];
  const seen = new Set<string>();
  while (recipients.length < 3) {
    let h: number;
    if (rnd() < 0.7) {
      // Skewed: address a is drawn with density ~ 1/sqrt(a), so low numbers recur often.
      const a = Math.floor(pool * rnd() ** 2);
      h = mix(seed ^ 0x5bd1e995, a);
    } else {
      h = mix(seed ^ 0x27d4eb2f, index * 4 + recipients.length);
    }
    const domain = domainOf(h);
    const address = `${localPart(h)}@${domain}`;
    if (seen.has(address)) continue;
    seen.add(address);
    const u = rnd();
    const recent = createdAt > endAt - DAY;
    const outcome: Outcome = u < 0.88 ? 'delivered' : u < 0.93 ? 'greylisted' : u < 0.97 ? 'bounced' : recent ? 'waiting' : 'greylisted';
    recipients.push({ address, domain, outcome, mx: `mx${(h >>> 5) % 4}.${domain}` });
  }
  return {
    index,
    queueId: base32(Math.floor(createdAt), 10) + base32(index, 6),
    messageId: `${createdAt.toString(36)}.${index.toString(36)}.${Math.floor(rnd() * 2 ** 32).toString(16)}@app${app}.shop.example.net`,
    createdAt,
    mailFrom: `noreply@app${app}.shop.example.net`,
    username: `app${app}`,
    tag: TAGS[Math.floor(rnd() * TAGS.length)],
    recipients,
  };
}

/** The Subject: a word every message has ("Your"), its tag's words, and a number of its own. */
export function subjectOf(spec: Pick<MessageSpec, 'tag' | 'index'>): string {
  return `Your ${spec.tag} #${spec.index}`;
}

function rawMessage(spec: MessageSpec, bytes: number): Buffer {
  const head =
    `Received: from ${spec.username}.internal ([10.0.0.1])\r\n\tby relay.example.net (mailtrail) with ESMTPSA id ${spec.queueId}\r\n\tfor <${spec.recipients[0].address}>; ${new Date(spec.createdAt).toUTCString()}\r\n` +
    `From: Shop <${spec.mailFrom}>\r\nTo: ${spec.recipients.map((r) => `<${r.address}>`).join(', ')}\r\nSubject: ${subjectOf(spec)}\r\n` +
    `Date: ${new Date(spec.createdAt).toUTCString()}\r\nMessage-ID: <${spec.messageId}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = 'Thank you for your order. This line stands for the body of a transactional mail.\r\n';
  const body = line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length)));
  return Buffer.from(head + body);
}

function newMessage(spec: MessageSpec, contentBytes: number): NewMessage {
  const raw = rawMessage(spec, contentBytes);
  return {
    queueId: spec.queueId,
    messageId: spec.messageId,
    messageIdAdded: false,
    mailFrom: spec.mailFrom,
    username: spec.username,
    clientIp: '10.0.0.' + ((spec.index % 200) + 10),
    clientHostname: `${spec.username}.internal`,
    tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
    raw,
    sha256: createHash('sha256').update(raw).digest('hex'),
    tag: spec.tag,
    envId: null,
    ret: null,
    origin: 'submission',
    createdAt: spec.createdAt,
    recipients: spec.recipients.map((r) => ({
      address: r.address,
      domain: r.domain,
      notify: null,
      orcpt: null,
      state: 'queued',
      nextAttemptAt: spec.createdAt,
    })),
    receivedDetail: {
      subject: subjectOf(spec),
      user: spec.username,
      client_ip: '10.0.0.1',
      protocol: 'ESMTPSA',
      size: raw.length,
      recipients: 3,
      suppressed: 0,
      message_id_added: false,
    },
  };
}

const REPLY = {
  delivered: { code: 250, enhanced: '2.1.5', text: 'Ok' },
  greylisted: { code: 451, enhanced: '4.7.1', text: 'Greylisted, please try again later' },
  bounced: { code: 550, enhanced: '5.1.1', text: 'The email account that you tried to reach does not exist' },
} as const;

/** Writes `opts.messages` messages with their recipients and attempts. A SQLite store should use synchronous=NORMAL. */
export async function fillStore(store: Store, opts: FillOptions): Promise<FillResult> {
  const endAt = opts.endAt ?? Date.now();
  const specOpts = { ...opts, endAt };
  const contentBytes = opts.contentBytes ?? 2048;
  const batch = opts.batch ?? 1000;
  const owner = 'bench-fill';
  const started = performance.now();
  let recipients = 0;
  let events = 0;
  let lastReport = started;

  type Row = { id: number; outcome: Outcome; mx: string };

  // Claims exactly these recipients, as the scheduler does before an attempt (one statement per batch).
  const claim = async (at: number, rows: Row[]) => {
    if (rows.length === 0) return;
    const claimed = await store.queue.claimDue({ now: at, limit: rows.length + 1, owner, leaseUntil: at + 10 * MIN });
    const want = new Set(rows.map((r) => r.id));
    if (claimed.length !== rows.length || claimed.some((c) => !want.has(c.id))) {
      throw new Error(`fill: expected to claim ${rows.length} recipients at ${at}, claimed ${claimed.length} others`);
    }
  };

  // One attempt for the recipients given (already claimed); returns how many events it wrote.
  const attempt = async (messageRowId: number, at: number, n: number, rows: Row[], final: boolean): Promise<number> => {
    const mx = rows[0].mx;
    const ip = `192.0.2.${(messageRowId % 250) + 1}`;
    const phase = (p: NewEvent['phase'], code: number, enhanced: string | null, text: string, recipientId: number | null = null, durationMs = 3): NewEvent => ({
      at,
      messageRowId: messageRowId,
      recipientId,
      kind: 'phase',
      attempt: n,
      phase: p,
      code,
      enhanced,
      text,
      remoteHost: mx,
      remoteIp: ip,
      durationMs,
      detail: recipientId == null ? { recipient_ids: rows.map((r) => r.id) } : null,
    });
    const evs: NewEvent[] = [phase('mail', 250, '2.1.0', 'Ok')];
    const updates: RecipientUpdate[] = [];
    for (const r of rows) {
      // On the retry every greylisted recipient is accepted; a waiting one stays deferred.
      const kind = r.outcome === 'greylisted' ? (final ? 'delivered' : 'greylisted') : r.outcome === 'waiting' ? 'greylisted' : r.outcome;
      evs.push(phase('rcpt', REPLY[kind].code, REPLY[kind].enhanced, REPLY[kind].text, r.id));
    }
    const accepted = rows.filter((r) => (r.outcome === 'greylisted' && final) || r.outcome === 'delivered');
    if (accepted.length) evs.push(phase('data', 250, '2.0.0', `Ok: queued as ${(messageRowId * 7919).toString(36).toUpperCase()}`, null, 40));
    for (const r of rows) {
      const state = accepted.includes(r) ? 'delivered' : r.outcome === 'bounced' ? 'bounced' : 'deferred';
      const reply = state === 'delivered' ? { code: 250, enhanced: '2.0.0', text: 'Ok: queued' } : state === 'bounced' ? REPLY.bounced : REPLY.greylisted;
      const category = state === 'delivered' ? 'accepted' : state === 'bounced' ? 'mailbox-unknown' : 'greylisted';
      const next = state === 'deferred' ? (r.outcome === 'waiting' ? endAt + 30 * MIN : at + 5 * MIN) : null;
      updates.push({
        id: r.id,
        state,
        nextAttemptAt: next,
        lastCode: reply.code,
        lastEnhanced: reply.enhanced,
        lastText: reply.text,
        category,
        hard: state === 'bounced' ? true : state === 'deferred' ? false : null,
      });
      evs.push({
        at,
        messageRowId: messageRowId,
        recipientId: r.id,
        kind: state,
        attempt: n,
        phase: state === 'delivered' ? 'data' : 'rcpt',
        code: reply.code,
        enhanced: reply.enhanced,
        text: reply.text,
        remoteHost: mx,
        remoteIp: ip,
        durationMs: 60,
        detail: { category, hard: state === 'bounced', rule: category, next_attempt_at: next },
      });
    }
    await store.queue.recordAttempt({ owner, at, events: evs, recipients: updates });
    return evs.length;
  };

  for (let start = 0; start < opts.messages; start += batch) {
    opts.batchTransaction?.begin();
    try {
      const written: { id: number; at: number; rows: Row[] }[] = [];
      for (let i = start; i < Math.min(opts.messages, start + batch); i++) {
        const spec = messageSpec(i, specOpts);
        const { message, recipients: rows } = await store.messages.enqueue(newMessage(spec, contentBytes));
        written.push({
          id: message.id,
          at: spec.createdAt + 1_500,
          rows: rows.map((r, k) => ({ id: r.id, outcome: spec.recipients[k].outcome, mx: spec.recipients[k].mx })),
        });
        recipients += rows.length;
        events += 1;
      }
      // First attempts: everything just enqueued is due; then the greylisted ones, 5 minutes later.
      await claim(
        written[written.length - 1].at,
        written.flatMap((w) => w.rows),
      );
      for (const w of written) events += await attempt(w.id, w.at, 1, w.rows, false);
      const retries = written
        .map((w) => ({ ...w, at: w.at + 5 * MIN, rows: w.rows.filter((r) => r.outcome === 'greylisted') }))
        .filter((w) => w.rows.length > 0);
      if (retries.length) {
        await claim(
          retries[retries.length - 1].at,
          retries.flatMap((w) => w.rows),
        );
        for (const w of retries) events += await attempt(w.id, w.at, 2, w.rows, true);
      }
      opts.batchTransaction?.commit();
    } catch (err) {
      opts.batchTransaction?.rollback();
      throw err;
    }
    const now = performance.now();
    if (opts.progress && now - lastReport > 10_000) {
      lastReport = now;
      const done = Math.min(opts.messages, start + batch);
      opts.progress(
        `query fill: ${done.toLocaleString('en')} / ${opts.messages.toLocaleString('en')} messages (${Math.round(done / ((now - started) / 1000))}/s)`,
      );
    }
  }
  return { messages: opts.messages, recipients, events, ms: performance.now() - started };
}
