/**
 * Prometheus metrics. Counters are driven by the store's event feed, not by hooks in every part: a
 * follower reads `store.events.tallyAfter(cursor)` every `pollMs` and counts what happened, so the parts stay
 * unaware of metrics and a counter can never disagree with the timeline it counts. Inbound mail that
 * matched nothing has no event (events belong to a message), so a second cursor follows the inbound table.
 * Queue gauges are read from the store when Prometheus scrapes.
 *
 * Counters count since this process started (the cursors start at the newest row), as Prometheus expects:
 * `rate()` and `increase()` handle the reset at a restart.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UnresponsiveAddress } from '../delivery/unresponsive-hosts.js';
import type { Logger } from '../log/logger.js';
import type { FeedTally, InboundResult, Store } from '../store/store.js';
import { EVENT_KINDS } from '../types.js';
import { DOMAIN_GROUPS, domainGroup } from './domain-groups.js';
import type { CountedRefusals } from './refusals.js';

export interface MetricsOptions {
  store: Pick<Store, 'events' | 'query' | 'inbound'>;
  logger: Logger;
  /** How often the follower reads the feed (default 1000 ms). */
  pollMs?: number;
  /** Feed rows read per statement (default 1000). */
  batchSize?: number;
  /** Distinct tags given their own label value; later ones are counted as `other` (default 50). */
  maxTags?: number;
  /** Process and Node.js runtime metrics (process_*, nodejs_*) on the same registry (default true). */
  defaultMetrics?: boolean;
  /** Clock for the oldest-message age (tests). */
  now?: () => number;
  /** The listeners' refusal and HTTP credential counters (./refusals.ts), served on this registry. */
  refusals?: CountedRefusals;
  /** The mail server addresses this process's delivery skips because they did not answer (src/delivery/unresponsive-hosts.ts). */
  unresponsive?: () => readonly UnresponsiveAddress[];
}

/** What the HTTP API serves at /metrics. */
export interface MetricsHook {
  contentType: string;
  render(): Promise<string>;
}

export interface Metrics extends MetricsHook {
  /** Private to this instance: two relays (or tests) in one process never share counters. */
  readonly registry: Registry;
  /** Places the cursors at the newest event and inbound row, then follows the feed every pollMs. */
  start(): Promise<void>;
  /** Reads everything new on the feed now (the timer does the same). Rejects if the store fails. */
  poll(): Promise<void>;
  /** Stops the timer and waits for a poll in progress, so the store can be closed after. */
  stop(): Promise<void>;
  /** Refreshes the gauges from the store and returns the text exposition. */
  render(): Promise<string>;
}

/** Recipient event kinds with their own counter, labelled by tag and domain group. */
const RECIPIENT_COUNTERS = {
  delivered: 'Recipients the next hop accepted after DATA (a later bounce is counted in bounced too)',
  deferred: 'Temporary failures: one per failed attempt per recipient, each followed by a retry',
  bounced: 'Permanent failures: a 5xx during delivery or a bounce that came back later',
  expired: 'Recipients still undelivered when their queue lifetime ran out',
  suppressed: 'Recipients not sent because the address is on the suppression list',
  complained: 'Recipients who reported the message as spam (ARF feedback)',
} as const;
type CountedKind = keyof typeof RECIPIENT_COUNTERS;

// Submitted → delivered spans milliseconds (a local hop) to days (retries): buckets up to the 5-day default lifetime.
const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 172800, 432000];

/** Unprocessed inbound rows remembered for a later count; beyond this the oldest are forgotten (processing is stuck). */
const MAX_PENDING_INBOUND = 1000;
const MAX_TAG_LENGTH = 100;

export function createMetrics(opts: MetricsOptions): Metrics {
  const { store } = opts;
  const logger = opts.logger.child({ component: 'metrics' });
  const pollMs = opts.pollMs ?? 1000;
  const batchSize = opts.batchSize ?? 1000;
  const now = opts.now ?? Date.now;
  const tags = tagLabeller(opts.maxTags ?? 50);

  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  for (const m of opts.refusals?.metrics ?? []) registry.registerMetric(m);

  const received = new Counter({
    name: 'mailtrail_messages_received_total',
    help: 'Messages accepted on submission and committed to the queue',
    labelNames: ['tag'] as const,
    registers,
  });
  const byKind = Object.fromEntries(
    Object.entries(RECIPIENT_COUNTERS).map(([kind, help]) => [
      kind,
      new Counter({ name: `mailtrail_recipients_${kind}_total`, help, labelNames: ['tag', 'domain_group'] as const, registers }),
    ]),
  ) as Record<CountedKind, Counter<'tag' | 'domain_group'>>;
  const events = new Counter({
    name: 'mailtrail_events_total',
    help: 'Timeline events by kind (every kind, including delayed, reported, auto-replied, dsn-sent…)',
    labelNames: ['kind'] as const,
    registers,
  });
  // Known label values start at 0, so rate() sees the first event instead of a series appearing at 1: every
  // kind, and untagged mail in every domain group (other tags are not known before they come).
  for (const kind of EVENT_KINDS) events.inc({ kind }, 0);
  received.inc({ tag: 'none' }, 0);
  for (const counter of Object.values(byKind)) for (const group of DOMAIN_GROUPS) counter.inc({ tag: 'none', domain_group: group }, 0);
  const responses = new Counter({
    name: 'mailtrail_smtp_responses_total',
    help: 'Replies from remote servers during delivery attempts, by phase and reply code',
    labelNames: ['phase', 'class', 'code'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'mailtrail_delivery_latency_seconds',
    help: 'Time from acceptance on submission to delivery (2xx after DATA), per recipient',
    labelNames: ['domain_group'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const inbound = new Counter({
    name: 'mailtrail_inbound_messages_total',
    help: 'Mail processed on the inbound (bounce) listener: matched to a sent message, unmatched, or ignored (not a report, or unparsable)',
    labelNames: ['kind', 'result', 'rule'] as const,
    registers,
  });
  const queueDepth = new Gauge({
    name: 'mailtrail_queue_recipients',
    help: 'Recipients waiting for delivery, by state',
    labelNames: ['state'] as const,
    registers,
  });
  const leased = new Gauge({
    name: 'mailtrail_queue_leased_recipients',
    help: 'Waiting recipients a delivery worker is handling right now (live lease)',
    registers,
  });
  const oldestAge = new Gauge({
    name: 'mailtrail_queue_oldest_message_age_seconds',
    help: 'Age of the oldest message with a waiting recipient; 0 when nothing waits',
    registers,
  });
  // Per process, as the skipping is: each relay learns on its own which addresses stopped answering.
  const unresponsive = new Gauge({
    name: 'mailtrail_delivery_unresponsive_addresses',
    help: 'Mail server addresses (ip:port) this relay skips because they did not answer (held), or will try once more before the others (probe due)',
    labelNames: ['state'] as const,
    registers,
  });

  function countEvent(e: FeedTally): void {
    events.inc({ kind: e.kind });
    if (e.kind === 'phase') {
      if (e.code !== null) responses.inc({ phase: e.phase ?? 'unknown', ...codeLabels(e.code) });
      return;
    }
    // mailtrail's own notices (DSNs) are no app's mail: not accepted on submission, and counted under the
    // app's tag (which a notice keeps) they would inflate its figures. events_total and the replies count them.
    if (e.own) return;
    if (e.kind === 'received') {
      received.inc({ tag: tags(e.tag) });
    } else if (Object.hasOwn(RECIPIENT_COUNTERS, e.kind)) {
      const group = domainGroup(e.domain);
      byKind[e.kind as CountedKind].inc({ tag: tags(e.tag), domain_group: group });
      // A clock step backwards must not produce a negative latency.
      if (e.kind === 'delivered') latency.observe({ domain_group: group }, Math.max(0, e.at - e.messageCreatedAt) / 1000);
    }
  }

  function countInbound(r: InboundResult): void {
    const kind = r.kind ?? 'unparsable';
    const result = r.matched ? 'matched' : r.kind === null || r.kind === 'not-a-bounce' ? 'ignored' : 'unmatched';
    inbound.inc({ kind, result, rule: r.matchRule ?? 'none' });
  }

  let eventCursor: string | null = null;
  let inboundCursor = '';
  // Rows the listener stored but the processor has not finished yet: counted when they are processed.
  const pendingInbound = new Set<number>();

  async function position(): Promise<void> {
    eventCursor = await store.events.head();
    inboundCursor = await store.inbound.resultsHead();
    // Mail stored before a crash is processed at start-up recovery: count it when that happens.
    for (const id of await store.inbound.unprocessed(1000)) pendingInbound.add(id);
  }

  async function pollOnce(): Promise<void> {
    if (eventCursor === null) await position();
    for (;;) {
      // Only the labels, not whole events: a burst adds thousands of events a second, and this thread also
      // serves submission and the API (see EventStore.tallyAfter).
      const batch = await store.events.tallyAfter(eventCursor!, batchSize);
      for (const e of batch) countEvent(e);
      if (batch.length > 0) eventCursor = batch[batch.length - 1]!.cursor;
      if (batch.length < batchSize) break;
      // Catching up on a backlog: let sockets be served between batches (SQLite answers synchronously).
      await new Promise((resolve) => setImmediate(resolve));
    }

    for (const id of pendingInbound) {
      const row = await store.inbound.get(id);
      if (!row) pendingInbound.delete(id);
      else if (row.processedAt !== null) {
        pendingInbound.delete(id);
        countInbound({ id, cursor: '', processed: true, kind: row.kind, matchRule: row.matchRule, matched: row.matchedMessageRowId !== null });
      }
    }
    for (;;) {
      const batch = await store.inbound.resultsAfter(inboundCursor, batchSize);
      for (const r of batch) {
        if (r.processed) countInbound(r);
        else pendingInbound.add(r.id);
      }
      if (batch.length > 0) inboundCursor = batch[batch.length - 1]!.cursor;
      if (batch.length < batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const id of pendingInbound) {
      if (pendingInbound.size <= MAX_PENDING_INBOUND) break;
      pendingInbound.delete(id);
    }
  }

  // Polls run one after another, never overlapping, whether from the timer or a caller.
  let chain: Promise<void> = Promise.resolve();
  const poll = (): Promise<void> => {
    const run = chain.then(pollOnce);
    chain = run.catch(() => undefined);
    return run;
  };

  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let failing = false;
  const tick = async () => {
    try {
      await poll();
      if (failing) logger.info({ event: 'metrics.poll_recovered' }, 'metrics follow the event feed again');
      failing = false;
    } catch (err) {
      // Logged once per outage, not once a second; counters resume where they stopped when the store answers.
      if (!failing) logger.warn({ event: 'metrics.poll_failed', err: (err as Error).message }, 'metrics could not read the event feed; retrying');
      failing = true;
    }
    if (running) schedule();
  };
  const schedule = () => {
    timer = setTimeout(tick, pollMs);
    timer.unref(); // metrics alone never keep the process alive
  };

  return {
    registry,
    contentType: registry.contentType,
    async start() {
      if (running) return;
      await position();
      running = true;
      schedule();
    },
    poll,
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await chain;
    },
    async render() {
      const t = now();
      const w = await store.query.waitingSummary(t);
      queueDepth.set({ state: 'queued' }, w.queued);
      queueDepth.set({ state: 'deferred' }, w.deferred);
      leased.set(w.leased);
      oldestAge.set(w.oldestCreatedAt === null ? 0 : Math.max(0, t - w.oldestCreatedAt) / 1000);
      const silent = opts.unresponsive?.() ?? [];
      const held = silent.filter((a) => a.until > t).length;
      unresponsive.set({ state: 'held' }, held);
      unresponsive.set({ state: 'probe-due' }, silent.length - held);
      return registry.metrics();
    },
  };
}

/** `code` as a label pair; anything outside 200–599 (a parse oddity) becomes `other`, so the label set stays bounded. */
export function codeLabels(code: number): { class: string; code: string } {
  if (!Number.isInteger(code) || code < 200 || code > 599) return { class: 'other', code: 'other' };
  return { class: `${Math.floor(code / 100)}xx`, code: String(code) };
}

/**
 * The `tag` label: the message tag, `none` without one, and `other` once `max` distinct tags have been
 * seen, because an app that puts a customer id in the tag would otherwise create a series per customer.
 */
export function tagLabeller(max: number): (tag: string | null) => string {
  const seen = new Set<string>();
  return (tag) => {
    if (tag === null || tag === '') return 'none';
    const t = tag.length > MAX_TAG_LENGTH ? tag.slice(0, MAX_TAG_LENGTH) : tag;
    if (seen.has(t)) return t;
    if (seen.size >= max) return 'other';
    seen.add(t);
    return t;
  };
}
