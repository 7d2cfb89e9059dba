/**
 * Retention: deletes history older than `retention.*_days`, at start and every `interval_ms`. A pass runs
 * purge steps until nothing is left to delete, yielding to the event loop between steps, so that sessions
 * and deliveries go on while years of history are being cleared.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { PurgeCounts, PurgeCutoffs, Store } from '../store/store.js';

const DAY_MS = 24 * 60 * 60_000;

export interface Purger {
  start(): void;
  /** One whole pass now (tests, and the start-up pass); resolves with what it deleted. */
  runOnce(): Promise<PurgeCounts>;
  /** Stops the timer; a pass in progress ends after its current step. */
  stop(): Promise<void>;
}

export function cutoffsAt(now: number, r: Config['retention']): PurgeCutoffs {
  const before = (days: number) => (days === 0 ? null : now - days * DAY_MS);
  return { history: before(r.history_days), content: before(r.content_days), inbound: before(r.inbound_days), webhooks: before(r.webhooks_days) };
}

export function createPurger(opts: { store: Store; config: Config; logger: Logger; clock?: () => number }): Purger {
  const { store, logger } = opts;
  const r = opts.config.retention;
  const clock = opts.clock ?? Date.now;
  let timer: NodeJS.Timeout | null = null;
  let stopping = false;
  let running: Promise<PurgeCounts> | null = null;

  async function pass(): Promise<PurgeCounts> {
    const started = Date.now();
    const total: PurgeCounts = { messages: 0, contents: 0, inbound: 0, webhooks: 0 };
    const cutoffs = { ...cutoffsAt(clock(), r), keepUnrouted: opts.config.webhooks.endpoints.length > 0 };
    if ([cutoffs.history, cutoffs.content, cutoffs.inbound, cutoffs.webhooks].every((c) => c === null)) return total;
    let steps = 0;
    while (!stopping) {
      const counts = await store.retention.purge(cutoffs, r.batch);
      steps++;
      for (const k of Object.keys(total) as (keyof PurgeCounts)[]) total[k] += counts[k];
      if (Object.values(counts).every((n) => n < r.batch)) break;
      await yieldToLoop();
    }
    if (Object.values(total).some((n) => n > 0)) {
      logger.info({ event: 'retention.purged', ...total, steps, duration_ms: Date.now() - started }, 'old history purged');
    }
    return total;
  }

  function runOnce(): Promise<PurgeCounts> {
    // One pass at a time: a timer firing during a long pass joins it instead of starting another.
    running ??= pass().finally(() => (running = null));
    return running;
  }

  function runLogged(): void {
    runOnce().catch((err: Error) =>
      logger.error({ event: 'retention.failed', err: err.message }, 'purging old history failed; it is retried at the next interval'),
    );
  }

  return {
    start() {
      runLogged();
      timer = setInterval(runLogged, r.interval_ms);
      timer.unref();
    },
    runOnce,
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
