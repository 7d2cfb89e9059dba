/**
 * The scheduler (Postfix's qmgr): the only part that changes delivery state. It claims due recipients
 * with a lease, groups them into SMTP transactions, hands each to the deliverer within the concurrency
 * limits, records what came back in one transaction, schedules retries, expires what ran out of time,
 * and tells the notifier about final failures, delays and requested successes.
 *
 * At-least-once: a recipient is recorded only after its attempt; a worker that dies leaves leases that
 * lapse, and the recipients are claimed again. A crash may therefore re-send, never drop.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { replyLine } from '../classify/reply-line.js';
import type { Classification } from '../classify/types.js';
import type { Config } from '../config/schema.js';
import type { AttemptReport, Deliverer, DeliveryJob, RecipientOutcome } from '../delivery/types.js';
import type { Notifier } from '../dsn/types.js';
import type { Logger } from '../log/logger.js';
import type { RecipientUpdate, Store } from '../store/store.js';
import type { MessageRecord, NewEvent, RecipientRecord } from '../types.js';
import { verpAddress } from '../verp/token.js';
import { suppressionKey } from '../suppression/list.js';
import { nextAttemptAt } from './backoff.js';
import { EXPIRY } from './transitions.js';
import { concurrencyFor, extraBackoffSteps, isPaused, onSuccess, onThrottled, type DomainThrottle, type ThrottlePolicy } from './throttle.js';

/** Time, injectable so that tests can run days of retries without waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface SchedulerOptions {
  config: Pick<Config, 'delivery' | 'bounces'>;
  store: Pick<Store, 'messages' | 'queue'>;
  deliverer: Deliverer;
  notifier?: Notifier | null;
  logger: Logger;
  clock?: Partial<Clock>;
  /** Names this worker's leases; unique per process. Default: `<host>:<pid>:<random>`. */
  owner?: string;
  /** Source of jitter, [0, 1). Default Math.random. */
  random?: () => number;
  /** Overrides of the throttle policy (tests). */
  throttle?: Partial<ThrottlePolicy>;
  /** How often (clock time) the loop runs the expiry and delay-warning sweep. Default 60 s. */
  sweepIntervalMs?: number;
}

export interface SchedulerStats {
  /** Transactions being delivered now. */
  active: number;
  /** Transactions claimed and waiting for a free connection slot. */
  pending: number;
  /** Domains currently slowed down, with their state. */
  throttled: Record<string, DomainThrottle>;
}

export interface Scheduler {
  readonly owner: string;
  /** Starts the background loop: claim, deliver, sleep until due or woken. */
  start(): void;
  /** Stops claiming, lets running deliveries finish for up to `timeoutMs`, then aborts them and releases every lease still held. */
  stop(timeoutMs?: number): Promise<void>;
  /** One pass for tests and tools: sweep, claim a batch, deliver it and wait. Returns the number of recipients claimed. */
  runOnce(): Promise<number>;
  /** New mail is waiting (intake just committed some): look now instead of at the next poll. */
  wake(): void;
  stats(): SchedulerStats;
}

/** A claimed transaction: one message, one destination domain, one or more recipients. */
interface Job {
  message: MessageRecord;
  domain: string;
  recipients: RecipientRecord[];
  envelopeFrom: string;
  /** When the claim was made (clock time): its lease runs until claimedAt + lease_ms. */
  claimedAt: number;
}

/**
 * Recipients per transaction. RFC 5321 §4.5.3.1.8 makes servers accept at least 100 RCPTs; Postfix
 * sends 50 (smtp_destination_recipient_limit) so that one slow transaction carries less.
 */
const MAX_RECIPIENTS_PER_JOB = 50;
const SWEEP_BATCH = 500;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { config, store, deliverer, logger } = opts;
  const notifier = opts.notifier ?? null;
  const clock: Clock = { now: opts.clock?.now ?? systemClock.now, sleep: opts.clock?.sleep ?? systemClock.sleep };
  const random = opts.random ?? Math.random;
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const d = config.delivery;
  const retry = d.retry;
  const lifetime = retry.max_queue_lifetime_ms;
  const sweepIntervalMs = opts.sweepIntervalMs ?? 60_000;
  const throttlePolicy: ThrottlePolicy = {
    maxConcurrency: d.max_connections_per_domain,
    basePauseMs: Math.min(60_000, retry.min_delay_ms),
    maxPauseMs: retry.max_delay_ms,
    successesToEase: 5,
    ...opts.throttle,
  };

  const throttles = new Map<string, DomainThrottle>();
  const pending: Job[] = [];
  /** Jobs from launch until their attempt is recorded (what stop() waits for). */
  const active = new Map<Job, Promise<void>>();
  /**
   * Connection slots: a job holds one (overall and for its domain) only while it talks SMTP. Recording the
   * attempt (a commit and a disk flush) happens after the slot is given back, so the next transaction to
   * that domain does not wait for our disk. The recipients stay leased until the record is written.
   */
  let connections = 0;
  const activeByDomain = new Map<string, number>();
  const abort = new AbortController();
  let stopping = false;
  let loopDone: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let lastSweep = Number.NEGATIVE_INFINITY;
  let woken = false;
  let sleeper: AbortController | null = null;
  let warnedNoSecret = false;

  const domainLimit = (domain: string) => concurrencyFor(throttles.get(domain), throttlePolicy);
  const countPending = (domain: string) => pending.reduce((n, j) => n + (j.domain === domain ? 1 : 0), 0);

  function wake(): void {
    woken = true;
    sleeper?.abort();
  }

  /** The bounce domain for VERP, or null when this message keeps its original sender. */
  function verpDomain(message: MessageRecord): string | null {
    // Never rewrite the null sender: a DSN must go out with <> so that it cannot bounce back (RFC 5321 §4.5.5).
    if (message.mailFrom === '') return null;
    const senderDomain = message.mailFrom.slice(message.mailFrom.lastIndexOf('@') + 1).toLowerCase();
    const bounceDomain = d.bounce_domains[senderDomain] ?? d.bounce_domains['*'] ?? null;
    if (!bounceDomain) return null;
    if (!opts.config.bounces.verp_secret) {
      if (!warnedNoSecret) {
        warnedNoSecret = true;
        logger.warn({ event: 'queue.verp_disabled' }, 'delivery.bounce_domains is set but bounces.verp_secret is not: sending with the original sender. Set bounces.verp_secret to enable VERP.');
      }
      return null;
    }
    return bounceDomain;
  }

  /** Groups a claimed batch into transactions, loading each message and its content once. */
  async function buildJobs(claimed: RecipientRecord[], claimedAt: number): Promise<Job[]> {
    // The message rows only: the content (the bulk of the bytes) is read when the job starts, so jobs that
    // wait for a slot, or go back unstarted, cost no body reads.
    const messages = new Map<number, { message: MessageRecord } | null>();
    for (const r of claimed) {
      if (messages.has(r.messageRowId)) continue;
      const message = await store.messages.getById(r.messageRowId);
      messages.set(r.messageRowId, message ? { message } : null);
    }
    const jobs = new Map<string, Job>();
    const orphans: number[] = [];
    for (const r of claimed) {
      const m = messages.get(r.messageRowId);
      if (!m) {
        orphans.push(r.id);
        continue;
      }
      const bounceDomain = verpDomain(m.message);
      // A VERP return path names exactly one recipient, so a transaction under VERP carries one RCPT:
      // a bounce to b+<token>@… must identify who bounced even when the remote DSN is unparseable.
      // Postfix does the same (one recipient per delivery with VERP). Without VERP, the recipients of a
      // message at one domain share a transaction, as RFC 5321 intends.
      const key = bounceDomain ? `r${r.id}` : `m${r.messageRowId}:${r.domain}`;
      let job = jobs.get(key);
      if (job && job.recipients.length >= MAX_RECIPIENTS_PER_JOB) {
        jobs.set(`${key}:${r.id}`, job); // park the full one under a unique key and start another
        job = undefined;
      }
      if (!job) {
        job = {
          message: m.message,
          domain: r.domain,
          recipients: [],
          envelopeFrom: bounceDomain ? verpAddress(opts.config.bounces.verp_secret!, bounceDomain, { recipientId: r.id }) : m.message.mailFrom,
          claimedAt,
        };
        jobs.set(key, job);
      }
      job.recipients.push(r);
    }
    if (orphans.length) {
      logger.error({ event: 'queue.orphan', recipient_ids: orphans }, 'claimed recipients whose message or content is missing; releasing them');
      await store.queue.releaseLeases(owner, orphans);
    }
    return [...new Set(jobs.values())];
  }

  /** Starts waiting transactions while there are free slots, in claim order. */
  function startPending(): void {
    const now = clock.now();
    for (let i = 0; i < pending.length && connections < d.max_connections && !stopping; ) {
      const job = pending[i];
      const busy = activeByDomain.get(job.domain) ?? 0;
      if (busy < domainLimit(job.domain) && !isPaused(throttles.get(job.domain), now)) {
        pending.splice(i, 1);
        launch(job);
      } else {
        i++;
      }
    }
  }

  function launch(job: Job): void {
    activeByDomain.set(job.domain, (activeByDomain.get(job.domain) ?? 0) + 1);
    connections++;
    let held = true;
    const releaseSlot = () => {
      if (!held) return;
      held = false;
      connections--;
      const n = (activeByDomain.get(job.domain) ?? 1) - 1;
      if (n > 0) activeByDomain.set(job.domain, n);
      else activeByDomain.delete(job.domain);
      startPending();
      wake();
    };
    const run = runJob(job, releaseSlot)
      .catch((err: Error) => {
        // The lease stays; it lapses and the recipients are retried. Nothing is lost, only delayed.
        logger.error({ event: 'queue.error', queue_id: job.message.queueId, domain: job.domain, err: err.message }, 'recording a delivery attempt failed; the recipients will be retried when their lease lapses');
      })
      .finally(() => {
        active.delete(job);
        releaseSlot();
        wake();
      });
    active.set(job, run);
  }

  async function runJob(job: Job, releaseSlot: () => void): Promise<void> {
    // A job may have waited for a slot: renew the lease, and drop anyone another worker took meanwhile.
    // A claim younger than half its lease cannot have lapsed, so nobody else can hold it: no write needed
    // (the common case, a job started as soon as it was claimed, costs no extra transaction).
    const ids = job.recipients.map((r) => r.id);
    const fresh = clock.now() - job.claimedAt < d.lease_ms / 2;
    const kept = new Set(fresh ? ids : await store.queue.renewLeases(owner, ids, clock.now() + d.lease_ms));
    if (kept.size < ids.length) {
      logger.warn({ event: 'queue.claim_lost', queue_id: job.message.queueId, recipient_ids: ids.filter((id) => !kept.has(id)) }, 'claims lost before delivery started; another worker has them');
      job.recipients = job.recipients.filter((r) => kept.has(r.id));
      if (job.recipients.length === 0) return;
    }
    const raw = await store.messages.content(job.message.id);
    if (!raw) {
      logger.error({ event: 'queue.orphan', queue_id: job.message.queueId, recipient_ids: job.recipients.map((r) => r.id) }, 'the message content is missing; releasing its recipients');
      await store.queue.releaseLeases(owner, job.recipients.map((r) => r.id));
      return;
    }
    const deliveryJob: DeliveryJob = {
      message: job.message,
      raw,
      domain: job.domain,
      envelopeFrom: job.envelopeFrom,
      recipients: job.recipients.map((r) => ({ id: r.id, address: r.address, notify: r.notify, orcpt: r.orcpt, attempt: r.attempts + 1 })),
    };
    const startedAt = Date.now();
    let report: AttemptReport;
    try {
      report = await deliverer.deliver(deliveryJob, abort.signal);
    } catch (err) {
      report = internalFailure(job, startedAt, err as Error);
    }
    await record(job, report, releaseSlot);
  }

  /** `releaseSlot` is called once the domain's throttle state has taken this answer into account. */
  async function record(job: Job, report: AttemptReport, releaseSlot: () => void = () => {}): Promise<void> {
    const now = clock.now();
    const { message } = job;
    if (report.throttled) {
      const t = onThrottled(throttles.get(job.domain), throttlePolicy, now);
      throttles.set(job.domain, t);
      logger.warn({ event: 'queue.throttled', domain: job.domain, limit: t.limit, paused_until: new Date(t.pausedUntil).toISOString(), mx: report.mx }, 'destination asked us to slow down');
      releaseSlot();
      await releasePendingFor(job.domain);
    } else if (report.recipients.some((o) => o.outcome === 'delivered') && throttles.has(job.domain)) {
      const t = onSuccess(throttles.get(job.domain), throttlePolicy);
      if (t) throttles.set(job.domain, t);
      else {
        throttles.delete(job.domain);
        logger.info({ event: 'queue.throttle_eased', domain: job.domain }, 'destination back to its normal connection limit');
      }
    }
    releaseSlot();
    const skip = extraBackoffSteps(report.throttled ? throttles.get(job.domain) : undefined);
    const expiresAt = message.createdAt + lifetime;
    const outcomes = new Map(report.recipients.map((o) => [o.recipientId, o]));
    const jobAttempt = Math.max(...job.recipients.map((r) => r.attempts + 1));
    const recipientIds = job.recipients.map((r) => r.id);
    const attemptOf = new Map(job.recipients.map((r) => [r.id, r.attempts + 1]));

    const events: NewEvent[] = report.phases.map((p) => ({
      at: p.at,
      kind: 'phase',
      messageRowId: message.id,
      recipientId: p.recipientId ?? null,
      attempt: (p.recipientId != null ? attemptOf.get(p.recipientId) : undefined) ?? jobAttempt,
      phase: p.phase,
      code: p.code,
      enhanced: p.enhanced,
      text: p.text,
      remoteHost: p.remoteHost,
      remoteIp: p.remoteIp,
      durationMs: p.durationMs,
      // The transaction's recipients, so a per-recipient timeline can include the shared phases.
      detail: { ...p.detail, ...(p.error ? { error: p.error } : {}), ...(p.recipientId == null ? { recipient_ids: recipientIds } : {}) },
    }));
    const updates: RecipientUpdate[] = [];
    const nextOf = new Map<number, number | null>();
    for (const r of job.recipients) {
      const o = outcomes.get(r.id) ?? missingOutcome(r.id);
      const attempt = r.attempts + 1;
      const next = o.outcome === 'deferred' ? Math.min(nextAttemptAt(attempt + skip, retry, now, random()), Math.max(expiresAt, now)) : null;
      nextOf.set(r.id, next);
      updates.push({
        id: r.id,
        state: o.outcome,
        nextAttemptAt: next,
        lastCode: o.code,
        lastEnhanced: o.enhanced ?? o.classification.enhanced,
        lastText: o.text,
        category: o.classification.category,
        hard: o.classification.hard,
      });
      events.push({
        at: now,
        kind: o.outcome,
        messageRowId: message.id,
        recipientId: r.id,
        attempt,
        phase: o.phase,
        code: o.code,
        enhanced: o.enhanced ?? o.classification.enhanced,
        text: o.text,
        remoteHost: o.remoteHost,
        remoteIp: o.remoteIp,
        durationMs: report.finishedAt - report.startedAt,
        detail: {
          category: o.classification.category,
          hard: o.classification.hard,
          explanation: o.classification.explanation,
          rule: o.classification.rule,
          next_attempt_at: next,
          ...(report.throttled ? { throttled: true } : {}),
        },
      });
    }
    // A hard bounce (the address itself is bad) goes on the suppression list with its event, as a late
    // hard bounce does in src/bounces: the next message to it is refused at submission, not sent.
    const suppress = updates
      .filter((u) => u.state === 'bounced' && u.hard === true)
      .map((u) => {
        const r = job.recipients.find((x) => x.id === u.id)!;
        return { recipientId: u.id, address: suppressionKey(r.address), reason: `hard bounce: ${replyLine({ code: u.lastCode, enhanced: u.lastEnhanced, text: u.lastText })}`.slice(0, 500) };
      });
    const written = await store.queue.recordAttempt({ owner, at: now, events, recipients: updates, suppress });
    if (written.lost.length) {
      logger.warn({ event: 'queue.claim_lost', queue_id: message.queueId, recipient_ids: written.lost }, 'the lease lapsed during delivery and another worker claimed these recipients; their result here is not recorded (they may be delivered twice)');
    }
    for (const rec of written.recorded) {
      const o = outcomes.get(rec.id) ?? missingOutcome(rec.id);
      const next = nextOf.get(rec.id) ?? null;
      logger.info(
        {
          event: 'delivery.attempt',
          queue_id: message.queueId,
          message_id: message.messageId,
          recipient: rec.address,
          domain: job.domain,
          attempt: rec.attempts,
          outcome: o.outcome,
          phase: o.phase,
          code: o.code,
          enhanced: rec.lastEnhanced,
          text: o.text,
          mx: o.remoteHost ?? report.mx,
          ip: o.remoteIp ?? report.ip,
          duration_ms: report.finishedAt - report.startedAt,
          next_attempt_at: next === null ? null : new Date(next).toISOString(),
          category: o.classification.category,
          hard: o.classification.hard,
          tag: message.tag,
        },
        `${rec.address}: ${o.outcome}${o.code ? ` (${o.code}${rec.lastEnhanced ? ' ' + rec.lastEnhanced : ''})` : ''}`,
      );
    }
    await notify('finalFailure', message, written.recorded.filter((r) => r.state === 'bounced'));
    await notify('success', message, written.recorded.filter((r) => r.state === 'delivered' && r.notify?.includes('SUCCESS')));
  }

  async function notify(kind: keyof Notifier, message: MessageRecord, recipients: RecipientRecord[]): Promise<void> {
    if (!notifier || recipients.length === 0) return;
    try {
      await notifier[kind](message, recipients);
      wake(); // a DSN is a new message in the queue
    } catch (err) {
      logger.error({ event: 'dsn.error', queue_id: message.queueId, kind, recipient_ids: recipients.map((r) => r.id), err: (err as Error).message }, 'the notifier failed; no delivery status notification was sent for these recipients');
    }
  }

  /** A throttled domain's waiting transactions give their claims back rather than sit on them through the pause. */
  async function releasePendingFor(domain: string): Promise<void> {
    const mine = pending.filter((j) => j.domain === domain);
    if (mine.length === 0) return;
    for (const j of mine) pending.splice(pending.indexOf(j), 1);
    await store.queue.releaseLeases(
      owner,
      mine.flatMap((j) => j.recipients.map((r) => r.id)),
    );
  }

  async function expire(now: number, ownerToo: boolean): Promise<RecipientRecord[]> {
    const all: RecipientRecord[] = [];
    for (;;) {
      const batch = await store.queue.expire({ now, createdBefore: now - lifetime, owner: ownerToo ? owner : null, limit: SWEEP_BATCH, event: EXPIRY });
      all.push(...batch);
      if (batch.length < SWEEP_BATCH) break;
    }
    for (const [message, recipients] of await byMessage(all)) {
      for (const r of recipients) {
        logger.info(
          { event: 'delivery.expired', queue_id: message.queueId, message_id: message.messageId, recipient: r.address, domain: r.domain, attempt: r.attempts, code: r.lastCode, enhanced: r.lastEnhanced, text: r.lastText, tag: message.tag },
          `${r.address}: expired after ${r.attempts} attempts`,
        );
      }
      await notify('finalFailure', message, recipients);
    }
    return all;
  }

  async function delayWarnings(now: number): Promise<void> {
    if (!notifier) return;
    for (;;) {
      const due = await store.queue.dueForDelayWarning({ createdBefore: now - d.dsn.delay_warning_after_ms, limit: SWEEP_BATCH });
      if (due.length === 0) return;
      // Mark first, then warn: with two workers only the one whose mark took effect sends the warning.
      const marked = new Set(await store.queue.markDelayNotified(due.map((r) => r.id), now));
      for (const [message, recipients] of await byMessage(due.filter((r) => marked.has(r.id)))) {
        await notify('delayWarning', message, recipients);
      }
      if (due.length < SWEEP_BATCH) return;
    }
  }

  async function byMessage(recipients: RecipientRecord[]): Promise<[MessageRecord, RecipientRecord[]][]> {
    const groups = new Map<number, RecipientRecord[]>();
    for (const r of recipients) groups.set(r.messageRowId, [...(groups.get(r.messageRowId) ?? []), r]);
    const out: [MessageRecord, RecipientRecord[]][] = [];
    for (const [id, rs] of groups) {
      const message = await store.messages.getById(id);
      if (message) out.push([message, rs]);
    }
    return out;
  }

  async function sweep(now: number): Promise<void> {
    lastSweep = now;
    await expire(now, false);
    await delayWarnings(now);
  }

  /** One claim round: sweep when due, claim what fits, start what may start. Returns recipients claimed. */
  async function pump(forceSweep: boolean): Promise<number> {
    if (stopping) return 0;
    let now = clock.now();
    if (forceSweep || now - lastSweep >= sweepIntervalMs) await sweep(now);
    startPending();
    const free = d.max_connections - connections - pending.length;
    if (free <= 0 || stopping) return 0;
    now = clock.now();
    const excludeDomains = new Set<string>();
    for (const [domain, t] of throttles) if (isPaused(t, now)) excludeDomains.add(domain);
    for (const [domain, n] of activeByDomain) if (n + countPending(domain) >= domainLimit(domain)) excludeDomains.add(domain);
    // Several recipients per free slot, so that a message's recipients at one domain are claimed
    // together and share a transaction; the surplus waits (leased) for a slot, bounded below.
    // …but never more than the waiting list can hold, or the surplus is claimed only to be released below.
    const limit = Math.max(1, Math.min(free * 4, d.max_connections - pending.length));
    const claimed = await store.queue.claimDue({ now, limit, owner, leaseUntil: now + d.lease_ms, excludeDomains: [...excludeDomains] });
    if (claimed.length === 0) return 0;
    let jobs = await buildJobs(claimed, now);
    // Claimed exactly at the end of its lifetime: expire now rather than make one more attempt.
    if (jobs.some((j) => j.message.createdAt + lifetime <= now)) {
      const expired = new Set((await expire(now, true)).map((r) => r.id));
      jobs = jobs.map((j) => ({ ...j, recipients: j.recipients.filter((r) => !expired.has(r.id)) })).filter((j) => j.recipients.length > 0);
    }
    pending.push(...jobs);
    startPending();
    // Waiting jobs are kept leased up to one per connection slot; the rest go back at once (still due),
    // so a burst to one slow domain never sits on claims another worker could be delivering.
    const surplus = pending.splice(d.max_connections);
    if (surplus.length) await store.queue.releaseLeases(owner, surplus.flatMap((j) => j.recipients.map((r) => r.id)));
    return claimed.length;
  }

  /** Waits until nothing is running; waiting jobs that cannot start (paused domain) are released. */
  async function drain(): Promise<void> {
    for (;;) {
      startPending();
      if (active.size === 0) {
        if (pending.length) {
          const left = pending.splice(0);
          await store.queue.releaseLeases(owner, left.flatMap((j) => j.recipients.map((r) => r.id)));
        }
        return;
      }
      await Promise.race(active.values());
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      let claimed = 0;
      try {
        claimed = await pump(false);
      } catch (err) {
        logger.error({ event: 'queue.error', err: (err as Error).message }, 'claiming due recipients failed; retrying after the poll interval');
      }
      if (stopping) break;
      if (claimed > 0 && connections + pending.length < d.max_connections) continue; // more may be due now
      let delay = d.poll_interval_ms;
      try {
        const due = await store.queue.nextDueAt();
        const now = clock.now();
        if (due !== null && due > now) delay = Math.min(delay, due - now);
      } catch {
        /* the poll interval will do */
      }
      if (woken) {
        woken = false;
        continue;
      }
      sleeper = new AbortController();
      await clock.sleep(delay, sleeper.signal);
      sleeper = null;
      woken = false;
    }
  }

  async function renewActive(): Promise<void> {
    const until = clock.now() + d.lease_ms;
    for (const job of active.keys()) {
      await store.queue.renewLeases(owner, job.recipients.map((r) => r.id), until).catch(() => []);
    }
  }

  return {
    owner,
    start() {
      if (loopDone || stopping) return;
      if (!d.enabled) {
        logger.info({ event: 'queue.disabled' }, 'delivery.enabled is false: messages are queued but not delivered');
        return;
      }
      loopDone = loop();
      // Long transactions (a slow server, a big message) keep their claims: renew well before they lapse.
      heartbeat = setInterval(() => void renewActive(), Math.max(1_000, Math.floor(d.lease_ms / 3)));
      heartbeat.unref();
      logger.info({ event: 'queue.started', owner, max_connections: d.max_connections, max_connections_per_domain: d.max_connections_per_domain }, 'scheduler started');
    },
    async stop(timeoutMs = 30_000) {
      if (stopping) return;
      stopping = true;
      wake();
      if (heartbeat) clearInterval(heartbeat);
      await loopDone;
      const waiting = pending.splice(0);
      if (waiting.length) await store.queue.releaseLeases(owner, waiting.flatMap((j) => j.recipients.map((r) => r.id)));
      if (active.size > 0) {
        // Shutdown is bounded in real time whatever the injected clock says.
        const all = Promise.allSettled(active.values());
        const timedOut = await Promise.race([all.then(() => false), realDelay(timeoutMs).then(() => true)]);
        if (timedOut) {
          logger.warn({ event: 'queue.stop_timeout', active: active.size }, 'deliveries still running at shutdown: aborting them; their recipients will be retried');
          abort.abort();
          await Promise.race([all, realDelay(2_000)]);
        }
      }
      const released = await store.queue.releaseLeases(owner);
      logger.info({ event: 'queue.stopped', owner, released }, 'scheduler stopped');
    },
    async runOnce() {
      const n = await pump(true);
      await drain();
      return n;
    },
    wake,
    stats() {
      return { active: active.size, pending: pending.length, throttled: Object.fromEntries(throttles) };
    },
  };
}

function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const INTERNAL: Classification = {
  category: 'system-error',
  permanent: false,
  hard: false,
  enhanced: '4.3.0',
  explanation: 'mailtrail itself failed while attempting this delivery; it will try again.',
  rule: 'internal',
};

/** The deliverer must never throw; if it does, the attempt counts as a temporary failure, never a loss. */
function internalFailure(job: Job, startedAt: number, err: Error): AttemptReport {
  return {
    startedAt,
    finishedAt: Date.now(),
    domain: job.domain,
    phases: [],
    recipients: job.recipients.map((r) => ({ ...missingOutcome(r.id), text: `internal error: ${err.message}` })),
    mx: null,
    ip: null,
    throttled: false,
  };
}

/** A report that forgot a recipient: deferred, so that it is tried again rather than left leased. */
function missingOutcome(recipientId: number): RecipientOutcome {
  return { recipientId, outcome: 'deferred', phase: 'connect', code: null, enhanced: '4.3.0', text: 'no outcome reported for this recipient', remoteHost: null, remoteIp: null, classification: INTERNAL };
}
