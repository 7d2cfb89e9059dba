/**
 * The delivery side of the relay, wired once: deliverer (with MTA-STS when enabled), the DSN notifier
 * (its notices go through intake) and the scheduler. The delivery thread (delivery-worker.ts) and the
 * single-thread relay (main.ts, `delivery.worker_thread: false`) both build it here.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { classify } from '../classify/index.js';
import type { Config } from '../config/schema.js';
import { createDeliverer } from '../delivery/deliverer.js';
import type { Deliverer } from '../delivery/types.js';
import { createNotifier } from '../dsn/notifier.js';
import type { Notifier } from '../dsn/types.js';
import { configuredIntake } from '../intake/configured.js';
import type { Logger } from '../log/logger.js';
import { createMtaSts } from '../routing/mta-sts.js';
import type { Store } from '../store/store.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { sharedHostSlots } from './host-slots.js';

export interface DeliverySide {
  deliverer: Deliverer;
  scheduler: Scheduler;
  notifier: Notifier | null;
}

/** The DSN notifier as the relay runs it; `onEnqueued` wakes whoever delivers. */
export function relayNotifier(deps: { config: Config; store: Store; logger: Logger; onEnqueued: () => void }): Notifier | null {
  const { config, store, logger } = deps;
  if (!config.delivery.dsn.enabled) return null;
  const intake = configuredIntake({ config, store, logger });
  return createNotifier({ config, store, intake, logger, explain: (input) => classify(input).explanation || null, onEnqueued: deps.onEnqueued });
}

export function createDeliverySide(deps: { config: Config; store: Store; logger: Logger; onUnresponsiveChange?: () => void }): DeliverySide {
  const { config, store, logger } = deps;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  // Several relays on one PostgreSQL database share their destination limits through it; a SQLite
  // database has one relay delivering, whose own counts are the limits.
  const shared = config.database.backend === 'postgres' ? store.destinations : null;
  const hostSlots = shared ? sharedHostSlots({ config, shared, owner }) : undefined;
  const deliverer = createDeliverer({
    config,
    logger,
    hostSlots,
    onUnresponsiveChange: deps.onUnresponsiveChange,
    mtaSts: config.delivery.mta_sts.enabled ? createMtaSts({ config, store: store.mtaSts, logger }) : null,
  });
  let scheduler: Scheduler | null = null;
  const notifier = relayNotifier({ config, store, logger, onEnqueued: () => scheduler?.wake() });
  scheduler = createScheduler({ config, store, deliverer, notifier, logger, owner, destinations: shared, wakeups: store.wakeups });
  return { deliverer, scheduler, notifier };
}
