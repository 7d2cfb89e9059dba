/**
 * The webhook dispatcher: follows the events feed into the outbox, and POSTs due outbox rows.
 *
 * Two steps per pass, each durable on its own:
 *  1. stage: in one transaction, read the next feed events after the cursor, write one outbox row per
 *     (endpoint, subscribed event), move the cursor. A crash before the commit re-reads the same events;
 *     after it, the rows are there. Nothing is lost or written twice.
 *  2. send: claim due rows with a lease (their due time moves past the POST's timeout), POST each signed,
 *     record the outcome: 2xx delivered; anything else retried with exponential backoff and jitter until
 *     `max_attempts`, then failed. A crash mid-POST leaves the lease to lapse and the row is sent again:
 *     delivery is at-least-once, and receivers drop duplicates by the event id.
 *
 * The first start sets the cursor at the newest event: history is not replayed to a new endpoint.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { nextAttemptAt } from '../retry/backoff.js';
import type { FeedEvent, NewWebhookDelivery, Store, WebhookDeliveryRecord, WebhookState } from '../store/store.js';
import { isWebhookEventType } from '../config/webhook-events.js';
import { buildPayload } from './payload.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, sign, TIMESTAMP_HEADER } from './signature.js';

type Endpoint = Config['webhooks']['endpoints'][number];

/** Feed events routed per transaction; a pass stages at most STAGE_ROUNDS of these before sending. */
const STAGE_BATCH = 500;
const STAGE_ROUNDS = 10;
/** POSTs in flight at once, in all. */
const SEND_BATCH = 16;
/**
 * POSTs in flight at once to one endpoint. A pass no longer waits for its POSTs: a hung endpoint holds its own
 * few slots for its timeout while the others are served (when a pass waited for all 16, one hung endpoint
 * set every other endpoint's pace to one batch per timeout).
 */
const PER_ENDPOINT = 4;
/** Added to the longest timeout to make the claim's lease: the POST has ended, one way or another, by then. */
const LEASE_SLACK_MS = 60_000;
/** Of a failed receiver's answer, this much is kept as last_error (enough for an error message, not a page). */
const ERROR_BODY_BYTES = 300;
const USER_AGENT = 'mailtrail-webhooks/1';

export interface WebhooksOptions {
  config: Pick<Config, 'webhooks'>;
  store: Pick<Store, 'webhooks'>;
  logger: Logger;
  /** Scheduling time (due times, backoff), injectable so tests run hours of retries at once. Signatures always use the real clock. */
  clock?: { now(): number };
  /** Source of jitter, [0, 1). Default Math.random. */
  random?: () => number;
  /** How long stop() lets POSTs under way finish before it aborts them (default 5 s). */
  stopGraceMs?: number;
}

export interface WebhookRunResult {
  /** Feed events read. */
  events: number;
  /** Outbox rows written from them. */
  staged: number;
  /** Rows claimed and POSTed (or given up) in this pass. */
  sent: number;
  delivered: number;
  /** Failed this time, to be retried later. */
  retrying: number;
  /** Gave up: max_attempts reached, or the endpoint is no longer configured. */
  failed: number;
}

export interface Webhooks {
  /** Starts the background loop (a no-op without endpoints). */
  start(): void;
  /**
   * Stops the loop: no new POST starts; those under way get `stopGraceMs` to finish and be recorded (one that
   * the receiver answered must not be sent again after a restart); the rest are aborted and their rows are
   * due again at once (not counted as attempts).
   */
  stop(): Promise<void>;
  /** One pass, for tests and tools: stage new events, then claim and POST one batch of due rows, and wait. */
  runOnce(): Promise<WebhookRunResult>;
}

export function createWebhooks(opts: WebhooksOptions): Webhooks {
  const { store, logger } = opts;
  const cfg = opts.config.webhooks;
  const clock = opts.clock ?? { now: () => Date.now() };
  const random = opts.random ?? Math.random;
  const endpoints = new Map(cfg.endpoints.map((e) => [e.name, e]));
  const leaseMs = Math.max(0, ...cfg.endpoints.map((e) => e.timeout_ms)) + LEASE_SLACK_MS;
  const stopper = new AbortController();
  /** Set by stop(): no new pass, claim or POST; the ones under way may finish. */
  let draining = false;
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  // Passes never overlap (the loop and a test's runOnce, say): each waits for the one before.
  let last: Promise<unknown> = Promise.resolve();

  function route(event: FeedEvent): NewWebhookDelivery[] {
    if (!isWebhookEventType(event.kind)) return [];
    const type = event.kind;
    const subscribed = cfg.endpoints.filter((e) => e.events.includes(type));
    if (subscribed.length === 0) return [];
    const payload = JSON.stringify(buildPayload(event, type));
    return subscribed.map((e) => ({ endpoint: e.name, type, payload }));
  }

  async function stage(result: WebhookRunResult): Promise<boolean> {
    for (let round = 0; round < STAGE_ROUNDS; round++) {
      const r = await store.webhooks.stage({ now: clock.now(), limit: STAGE_BATCH, route });
      if (r.initialised) {
        logger.info({ event: 'webhook.cursor_started', cursor: r.cursor }, `webhooks follow events after #${r.cursor}; earlier events are not sent`);
      }
      result.events += r.events;
      result.staged += r.queued;
      if (r.events < STAGE_BATCH) return false;
    }
    return true; // more events are waiting
  }

  /** POSTs in flight, per endpoint and in all; each frees its slot when it is recorded, and wakes the loop. */
  const inFlight = new Map<string, number>();
  const sending = new Set<Promise<unknown>>();

  function send(row: WebhookDeliveryRecord): Promise<WebhookState | null> {
    inFlight.set(row.endpoint, (inFlight.get(row.endpoint) ?? 0) + 1);
    const p = deliver(row)
      .catch((err: unknown) => {
        // Recording the outcome failed (the store): the claim lapses and the row is sent again.
        logger.error(
          { event: 'webhook.pass_failed', err: `outbox row ${row.id}: ${(err as Error).message}` },
          'a webhook outcome could not be recorded; it is sent again later',
        );
        return null;
      })
      .finally(() => {
        inFlight.set(row.endpoint, inFlight.get(row.endpoint)! - 1);
        sending.delete(p);
        if (started) schedule(0);
      });
    sending.add(p);
    return p;
  }

  /** Stages new events, claims what the free slots can take and starts their POSTs; `wait`: and waits for them. */
  async function pass(wait: boolean): Promise<{ result: WebhookRunResult; more: boolean }> {
    const result: WebhookRunResult = { events: 0, staged: 0, sent: 0, delivered: 0, retrying: 0, failed: 0 };
    if (endpoints.size === 0) return { result, more: false };
    const moreEvents = await stage(result);
    if (stopper.signal.aborted || draining) return { result, more: false };
    const free = SEND_BATCH - sending.size;
    if (free <= 0) return { result, more: moreEvents };
    const now = clock.now();
    const full = [...endpoints.keys()].filter((name) => (inFlight.get(name) ?? 0) >= PER_ENDPOINT);
    const due = await store.webhooks.claimDue({ now, limit: free, leaseUntil: now + leaseMs, excludeEndpoints: full });
    // Past an endpoint's slots: given back, due at once, taken when one of its POSTs ends.
    const taken: WebhookDeliveryRecord[] = [];
    const back: number[] = [];
    const counted = new Map<string, number>();
    for (const row of due) {
      const n = (inFlight.get(row.endpoint) ?? 0) + (counted.get(row.endpoint) ?? 0);
      if (endpoints.has(row.endpoint) && n >= PER_ENDPOINT) back.push(row.id);
      else {
        counted.set(row.endpoint, (counted.get(row.endpoint) ?? 0) + 1);
        taken.push(row);
      }
    }
    if (back.length) await store.webhooks.release(back, now);
    result.sent = taken.length;
    const posts = taken.map((row) => send(row));
    if (wait) for (const o of await Promise.all(posts)) if (o) result[o === 'pending' ? 'retrying' : o]++;
    // Every slot taken: the POSTs' ends wake the loop. Slots left over and a full claim: more may be due.
    return { result, more: moreEvents || (due.length === free && back.length === 0 && sending.size < SEND_BATCH) };
  }

  /** POSTs one row and records the outcome; null when stopping interrupted it (the row is released). */
  async function deliver(row: WebhookDeliveryRecord): Promise<WebhookState | null> {
    const endpoint = endpoints.get(row.endpoint);
    const attempt = row.attempts + 1;
    if (!endpoint) {
      const error = `endpoint "${row.endpoint}" is no longer in webhooks.endpoints; add it back and run \`mailtrail webhooks retry ${row.id}\``;
      await store.webhooks.recordAttempt({ id: row.id, at: clock.now(), state: 'failed', nextAttemptAt: null, status: null, error });
      log('error', row, attempt, { state: 'failed', status: null, error });
      return 'failed';
    }
    const answer = await post(endpoint, row);
    if (answer.stopped) {
      await store.webhooks.release([row.id], clock.now());
      return null;
    }
    const now = clock.now();
    let state: WebhookState;
    let next: number | null = null;
    if (answer.ok) state = 'delivered';
    else if (attempt >= cfg.max_attempts) state = 'failed';
    else {
      state = 'pending';
      next = nextAttemptAt(attempt, cfg.retry, now, random());
      // A receiver that says when to come back (429/503 Retry-After) is listened to, within max_delay_ms.
      if (answer.retryAfterMs !== null) next = Math.max(next, now + Math.min(answer.retryAfterMs, cfg.retry.max_delay_ms));
    }
    await store.webhooks.recordAttempt({ id: row.id, at: now, state, nextAttemptAt: next, status: answer.status, error: answer.error });
    log(state === 'delivered' ? 'info' : state === 'pending' ? 'warn' : 'error', row, attempt, { state, status: answer.status, error: answer.error, next });
    return state;
  }

  interface Answer {
    ok: boolean;
    stopped: boolean;
    status: number | null;
    error: string | null;
    retryAfterMs: number | null;
  }

  async function post(endpoint: Endpoint, row: WebhookDeliveryRecord): Promise<Answer> {
    const timestamp = Math.floor(Date.now() / 1000);
    const timeout = AbortSignal.timeout(endpoint.timeout_ms);
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': USER_AGENT,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: sign(endpoint.secret, timestamp, row.payload),
          [EVENT_ID_HEADER]: String(row.eventId),
        },
        body: row.payload,
        // A redirect is not followed: re-POSTing signed events to wherever a receiver points is not ours to decide.
        redirect: 'manual',
        signal: AbortSignal.any([timeout, stopper.signal]),
      });
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => {});
        return { ok: true, stopped: false, status: res.status, error: null, retryAfterMs: null };
      }
      const text = await readSome(res);
      const error = `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}${text ? ': ' + text : ''}`;
      // Retry-After means "come back then" on 429 and 503 (RFC 9110 §10.2.3); elsewhere it is not ours to read.
      const wait = res.status === 429 || res.status === 503 ? retryAfter(res.headers.get('retry-after')) : null;
      return { ok: false, stopped: false, status: res.status, error, retryAfterMs: wait };
    } catch (err) {
      if (stopper.signal.aborted && !timeout.aborted) return { ok: false, stopped: true, status: null, error: null, retryAfterMs: null };
      const error = timeout.aborted ? `no answer within ${endpoint.timeout_ms} ms (webhooks.endpoints[].timeout_ms)` : networkError(err);
      return { ok: false, stopped: false, status: null, error, retryAfterMs: null };
    }
  }

  function log(
    level: 'info' | 'warn' | 'error',
    row: WebhookDeliveryRecord,
    attempt: number,
    o: { state: WebhookState; status: number | null; error: string | null; next?: number | null },
  ) {
    let ids: { queue_id?: string | null; message_id?: string | null; recipient?: unknown } = {};
    try {
      ids = JSON.parse(row.payload) as typeof ids;
    } catch {
      /* the payload is ours and always JSON; the ids are only for the log */
    }
    const fields = {
      event: o.state === 'pending' ? ('webhook.retry' as const) : o.state === 'delivered' ? ('webhook.delivered' as const) : ('webhook.failed' as const),
      endpoint: row.endpoint,
      outbox_id: row.id,
      event_id: row.eventId,
      type: row.type,
      queue_id: ids.queue_id ?? null,
      message_id: ids.message_id ?? null,
      recipient: ids.recipient ?? null,
      attempt,
      status: o.status,
      error: o.error,
      next_attempt_at: o.next ? new Date(o.next).toISOString() : null,
    };
    const what =
      o.state === 'delivered'
        ? `webhook for ${row.type} event #${row.eventId} delivered to ${row.endpoint}`
        : o.state === 'pending'
          ? `webhook for ${row.type} event #${row.eventId} to ${row.endpoint} failed (attempt ${attempt} of ${cfg.max_attempts}); will retry`
          : `webhook for ${row.type} event #${row.eventId} to ${row.endpoint} failed for good after ${attempt} attempt(s); \`mailtrail webhooks retry ${row.id}\` sends it again`;
    logger[level](fields, what);
  }

  function runOnce(): Promise<WebhookRunResult> {
    const run = last.then(() => pass(true));
    last = run.catch(() => {});
    return run.then((r) => r.result);
  }

  /** When the pending timer fires; a later request never postpones an earlier one. */
  let timerAt = Number.POSITIVE_INFINITY;

  function schedule(delay: number) {
    if (stopper.signal.aborted || draining) return;
    const at = Date.now() + delay;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = null;
      timerAt = Number.POSITIVE_INFINITY;
      const run = last.then(() => pass(false));
      last = run.catch(() => {});
      run.then(
        (r) => schedule(r.more ? 0 : cfg.poll_interval_ms),
        (err: unknown) => {
          logger.error({ event: 'webhook.pass_failed', err: (err as Error).message }, 'webhook dispatcher pass failed; trying again at the next poll');
          schedule(cfg.poll_interval_ms);
        },
      );
    }, delay);
  }

  return {
    start() {
      if (started || endpoints.size === 0) return;
      started = true;
      logger.info({ event: 'webhook.started', endpoints: [...endpoints.keys()] }, `webhooks: sending to ${[...endpoints.keys()].join(', ')}`);
      schedule(0);
    },
    async stop() {
      draining = true;
      if (timer) clearTimeout(timer);
      timer = null;
      // POSTs under way get a grace to finish and be recorded; then the stopper aborts what is left, and their
      // rows are released (not counted as attempts).
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([last, ...sending]),
        new Promise<void>((resolve) => {
          grace = setTimeout(resolve, opts.stopGraceMs ?? 5_000);
        }),
      ]);
      clearTimeout(grace);
      stopper.abort();
      await last;
      await Promise.all([...sending]);
    },
    runOnce,
  };
}

/** Reads the start of a response body for last_error, then drops the rest. */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    /* a body that breaks off still leaves the status to report */
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8');
  return text.replace(/\s+/g, ' ').trim();
}

/** Retry-After in ms (delta-seconds or an HTTP date), or null. */
function retryAfter(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** undici says "fetch failed" and puts the reason in `cause`: show the reason. */
function networkError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause;
  // The Fetch standard's "bad ports" (6000, 6667, 10080…) are refused before connecting; undici just says "bad port".
  if (cause?.message === 'bad port')
    return "fetch refuses this port (one of the Fetch standard's blocked ports, such as 6000 or 10080); serve the receiver on another port";
  if (cause?.message) return `${cause.code && !cause.message.includes(cause.code) ? cause.code + ': ' : ''}${cause.message}`;
  return e.message ?? String(err);
}
