/**
 * Processing one stored inbound mail: parse → correlate → effect, written with the parse result on the
 * inbound row in one store transaction. Runs after the listener has answered 250 (the raw mail is
 * already on disk), and at startup for rows a crash left unprocessed, so nothing inbound is lost.
 *
 * Effects per reported recipient (the DSN Action decides when given, else the report's kind):
 *   failed / bounce           → `bounced` event; the recipient turns bounced (from delivered, deferred or
 *                               queued); a hard bounce suppresses the address (under `suppressOn`)
 *   delayed / delay           → `delayed` event, no state change
 *   delivered, relayed, expanded / delivery-report → `reported` event, no state change
 *   auto-reply                → `auto-replied` event, no state change
 *   complaint                 → `complained` event, and the address is suppressed
 */
import { webcrypto } from 'node:crypto';
import { lateBounce, reportsQueued } from '../queue/transitions.js';
import { wants } from '../dsn/notifier.js';
import { suppressionKey } from '../suppression/list.js';
import { replyLine } from '../classify/reply-line.js';
import type { Logger } from '../log/logger.js';
import type { InboundEffect, InboundRecord, Store } from '../store/store.js';
import type { Notifier } from '../dsn/types.js';
import type { EventKind, MessageRecord } from '../types.js';
import { assignRecipients, correlate, type Correlation } from './correlate.js';
import { failedParse, ParserUnavailable, type ParsedRecipient, type ParseResult } from './types.js';

export interface ParseLimits {
  maxParts: number;
  maxDepth: number;
  /** Recipients read from one report; the rest are counted (`recipients_omitted`). Default: all. */
  maxRecipients?: number;
}

/** The parser's signature (src/bounces/parse): never throws for bad input, reports `error` instead. */
export type ParseFn = (raw: Buffer, limits: ParseLimits) => Promise<ParseResult>;

/** One sentence for a support person, given what the report said (the classifier's explanation). */
export type ExplainFn = (p: ParsedRecipient) => string | null;

export interface ProcessorOptions {
  store: Store;
  logger: Logger;
  parse: ParseFn;
  verpSecret: string | null;
  correlationWindowMs: number;
  /** config.bounces.suppress_on: which hard bounces suppress (default every one). */
  suppressOn?: SuppressOn;
  limits: ParseLimits;
  explain?: ExplainFn;
  now?: () => number;
  /**
   * Recipients a late bounce just turned `bounced`. mailtrail replaced the return path with its own (VERP),
   * so the bounce came here instead of to the sender: the notifier tells the sender as a failure DSN would.
   */
  notifier?: Pick<Notifier, 'finalFailure' | 'delayWarning'> | null;
  /**
   * Whether the message went out with a VERP return path (a bounce domain and a secret for its sender). Its
   * bounces then arrive signed; one matched by an unsigned rule is kept as evidence and acted on not at all.
   */
  sentWithVerp?: (message: MessageRecord) => boolean;
}

export type SuppressOn = 'hard' | 'high-confidence';

/** A hard bounce suppresses under the policy: every one, or only one the parser is highly confident of. */
export function suppresses(p: ParsedRecipient, policy: SuppressOn = 'hard'): boolean {
  return p.hard === true && (policy === 'hard' || p.confidence === 'high');
}

export interface ProcessedInbound {
  id: number;
  kind: string | null;
  matchRule: string | null;
  effects: number;
}

const REASON_MAX = 500;
/** Bytes of queued mail kept in memory so they need not be read back; past it the store is asked again. */
const HELD_MAX = 64 * 1024 * 1024;
/** Lets the SMTP sessions of this thread run between the steps of a large report. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InboundProcessor {
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private held = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ProcessorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Queues a stored row for processing, one at a time. Failures are logged and leave the row unprocessed
   * (processed_at NULL), so the next start retries it.
   */
  enqueue(id: number, raw?: Buffer): void {
    this.pending++;
    const kept = raw && this.held + raw.length <= HELD_MAX ? raw : undefined;
    this.held += kept?.length ?? 0;
    this.chain = this.chain
      .then(() => {
        this.held -= kept?.length ?? 0;
        return this.process(id, kept);
      })
      .catch((err: unknown) => {
        this.opts.logger.error(
          { event: 'bounce.failed', inbound_id: id, err: (err as Error)?.message ?? String(err) },
          'processing an inbound mail failed; it stays stored and is retried at the next start',
        );
      })
      .finally(() => {
        this.pending--;
      });
  }

  /** Resolves when everything queued so far has been processed (or has failed). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }

  /**
   * Processes the rows a crash left between 250 and processing, a batch at a time: the next batch is read
   * once this one is done, so a backlog of any size is worked off without holding up the start. Returns how
   * many the first batch queued.
   */
  async recover(batch = 1000, afterId = 0): Promise<number> {
    const ids = await this.opts.store.inbound.unprocessed(batch, afterId);
    for (const id of ids) this.enqueue(id);
    if (ids.length) this.opts.logger.info({ event: 'bounce.recovery', count: ids.length }, 'processing inbound mail stored before the last stop');
    if (ids.length === batch) {
      this.pending++;
      this.chain = this.chain
        .then(() => this.recover(batch, ids[ids.length - 1]!))
        .catch((err: unknown) =>
          this.opts.logger.error(
            { event: 'bounce.failed', err: (err as Error)?.message ?? String(err) },
            'reading the next inbound mail to recover failed; the next start goes on',
          ),
        )
        .finally(() => {
          this.pending--;
        });
    }
    return ids.length;
  }

  /** @param stored the bytes the listener just stored, when it still has them (spares reading them back). */
  async process(id: number, stored?: Buffer): Promise<ProcessedInbound | null> {
    const { store, logger } = this.opts;
    const row = await store.inbound.get(id);
    if (!row || row.processedAt !== null) return null;
    const raw = stored ?? (await store.inbound.raw(id));
    if (!raw) return null;

    let parsed: ParseResult;
    try {
      parsed = await this.opts.parse(raw, this.opts.limits);
    } catch (err) {
      // Not run at all: left unprocessed (the caller logs it), processed at the next start.
      if (err instanceof ParserUnavailable) throw err;
      // The parser promises not to throw; if it does anyway the mail is kept with the reason, not retried forever.
      parsed = failedParse(`parser failed: ${(err as Error)?.message ?? String(err)}`);
    }

    const now = this.now();
    const actionable = !parsed.error && parsed.kind !== 'not-a-bounce';
    await yieldToIo();
    const correlation = actionable
      ? await correlate(store, row.rcptTo, parsed, { verpSecret: this.opts.verpSecret, correlationWindowMs: this.opts.correlationWindowMs, now }, raw)
      : null;
    await yieldToIo();
    const effects = correlation ? this.plan(row, parsed, correlation, now) : [];
    const firstRecipient = effects[0]?.event.recipientId ?? correlation?.pinned?.id ?? null;

    const results = await store.inbound.record({
      id,
      processedAt: now,
      kind: parsed.error ? null : parsed.kind,
      parse: parsed as unknown as Record<string, unknown>,
      match: correlation ? { messageRowId: correlation.message.id, recipientId: firstRecipient, rule: correlation.rule } : null,
      effects,
      digest: await digestOf(row, raw),
    });
    // Nothing applied: processed already by someone else, or a second copy of a mail (the store says which).
    const duplicateOf = effects.length > 0 && results.length === 0 ? ((await store.inbound.get(id))?.parse?.duplicate_of ?? null) : null;

    const base = {
      event: 'bounce.processed' as const,
      inbound_id: id,
      kind: parsed.error ? null : parsed.kind,
      format: parsed.format ?? null,
      match_rule: correlation?.rule ?? null,
      queue_id: correlation?.message.queueId ?? null,
      message_id: correlation?.message.messageId ?? null,
      tag: correlation?.message.tag ?? null,
    };
    if (parsed.error) logger.warn({ ...base, error: parsed.error }, 'inbound mail could not be parsed; kept with the error');
    if (typeof duplicateOf === 'number') {
      logger.info(
        { ...base, recipient: null, code: null, enhanced: null, category: null, hard: null, suppressed: false, duplicate_of: duplicateOf },
        `a second copy of inbound mail ${duplicateOf} (the sender did not see our 250, RFC 5321 §6.1): kept, nothing applied twice`,
      );
      return { id, kind: base.kind, matchRule: base.match_rule, effects: 0 };
    }
    if (effects.length === 0) {
      logger.info(
        { ...base, recipient: null, code: null, enhanced: null, category: null, hard: null, suppressed: false },
        correlation ? 'inbound mail matched a message but none of its recipients' : 'inbound mail matched no message; kept as unmatched',
      );
    }
    effects.forEach((e, i) => {
      const r = results[i];
      const address = correlation!.recipients.find((x) => x.id === e.event.recipientId)?.address ?? null;
      logger.info(
        {
          ...base,
          recipient: address,
          event_kind: e.event.kind,
          code: e.event.code ?? null,
          enhanced: e.event.enhanced ?? null,
          category: (e.event.detail?.category as string | null | undefined) ?? null,
          hard: (e.event.detail?.hard as boolean | null | undefined) ?? null,
          state: r?.state ?? null,
          suppressed: r?.suppressed ?? false,
        },
        `${e.event.kind} for ${address}`,
      );
    });
    const bounced = effects.filter((e, i) => e.transition && results[i]?.stateChanged && results[i]?.state === 'bounced');
    await this.notifyFailures(
      correlation,
      bounced.map((e) => e.event.recipientId!),
      bounced.filter((e) => e.transition?.reportOwed).map((e) => e.event.recipientId!),
    );
    const delayed = effects.filter((e, i) => e.transition?.reportOwed === 'delay' && results[i]?.stateChanged);
    if (delayed.length)
      await this.passOnDelays(
        correlation,
        delayed.map((e) => e.event.recipientId!),
      );
    return { id, kind: base.kind, matchRule: base.match_rule, effects: effects.length };
  }

  /** A later server's delay notices, passed on to the sender (written owed with the notice; settled once queued). */
  private async passOnDelays(c: Correlation | null, recipientIds: number[]): Promise<void> {
    const notifier = this.opts.notifier;
    if (!notifier || !c) return;
    const wanted = new Set(recipientIds);
    const recipients = (await this.opts.store.query.recipientsOf([c.message.id])).filter((r) => wanted.has(r.id));
    try {
      await notifier.delayWarning(c.message, recipients);
    } catch (err) {
      this.opts.logger.error(
        { event: 'dsn.error', queue_id: c.message.queueId, kind: 'delayWarning', recipient_ids: recipientIds, err: (err as Error).message },
        'the notifier failed; the sender is told of this delay by a later sweep',
      );
      return;
    }
    await reportsQueued(this.opts.store, recipientIds, 'delay').catch((err: Error) =>
      this.opts.logger.warn(
        { event: 'dsn.settle_failed', queue_id: c.message.queueId, kind: 'delayWarning', err: err.message },
        'could not record the report as sent; the sweep will',
      ),
    );
  }

  /** `owed`: those whose failure report was written owed with the bounce (settled here once it is queued). */
  private async notifyFailures(c: Correlation | null, recipientIds: number[], owed: number[]): Promise<void> {
    const notifier = this.opts.notifier;
    if (!notifier || !c || recipientIds.length === 0) return;
    const wanted = new Set(recipientIds);
    const recipients = (await this.opts.store.query.recipientsOf([c.message.id])).filter((r) => wanted.has(r.id));
    try {
      await notifier.finalFailure(c.message, recipients);
    } catch (err) {
      // The bounce itself is recorded; the report stays owed and the queue's sweep sends it.
      this.opts.logger.error(
        { event: 'dsn.error', queue_id: c.message.queueId, kind: 'finalFailure', recipient_ids: recipientIds, err: (err as Error).message },
        'the notifier failed; the sender is told of this late bounce by a later sweep',
      );
      return;
    }
    if (owed.length)
      await reportsQueued(this.opts.store, owed, 'failure').catch((err: Error) =>
        this.opts.logger.warn(
          { event: 'dsn.settle_failed', queue_id: c.message.queueId, kind: 'finalFailure', err: err.message },
          'could not record the report as sent; the sweep will',
        ),
      );
  }

  private plan(row: InboundRecord, parsed: ParseResult, c: Correlation, at: number): InboundEffect[] {
    const effects: InboundEffect[] = [];
    const signed = this.opts.sentWithVerp?.(c.message) ?? false;
    for (const { parsed: p, recipient } of assignRecipients(c, parsed.recipients)) {
      const reported = eventKindFor(parsed, p);
      if (!reported) continue;
      // Mail sent with a VERP return path gets its bounces at that signed address. A report that reaches it
      // only by an unsigned rule (the ENVID is the queue id every recipient reads in our Received field, a
      // Message-ID may be guessed, an address is public) could come from anyone: it is kept, as `reported`
      // with `unverified`, and changes no state, suppresses nothing, tells no one. A complaint (feedback loops
      // never use VERP) is taken when it names the message (Message-ID, ENVID), not on an address alone.
      const unverified =
        signed && c.rule !== 'verp' && (reported !== 'complained' || c.rule === 'recipient-window') && reported !== 'auto-replied' && reported !== 'reported';
      const kind: EventKind = unverified ? 'reported' : reported;
      const explanation = this.opts.explain?.(p) ?? null;
      const effect: InboundEffect = {
        event: {
          at,
          messageRowId: c.message.id,
          recipientId: recipient.id,
          kind,
          phase: 'inbound',
          code: p.reply_code ?? null,
          enhanced: p.status,
          text: p.diagnostic,
          remoteHost: p.remote_mta ?? null,
          detail: {
            source: 'async',
            match_rule: c.rule,
            format: parsed.format,
            action: p.action,
            reporting_mta: parsed.reporting_mta,
            remote_mta: p.remote_mta ?? null,
            inbound_id: row.id,
            category: p.category,
            hard: p.hard,
            ...(p.confidence ? { confidence: p.confidence } : {}),
            ...(p.evidence ? { evidence: p.evidence.text ?? p.evidence.rule } : {}),
            explanation,
            ...(parsed.feedback_type ? { feedback_type: parsed.feedback_type } : {}),
            ...(parsed.original_message_id ? { original_message_id: parsed.original_message_id } : {}),
            ...(unverified ? { unverified: true, reported_as: reported } : {}),
          },
        },
      };
      if (kind === 'bounced') {
        // The state rule is the queue's (a late bounce ends retries and overrides `delivered`).
        // The report to the sender is owed from the same write as the bounce: a crash before it is queued cannot lose it.
        const owed = !!this.opts.notifier && c.message.mailFrom !== '' && c.message.origin !== 'dsn' && wants('failure', recipient);
        effect.transition = lateBounce({ code: p.reply_code ?? null, enhanced: p.status, text: p.diagnostic, category: p.category, hard: p.hard }, owed);
        // Soft bounces (mailbox full, blocked, policy) never suppress: the address is still good. The address
        // suppressed is ours (the recipient row), not the one a forward rewrote it to.
        if (suppresses(p, this.opts.suppressOn))
          effect.suppress = {
            address: suppressionKey(recipient.address),
            reason: reason('hard bounce', replyLine({ code: p.reply_code ?? null, enhanced: p.status, text: p.diagnostic }, { join: ' ' })),
            source: 'hard-bounce',
          };
      } else if (
        kind === 'delayed' &&
        c.rule === 'verp' &&
        recipient.state === 'delivered' &&
        this.opts.notifier &&
        c.message.mailFrom !== '' &&
        c.message.origin !== 'dsn' &&
        wants('delay', recipient)
      ) {
        // A later server's delay notice came to our VERP return path instead of to the sender, who asked for
        // delays (or gave no NOTIFY, which we take as asking): passed on as our own delay report would be,
        // owed from the same write (a crash before it is queued cannot lose it). One delay report per recipient.
        effect.transition = { from: ['delivered'], clearLease: false, skipLeasedAt: null, reportOwed: 'delay' };
      } else if (kind === 'complained') {
        effect.suppress = {
          address: suppressionKey(recipient.address),
          reason: reason('complaint', parsed.feedback_type, parsed.reporting_mta ? `reported by ${parsed.reporting_mta}` : null),
          source: 'complaint',
        };
      }
      effects.push(effect);
    }
    return effects;
  }
}

/**
 * Feedback reports (RFC 5965's format) that are nobody's complaint about the message: a DMARC/SPF/DKIM failure
 * report (RFC 6591's `auth-failure`, sent to the domain's owner by the receiver's checks) and a report that the
 * recipient marked it as not spam. They must not suppress the address nor count as complaints.
 */
const NOT_A_COMPLAINT: ReadonlySet<string> = new Set(['auth-failure', 'not-spam']);

/** The event a reported recipient gets; null for mail that is not a report about delivery. */
export function eventKindFor(parsed: ParseResult, p: ParsedRecipient): EventKind | null {
  if (parsed.kind === 'complaint') return NOT_A_COMPLAINT.has(parsed.feedback_type ?? '') ? null : 'complained';
  if (parsed.kind === 'auto-reply') return 'auto-replied';
  if (parsed.kind === 'not-a-bounce') return null;
  // In a DSN the per-recipient Action wins: one report can fail one recipient and delay another.
  switch (p.action) {
    case 'failed':
      return 'bounced';
    case 'delayed':
      return 'delayed';
    case 'delivered':
    case 'relayed':
    case 'expanded':
      return 'reported';
  }
  if (parsed.kind === 'bounce') return 'bounced';
  if (parsed.kind === 'delay') return 'delayed';
  if (parsed.kind === 'delivery-report') return 'reported';
  return null;
}

function reason(what: string, ...parts: (string | null | undefined)[]): string {
  const s = [what, ...parts.filter((x): x is string => !!x && x.trim() !== '')].join(': ').replace(/\s+/g, ' ');
  return s.length > REASON_MAX ? s.slice(0, REASON_MAX - 1) + '…' : s;
}

/**
 * What makes two inbound mails the same mail: the envelope and the bytes as received. Hashed off this
 * thread (WebCrypto runs on libuv's pool): a 7 MB report would otherwise hold submission for milliseconds.
 */
async function digestOf(row: InboundRecord, raw: Buffer): Promise<string> {
  const envelope = Buffer.from(`${row.mailFrom}\n${row.rcptTo.join(',')}\n`);
  const hash = await webcrypto.subtle.digest('SHA-256', Buffer.concat([envelope, raw]));
  return Buffer.from(hash).toString('hex');
}
