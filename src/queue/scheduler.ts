/**
 * The scheduler (Postfix's qmgr): the only part that changes delivery state. It claims due recipients
 * with a lease, groups them into SMTP transactions, hands each to the deliverer within the concurrency
 * limits, records what came back in one transaction, schedules retries, expires what ran out of time,
 * and tells the notifier about final failures, delays and requested successes.
 *
 * At-least-once: a recipient is recorded only after its attempt; a worker that dies leaves leases that
 * lapse, and the recipients are claimed again. A crash may therefore re-send, never drop.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { AttemptReport, Deliverer, DeliveryJob } from '../delivery/types.js';
import type { Notifier } from '../dsn/types.js';
import type { Logger } from '../log/logger.js';
import { isPassingWriteError, isStorageFull } from '../store/errors.js';
import type { ClaimedRecipient, DestinationStore, Store, WakeupStore, WakeupSubscription } from '../store/store.js';
import type { MessageRecord, RecipientRecord } from '../types.js';
import { internalFailure, planAttempt } from './attempt-record.js';
import { groupIntoJobs, type Job } from './jobs.js';
import { createSweeps, REPORT_OF, REPORT_RETRY_MS } from './sweeps.js';
import { wants } from '../dsn/notifier.js';
import { INTERRUPTED } from './transitions.js';
import { DomainSlots, type SlotHold } from './slots.js';
import { InFlight } from './in-flight.js';
import { RunningJobs } from './running.js';
import type { DomainThrottle, ThrottlePolicy } from './throttle.js';

/** Messages up to this size have their content read with their claim (see buildJobs). */
const READ_WITH_CLAIM_BYTES = 64 * 1024;
/** How long a finished job's shared domain slot waits for the next job of its domain (keepSpareSlot). */
const SPARE_SLOT_LINGER_MS = 200;
/** How often, at most, the slow-downs other relays recorded are read (each claim round did: a round trip). */
const SHARED_THROTTLES_EVERY_MS = 250;

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
  /**
   * Limits shared with the other relays on the database (PostgreSQL): per-domain slots and slow-downs.
   * Absent (SQLite: one relay), this scheduler's own counts are the limits.
   */
  destinations?: DestinationStore | null;
  /**
   * Wake-ups from every writer on the database (PostgreSQL: other relays' intake, retries, claims given
   * back): the loop looks at once instead of at its next poll, which stays the fallback. Absent, only
   * `wake()` and the poll wake it.
   */
  wakeups?: WakeupStore | null;
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

/** Abort listeners one delivery session holds at most on one signal (deliverer, slot wait, connect, reclaim). */
const LISTENERS_PER_SESSION = 5;
/** Jobs that may wait with their slot lent, per slot (slots.ts): bounds the claims and bodies held meanwhile. */
const LENT_PER_SLOT = 4;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { config, store, deliverer, logger } = opts;
  const shared = opts.destinations ?? null;
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

  // Jobs waiting (DNS, a busy address) give their slot back, up to four per slot at once (slots.ts).
  const slots = new DomainSlots(d.max_connections, throttlePolicy, LENT_PER_SLOT * d.max_connections);
  slots.onLent = (domain, reason) => {
    // The domain's other waiting jobs would wait for the same DNS answer: back to the queue until it is in.
    if (reason === 'dns') void releasePendingFor(domain).catch(() => {}); // a lease not released lapses
    startPending();
    wake(); // a slot came free: claim more
  };
  /** Claimed jobs waiting for a slot; their recipients stay leased (bounded by max_connections). */
  const pending: Job[] = [];
  /** Jobs from launch until their attempt is recorded (what stop() waits for). */
  const active = new RunningJobs<Job>();
  /** Aborted when a stop runs out of time: sessions are cut (one awaiting its message's reply gets its time). */
  const abort = new AbortController();
  /** Aborted when a stop begins: no new transaction starts; jobs that had not begun one are given back. */
  const quiesce = new AbortController();
  // Every running session listens on both signals (its slot wait, its connect, its cut-off) and removes its
  // listeners when it ends, so up to max_connections sessions at once is not a leak: size Node's leak warning
  // to that, so the warning still fires if listeners ever pile up.
  setMaxListeners(LISTENERS_PER_SESSION * d.max_connections + 10, abort.signal, quiesce.signal);
  let stopping = false;
  let loopDone: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let wakeups: WakeupSubscription | null = null;
  let lastSweep = Number.NEGATIVE_INFINITY;
  let woken = false;
  let sleeper: AbortController | null = null;
  /**
   * Domains left out of claims for a moment, and until when: their shared slots were held by other relays when
   * last asked, or their first MX address had as many of our sessions waiting as it takes (report.hostBusy).
   */
  const setAside = new Map<string, number>();
  /** Numbers this relay's destination slots (`<owner>:d<n>`). */
  let slotSerial = 0;
  /** Shared domain slots finished jobs handed on to the next job of their domain (keepSpareSlot). */
  const spareSlots = new Map<string, string[]>();
  /** When the slow-downs other relays recorded were last read (pump). */
  let throttlesReadAt = Number.NEGATIVE_INFINITY;
  /** Shared domain slots being given back, per domain, until the database has them (giveBackSlot). */
  const releasing = new InFlight();
  /** A result could not be written: claim nothing and start nothing until one is (untilWritten). */
  let writesFailing = false;
  const sweeps = createSweeps({ config, store, logger, owner, notify, reports: notifier !== null });
  if (Object.keys(d.bounce_domains).length > 0 && !config.bounces.verp_secret) {
    logger.warn(
      { event: 'queue.verp_disabled' },
      'delivery.bounce_domains is set but bounces.verp_secret is not: sending with the original sender. Set bounces.verp_secret to enable VERP.',
    );
  }

  function wake(): void {
    woken = true;
    sleeper?.abort();
  }

  /**
   * Groups a claimed batch into transactions, reading their messages in one go, and the contents of the
   * small ones in another: a claim is sized to the free slots, so its jobs start at once, and a read per job
   * was a database round trip per message on PostgreSQL. A large message's content is read when its job
   * starts, so that jobs that wait or go back unstarted hold no large bodies in memory.
   */
  async function buildJobs(claimed: RecipientRecord[], claimedAt: number): Promise<Job[]> {
    const ids = [...new Set(claimed.map((r) => r.messageRowId))];
    const messages = new Map((await store.messages.getMany(ids)).map((m) => [m.id, m]));
    const { jobs, orphans } = groupIntoJobs(claimed, messages, claimedAt, config);
    if (orphans.length) {
      logger.error({ event: 'queue.orphan', recipient_ids: orphans }, 'claimed recipients whose message or content is missing; releasing them');
      await store.queue.releaseLeases(owner, orphans);
    }
    const small = [...new Set(jobs.filter((j) => j.message.size <= READ_WITH_CLAIM_BYTES).map((j) => j.message.id))];
    if (small.length) {
      const contents = await store.messages.contents(small);
      for (const job of jobs) job.raw = contents.get(job.message.id);
    }
    return jobs;
  }

  /**
   * Writes an attempt's result, however long the store refuses writes (a full disk): the result is kept
   * and written again every poll interval, and meanwhile nothing new is claimed or started, because its
   * result could not be recorded either and would be sent again. Gives up only when the scheduler stops
   * (the leases then lapse and the recipients are retried: at least once, never lost).
   */
  async function untilWritten<T>(write: () => Promise<T>, queueId: string): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        const result = await write();
        if (writesFailing) {
          writesFailing = false;
          logger.info({ event: 'queue.writes_resumed' }, 'the store accepts writes again: claiming resumes');
          wake();
        }
        return result;
      } catch (err) {
        if (failures === 0 && !writesFailing) {
          logger.error(
            { event: 'queue.write_failed', queue_id: queueId, err: (err as Error).message, storage_full: isStorageFull(err) },
            'recording a delivery attempt failed; the result is kept and written again, and nothing new is claimed until writes succeed',
          );
        }
        // A full disk, a locked or unreachable database passes; anything else is a fault that retrying will
        // not cure: after a few tries it is left to the leases (the recipients are retried when they lapse).
        const passing = isPassingWriteError(err);
        if (stopping || (!passing && failures >= 2)) throw err;
        writesFailing = true;
        await realDelay(Math.min(5_000, d.poll_interval_ms * 2 ** Math.min(failures, 3)));
      }
    }
  }

  /**
   * Claims taken over from a lease that lapsed (its holder stopped without recording an attempt) are
   * counted as an attempt whose outcome is unknown, with an `interrupted` event: the receiver may have the
   * message, and the trace must say so. Returns the claimed recipients as they are after that.
   */
  async function withInterrupted(claimed: ClaimedRecipient[], now: number): Promise<RecipientRecord[]> {
    const lapsed = claimed.filter((r) => r.lapsedOwner !== null);
    if (lapsed.length === 0) return claimed;
    const counted = await store.queue.recordInterrupted({
      owner,
      now,
      items: lapsed.map((r) => ({ recipientId: r.id, lapsedOwner: r.lapsedOwner! })),
      event: INTERRUPTED,
    });
    const byId = new Map(counted.map((r) => [r.id, r]));
    for (const r of lapsed) {
      logger.warn(
        { event: 'delivery.interrupted', recipient: r.address, domain: r.domain, attempt: byId.get(r.id)?.attempts ?? r.attempts + 1, owner: r.lapsedOwner! },
        `${r.address}: the claim of ${r.lapsedOwner} lapsed without a recorded attempt; counted as an attempt whose outcome is unknown`,
      );
    }
    return claimed.map((r) => byId.get(r.id) ?? r);
  }

  /** Starts waiting transactions while there are free slots, in claim order. */
  function startPending(): void {
    const now = clock.now();
    for (let i = 0; i < pending.length && slots.free > 0 && !stopping && !writesFailing; ) {
      const job = pending[i];
      if (slots.mayStart(job.domain, now)) {
        pending.splice(i, 1);
        launch(job);
      } else {
        i++;
      }
    }
  }

  function launch(job: Job): void {
    const hold = slots.take(job.domain);
    let held = true;
    const releaseSlot = () => {
      if (!held) return;
      held = false;
      hold.release();
      startPending();
      wake();
    };
    const run = runJob(job, releaseSlot, hold)
      .catch((err: Error) => {
        // The lease stays; it lapses and the recipients are retried. Nothing is lost, only delayed.
        logger.error(
          { event: 'queue.error', queue_id: job.message.queueId, domain: job.domain, err: err.message },
          'recording a delivery attempt failed; the recipients will be retried when their lease lapses',
        );
      })
      .finally(() => {
        active.delete(job);
        releaseSlot();
        wake();
      });
    active.add(job, run);
  }

  async function runJob(job: Job, releaseSlot: () => void, hold: SlotHold): Promise<void> {
    // A shared domain slot a job of this domain just finished with (see deliverJob): taken before anything
    // is awaited, so that it is still there; it saves two round trips and a wait on the key's lock.
    let domainSlot = shared ? takeSpareSlot(job.domain) : null;
    let domainSlotHeld = domainSlot !== null;
    // Given back once, or handed on to the next job of the domain (with the local slot, see deliverJob).
    const giveDomainSlot = async (handOn = false) => {
      if (!domainSlotHeld) return;
      domainSlotHeld = false;
      if (handOn && !stopping) return keepSpareSlot(job.domain, domainSlot!, !pending.some((j) => j.domain === job.domain));
      await giveBackSlot(job.domain, domainSlot!);
    };
    try {
      // A job may have waited for a slot: renew the lease, and drop anyone another worker took meanwhile.
      // A claim younger than half its lease cannot have lapsed, so nobody else can hold it: no write needed
      // (the common case, a job started as soon as it was claimed, costs no extra transaction).
      const ids = job.recipients.map((r) => r.id);
      const fresh = clock.now() - job.claimedAt < d.lease_ms / 2;
      const renewedUntil = clock.now() + d.lease_ms;
      const kept = new Set(fresh ? ids : await store.queue.renewLeases(owner, ids, renewedUntil));
      job.leaseUntil = fresh ? job.claimedAt + d.lease_ms : renewedUntil;
      // The recipients kept are held anew (the lost ones are dropped just below).
      if (!fresh) job.claimLost = false;
      if (kept.size < ids.length) {
        logger.warn(
          { event: 'queue.claim_lost', queue_id: job.message.queueId, recipient_ids: ids.filter((id) => !kept.has(id)) },
          'claims lost before delivery started; another worker has them',
        );
        job.recipients = job.recipients.filter((r) => kept.has(r.id));
        if (job.recipients.length === 0) return;
      }
      // The domain's limit holds across every relay on the database: a slot of its shared count, or the job
      // goes back (still due) for whoever has room.
      if (shared && !domainSlot) {
        // Our own slots of this domain still being given back would count as held: the answer waits for them.
        await releasing.settled(job.domain);
        domainSlot = `${owner}:d${++slotSerial}`;
        const now = clock.now();
        const got = await shared.acquire({ key: `domain:${job.domain}`, holder: domainSlot, limit: slots.limitFor(job.domain), now, until: now + d.lease_ms });
        if (!got) {
          // The other relays hold the domain's slots: leave it to them for a moment instead of claiming it
          // again at once (two relays at one busy domain otherwise trade its recipients back and forth).
          setAside.set(job.domain, now + 100 + Math.floor(random() * 200));
          releaseSlot();
          await store.queue.releaseLeases(
            owner,
            job.recipients.map((r) => r.id),
          );
          await releasePendingFor(job.domain);
          return;
        }
        domainSlotHeld = true;
      }
      await deliverJob(job, releaseSlot, giveDomainSlot, hold);
    } finally {
      await giveDomainSlot();
    }
  }

  /**
   * A finished job's shared domain slot, kept for the next job of the same domain: taking and giving back a
   * shared slot per job is two round trips and a wait on the key's lock (2.6 ms of server time per message
   * in the relay-pg benchmark). Kept until the end of this turn when a job of the domain waits (it starts
   * in this turn), else for SPARE_SLOT_LINGER_MS, for the jobs of the next claim round: at full load a
   * domain's jobs end while the claim that refills them is on its way, and giving each slot back then only
   * to take it again a moment later was most of the takes. Not taken by then, it is given back. (Another
   * relay sees the slot held that much longer at most: the cost of the linger.)
   */
  function keepSpareSlot(domain: string, holder: string, linger: boolean): void {
    const list = spareSlots.get(domain) ?? [];
    list.push(holder);
    spareSlots.set(domain, list);
    const giveBack = () => {
      const left = spareSlots.get(domain);
      const i = left?.indexOf(holder) ?? -1;
      if (i < 0) return;
      left!.splice(i, 1);
      if (left!.length === 0) spareSlots.delete(domain);
      void giveBackSlot(domain, holder);
    };
    if (linger) setTimeout(giveBack, SPARE_SLOT_LINGER_MS).unref();
    else setImmediate(giveBack);
  }

  /** Gives back every spare shared slot now (the scheduler stops). */
  function giveBackSpareSlots(): Promise<void> {
    const all = [...spareSlots].flatMap(([domain, holders]) => holders.map((holder) => giveBackSlot(domain, holder)));
    spareSlots.clear();
    return Promise.all(all).then(() => {});
  }

  function takeSpareSlot(domain: string): string | null {
    const list = spareSlots.get(domain);
    const holder = list?.pop() ?? null;
    if (list && list.length === 0) spareSlots.delete(domain);
    return holder;
  }

  /** Gives a shared domain slot back, remembered until the database has it (see the acquire in runJob). */
  function giveBackSlot(domain: string, holder: string): Promise<void> {
    return releasing.track(domain, shared!.release(holder));
  }

  async function deliverJob(job: Job, releaseLocal: () => void, giveDomainSlot: (handOn?: boolean) => Promise<void>, hold: SlotHold): Promise<void> {
    // The shared slot goes with the local one: when the SMTP session is over, before the record is written;
    // kept for the next job of the domain when one waits. (Were a job's shared slot given back after its local
    // one without runJob waiting for it, the next job's acquire would count it still held, find the domain
    // full and give back every job waiting for it: found by the relay-pg benchmark, 24 deliveries a second
    // instead of hundreds, and by test/queue/multi-node.test.ts.)
    const releaseSlot = () => {
      void giveDomainSlot(true);
      releaseLocal();
    };
    const raw = job.raw ?? (await store.messages.content(job.message.id));
    job.raw = undefined;
    if (!raw) {
      logger.error(
        { event: 'queue.orphan', queue_id: job.message.queueId, recipient_ids: job.recipients.map((r) => r.id) },
        'the message content is missing; releasing its recipients',
      );
      await store.queue.releaseLeases(
        owner,
        job.recipients.map((r) => r.id),
      );
      return;
    }
    const deliveryJob: DeliveryJob = {
      message: job.message,
      raw,
      domain: job.domain,
      envelopeFrom: job.envelopeFrom,
      recipients: job.recipients.map((r) => ({ id: r.id, address: r.address, notify: r.notify, orcpt: r.orcpt, attempt: r.attempts + 1 })),
      // Held while the lease is known good: a relay frozen past it (the heartbeat could not run) finds it
      // lapsed when it wakes, before it sends a message another relay may have delivered meanwhile.
      stillClaimed: () => !job.claimLost && clock.now() < (job.leaseUntil ?? job.claimedAt + d.lease_ms),
      // A stop that begins while the job waits for its slot back gives the job back unattempted.
      slot: { lend: (reason) => hold.lend(reason), offer: () => hold.offer(), reclaim: () => hold.reclaim(quiesce.signal) },
    };
    const startedAt = Date.now();
    let report: AttemptReport;
    try {
      report = await deliverer.deliver(deliveryJob, abort.signal, quiesce.signal);
    } catch (err) {
      report = internalFailure(job, startedAt, err as Error);
    }
    await record(job, report, releaseSlot);
  }

  /** `releaseSlot` is called once the domain's throttle state has taken this answer into account. */
  async function record(job: Job, report: AttemptReport, releaseSlot: () => void = () => {}): Promise<void> {
    const now = clock.now();
    const { message } = job;
    if (report.abandoned) {
      // Stopping before any transaction began, or our own queue for the address full: nothing was attempted,
      // so nothing is recorded. A busy address's domain waits a moment (its other waiting jobs with it), so
      // that its jobs are not claimed and sent straight back while the sessions ahead of them run.
      releaseSlot();
      if (report.hostBusy) setAside.set(job.domain, now + 500 + Math.floor(random() * 500));
      await store.queue.releaseLeases(
        owner,
        job.recipients.map((r) => r.id),
      );
      if (report.hostBusy) await releasePendingFor(job.domain);
      return;
    }
    if (report.throttled) {
      const t = slots.throttled(job.domain, now);
      await shared?.setThrottle(job.domain, { limit: t.limit, level: t.level, pausedUntil: t.pausedUntil }, now).catch(() => {});
      logger.warn(
        { event: 'queue.throttled', domain: job.domain, limit: t.limit, paused_until: new Date(t.pausedUntil).toISOString(), mx: report.mx },
        'destination asked us to slow down',
      );
      releaseSlot();
      await releasePendingFor(job.domain);
    } else if (report.recipients.some((o) => o.outcome === 'delivered')) {
      const wasThrottled = slots.throttleOf(job.domain) !== undefined;
      const eased = slots.succeeded(job.domain);
      // Each step of easing is shared, or the other relays would hold this one at their stricter limit.
      if (shared && wasThrottled) await shared.setThrottle(job.domain, slots.throttleOf(job.domain) ?? null, now).catch(() => {});
      if (eased) logger.info({ event: 'queue.throttle_eased', domain: job.domain }, 'destination back to its normal connection limit');
    }
    releaseSlot();
    const skipSteps = report.throttled ? slots.skipSteps(job.domain) : 0;
    const { write, outcomes, nextOf } = planAttempt(job, report, { now, retry, skipSteps, random, tlsReporting: d.tls_reporting.enabled });
    // A success report of ours says "relayed": the next hop takes no responsibility for one. When it offers
    // DSN it got our NOTIFY=SUCCESS and reports the delivery itself (RFC 3461 §4.1, RFC 3464 §2.3.3): ours
    // would be a second, less true one. Not under VERP: that report comes to mailtrail, not to the app.
    const nextHopReports =
      job.envelopeFrom === message.mailFrom &&
      report.phases.some((p) => p.phase === 'mail' && typeof p.detail?.command === 'string' && / ENVID=/.test(p.detail.command));
    // The reports due are written with the states that make them due: a crash before they are queued cannot lose them.
    if (notifier && message.mailFrom !== '' && message.origin !== 'dsn') {
      const claimed = new Map(job.recipients.map((r) => [r.id, r]));
      for (const u of write.recipients) {
        const r = claimed.get(u.id);
        if (!r) continue;
        if (u.state === 'bounced' && wants('failure', r)) u.reportOwed = 'failure';
        else if (u.state === 'delivered' && !nextHopReports && r.notify?.includes('SUCCESS')) u.reportOwed = 'success';
      }
    }
    const written = await untilWritten(() => store.queue.recordAttempt({ owner, ...write }), message.queueId);
    if (written.lost.length) {
      logger.warn(
        { event: 'queue.claim_lost', queue_id: message.queueId, recipient_ids: written.lost },
        'these recipients were no longer ours when the attempt ended: their lease lapsed and another worker claimed them (they may be delivered twice), or a late bounce ended them meanwhile; the result here is not recorded',
      );
    }
    for (const rec of written.recorded) {
      const o = outcomes.get(rec.id)!;
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
    const owed = (kind: 'failure' | 'success') => {
      const ids = new Set(write.recipients.filter((u) => u.reportOwed === kind).map((u) => u.id));
      return written.recorded.filter((r) => ids.has(r.id));
    };
    await notify('finalFailure', message, owed('failure'));
    if (!nextHopReports) await notify('success', message, owed('success'));
  }

  /**
   * Tells the notifier, then settles the reports owed (written with the state change). When the notifier
   * fails they stay owed, and the sweep tries again (sweeps.ts, owedReports).
   */
  async function notify(kind: keyof Notifier, message: MessageRecord, recipients: RecipientRecord[]): Promise<void> {
    if (!notifier || recipients.length === 0) return;
    try {
      await notifier[kind](message, recipients);
      wake(); // a DSN is a new message in the queue
    } catch (err) {
      logger.error(
        { event: 'dsn.error', queue_id: message.queueId, kind, recipient_ids: recipients.map((r) => r.id), err: (err as Error).message },
        `the notifier failed; the report stays owed and is tried again in ${Math.round(REPORT_RETRY_MS / 60_000)} minutes`,
      );
      return;
    }
    await store.queue
      .settleReports(
        recipients.map((r) => r.id),
        REPORT_OF[kind],
      )
      .catch((err: Error) =>
        // The report is queued; left owed, the sweep finds it already sent (the notifier's dsn-sent check).
        logger.warn({ event: 'dsn.settle_failed', queue_id: message.queueId, kind, err: err.message }, 'could not record the report as sent; the sweep will'),
      );
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

  async function sweep(now: number): Promise<void> {
    lastSweep = now;
    await sweeps.expire(now);
    await sweeps.delayWarnings(now);
    await sweeps.owedReports(now);
  }

  /** One claim round: sweep when due, claim what fits, start what may start. Returns recipients claimed. */
  async function pump(forceSweep: boolean): Promise<number> {
    if (stopping || writesFailing) return 0;
    let now = clock.now();
    if (forceSweep || now - lastSweep >= sweepIntervalMs) await sweep(now);
    startPending();
    const free = slots.free - pending.length;
    if (free <= 0 || stopping) return 0;
    now = clock.now();
    // Slow-downs other relays were asked for hold here too (read a few times a second, not every round: at
    // full load a round starts each time jobs end, and the read was a round trip each).
    if (shared && now - throttlesReadAt >= SHARED_THROTTLES_EVERY_MS) {
      throttlesReadAt = now;
      slots.adopt(await shared.throttles(now));
    }
    const waiting = new Map<string, number>();
    for (const j of pending) waiting.set(j.domain, (waiting.get(j.domain) ?? 0) + 1);
    const excludeDomains = slots.excluded(now, waiting);
    for (const [domain, until] of setAside) {
      if (until > now) excludeDomains.push(domain);
      else setAside.delete(domain);
    }
    // Several recipients per free slot, so that a message's recipients at one domain are claimed
    // together and share a transaction; the surplus waits (leased) for a slot, bounded below.
    // …but never more than the waiting list can hold, or the surplus is claimed only to be released below.
    const limit = Math.max(1, Math.min(free * 4, d.max_connections - pending.length));
    const claimed = await withInterrupted(await store.queue.claimDue({ now, limit, owner, leaseUntil: now + d.lease_ms, excludeDomains }), now);
    if (claimed.length === 0) return 0;
    let jobs = await buildJobs(claimed, now);
    // Claimed exactly at the end of its lifetime: expire now rather than make one more attempt.
    if (jobs.some((j) => j.message.createdAt + lifetime <= now)) {
      // Only the ones just claimed: another job of ours may be delivering an old message right now.
      const overdue = jobs.filter((j) => j.message.createdAt + lifetime <= now).flatMap((j) => j.recipients.map((r) => r.id));
      const expired = new Set((await sweeps.expire(now, overdue)).map((r) => r.id));
      jobs = jobs.map((j) => ({ ...j, recipients: j.recipients.filter((r) => !expired.has(r.id)) })).filter((j) => j.recipients.length > 0);
    }
    pending.push(...jobs);
    startPending();
    // Waiting jobs are kept leased up to one per connection slot; the rest go back at once (still due),
    // so a burst to one slow domain never sits on claims another worker could be delivering.
    const surplus = pending.splice(d.max_connections);
    if (surplus.length)
      await store.queue.releaseLeases(
        owner,
        surplus.flatMap((j) => j.recipients.map((r) => r.id)),
      );
    return claimed.length;
  }

  /** Waits until nothing is running; waiting jobs that cannot start (paused domain) are released. */
  async function drain(): Promise<void> {
    for (;;) {
      startPending();
      if (active.size === 0) {
        if (pending.length) {
          const left = pending.splice(0);
          await store.queue.releaseLeases(
            owner,
            left.flatMap((j) => j.recipients.map((r) => r.id)),
          );
        }
        return;
      }
      await Promise.race(active.runs());
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
      if (claimed > 0 && slots.inUse + pending.length < d.max_connections) continue; // more may be due now
      // Woken while claiming (a job ended, a message arrived): look again now; the next due time would not
      // be used. At full load that is most rounds, and it saves a read of the queue each.
      if (woken) {
        woken = false;
        continue;
      }
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

  /**
   * The heartbeat: every claim this scheduler holds (running or waiting for a slot) moves forward in one
   * write, so leases can be short and a dead relay's mail is taken over within a lease, not minutes later.
   */
  async function renewHeld(): Promise<void> {
    const until = clock.now() + d.lease_ms;
    // The destination slots this relay holds (its transactions and the deliverer's connections) too.
    await shared?.renew(`${owner}:`, until).catch(() => {});
    const jobs = [...active.jobs(), ...pending];
    const ids = jobs.flatMap((job) => job.recipients.map((r) => r.id));
    if (ids.length === 0) return;
    // A failed renewal moves nothing on: the jobs' leases run out on their own clock.
    const kept = await store.queue.renewLeases(owner, ids, until).then(
      (k) => new Set(k),
      () => null,
    );
    if (!kept) return;
    for (const job of jobs) {
      if (job.recipients.every((r) => kept.has(r.id))) job.leaseUntil = until;
      else job.claimLost = true;
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
      heartbeat = setInterval(() => void renewHeld(), Math.max(1_000, Math.floor(d.lease_ms / 3)));
      heartbeat.unref();
      wakeups =
        opts.wakeups?.subscribe({
          wake,
          lost: (err) =>
            logger.warn(
              { event: 'queue.wakeups_lost', err: err.message },
              `listening for wake-ups from the database stopped (${err.message}); reconnecting with backoff, and meanwhile mail queued by other relays is found by polling every ${d.poll_interval_ms} ms`,
            ),
          resumed: ({ downMs }) =>
            logger.info(
              { event: 'queue.wakeups_resumed', duration_ms: downMs },
              `listening for wake-ups again after ${downMs} ms; looking for mail due meanwhile`,
            ),
        }) ?? null;
      logger.info(
        { event: 'queue.started', owner, max_connections: d.max_connections, max_connections_per_domain: d.max_connections_per_domain },
        'scheduler started',
      );
    },
    async stop(timeoutMs = 30_000) {
      if (stopping) return;
      stopping = true;
      quiesce.abort();
      wake();
      if (heartbeat) clearInterval(heartbeat);
      await wakeups?.close();
      await loopDone;
      const waiting = pending.splice(0);
      if (waiting.length)
        await store.queue.releaseLeases(
          owner,
          waiting.flatMap((j) => j.recipients.map((r) => r.id)),
        );
      if (active.size > 0) {
        // Shutdown is bounded in real time whatever the injected clock says.
        const all = Promise.allSettled(active.runs());
        const timedOut = await Promise.race([all.then(() => false), realDelay(timeoutMs).then(() => true)]);
        if (timedOut) {
          logger.warn(
            { event: 'queue.stop_timeout', active: active.size },
            `deliveries still running at shutdown: aborting them (a session awaiting the reply to its message gets up to ${d.stop_final_reply_ms} ms more); their recipients will be retried`,
          );
          abort.abort();
          await Promise.race([all, realDelay(d.stop_final_reply_ms + 5_000)]);
        }
      }
      if (shared) await giveBackSpareSlots();
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
      return { active: active.size, pending: pending.length, throttled: slots.throttleStates() };
    },
  };
}

function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
