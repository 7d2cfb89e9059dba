/**
 * The relay in one process: wires the parts (submission → intake → queue → delivery; bounces; API)
 * and owns their start and stop order. Each part knows nothing of the others beyond the interfaces
 * passed here, as Postfix's daemons know each other only through the queue.
 */
import { createApi } from './api/app.js';
import { startBounces, type RunningBounces } from './bounces/index.js';
import type { Config } from './config/schema.js';
import { runDoctor } from './doctor/index.js';
import type { Deliverer } from './delivery/types.js';
import { configuredIntake } from './intake/configured.js';
import type { Intake } from './intake/intake.js';
import { createLogDestination, reopenLogFiles, createLogger, type Logger } from './log/logger.js';
import type { LogLine } from './log/records.js';
import { createMetrics } from './metrics/metrics.js';
import { createRefusalCounters } from './metrics/refusals.js';
import { startDeliveryThread, type DeliveryThread } from './queue/delivery-thread.js';
import { createQueueControl } from './queue/control.js';
import { createDeliverySide, relayNotifier } from './queue/delivery-side.js';
import type { Scheduler } from './queue/scheduler.js';
import { suppressionList } from './suppression/list.js';
import { createWebhooks } from './webhooks/index.js';
import { createPurger } from './retention/purger.js';
import { createTlsReporter } from './tlsrpt/sender.js';
import { openStore, shareStore } from './store/index.js';
import type { Store } from './store/store.js';
import { startSubmission, type Submission } from './submission/listener.js';
import { registerWebUi } from './web/index.js';
import { describeDatabase } from './config/database.js';
import { placeholderSecrets } from './config/placeholders.js';

/** A part could not start (port taken, certificate unreadable…): the message says what to change. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface RelayOptions {
  /** Shown in the start line, so ops know which file is in force. */
  configFile?: string | null;
  /** Replaces the stdout logger (tests). */
  logger?: Logger;
  /** How long stop() lets running deliveries finish before aborting them (default 30 s). */
  stopTimeoutMs?: number;
}

export interface Relay {
  logger: Logger;
  store: Store;
  submission: Submission | null;
  bounces: RunningBounces | null;
  api: { host: string; port: number } | null;
  scheduler: Scheduler | null;
  stop(): Promise<void>;
  /** SIGHUP: `log.file` opened again at its path (log rotation) and the submission certificate read again. */
  reload(): Promise<void>;
}

export async function startRelay(config: Config, options: RelayOptions = {}): Promise<Relay> {
  const destination = options.logger ? null : createLogDestination(config);
  const logger = options.logger ?? createLogger(config, destination!);
  // The delivery thread's finished lines (a batch of whole lines): to the same destination, or re-logged
  // one by one through a given logger.
  const writeLine = (lines: string) => {
    if (destination) return void destination.write(lines);
    for (const line of lines.split('\n')) {
      if (line.trim() === '') continue;
      try {
        // A line the delivery thread already wrote to the schema: passed on as it is.
        const { level, msg, time: _time, ...fields } = JSON.parse(line) as { level: string; msg?: string; time?: string } & LogLine;
        (logger[level as 'info'] ?? logger.info).call(logger, fields as LogLine, msg);
      } catch {
        logger.info({ event: 'queue.log' }, line.trim());
      }
    }
  };
  const threaded = config.delivery.enabled && config.delivery.worker_thread;
  const shared = threaded ? shareStore(config) : null;
  const store = await openStore(config, { role: threaded ? 'submission' : 'single' });
  // Stops run in reverse order of starts, so a failure half-way leaves nothing listening or locked.
  const stops: (() => Promise<void>)[] = [
    async () => {
      await store.close();
      shared?.unshare();
    },
  ];
  /** Stops every part, each whatever the others did; rejects at the end when one failed (exit status 1). */
  const stopAll = async () => {
    const failures: string[] = [];
    for (const stop of stops.reverse().splice(0)) {
      try {
        await stop();
      } catch (err) {
        failures.push((err as Error).message);
        logger.error({ event: 'relay.stop_failed', err: (err as Error).message }, 'error while stopping a part');
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
  };

  try {
    // Delivery runs in its own thread (delivery.worker_thread, the default) or in this one.
    let scheduler: Scheduler | null = null;
    let thread: DeliveryThread | null = null;
    let deliverer: Deliverer | null = null;
    const wake = () => {
      scheduler?.wake();
      thread?.wake();
    };
    // Late bounces processed in this thread write their DSNs here.
    const notifier = relayNotifier({ config, store, logger, onEnqueued: wake });
    if (config.delivery.enabled && !config.delivery.worker_thread) {
      const side = createDeliverySide({ config, store, logger });
      deliverer = side.deliverer;
      scheduler = side.scheduler;
      const d = deliverer;
      stops.push(() => d.close());
      const s = scheduler;
      stops.push(() => s.stop(options.stopTimeoutMs ?? 30_000));
      // Started only once every listener is bound (below): a second instance that fails on a taken port
      // must not have begun delivering the queue it shares.
    } else if (!config.delivery.enabled) {
      logger.warn({ event: 'relay.config' }, 'delivery.enabled is false: mail is accepted and queued but not delivered');
    }
    for (const key of placeholderSecrets(config))
      logger.warn(
        { event: 'relay.config' },
        `${key} is still the example config's placeholder, which anyone can read: set a random one (openssl rand -hex 32)`,
      );
    // TLS reports by mail come from tlsrpt-noreply@<hostname>; RFC 8460 §5.3 has receivers ignore one without a DKIM signature.
    if (config.delivery.tls_reporting.enabled && config.dkim.enabled) {
      const own = config.hostname.toLowerCase();
      const fallback = config.dkim.fallback_domain?.toLowerCase() ?? null;
      const domains = new Set([
        ...config.dkim.keys.map((k) => k.domain.toLowerCase()),
        ...(await store.dkimKeys.list()).filter((k) => k.active).map((k) => k.domain),
      ]);
      if (!domains.has(own) && !(fallback && domains.has(fallback)))
        logger.warn(
          { event: 'relay.config' },
          `delivery.tls_reporting is on but there is no DKIM key for ${own} (the reports' From domain) nor a dkim.fallback_domain with one: receivers ignore unsigned TLS reports (RFC 8460 §5.3). Run: mailtrail dkim keygen ${own}`,
        );
    }

    const inner = configuredIntake({ config, store, logger });
    const intake: Intake = {
      async accept(envelope, raw) {
        const accepted = await inner.accept(envelope, raw);
        wake();
        return accepted;
      },
    };

    // Made before the listeners, served by the metrics below: refusals at start-up are counted too.
    const refusals = createRefusalCounters();
    // Placed on the feed before any listener starts: the bounce listener's start-up recovery processes mail
    // stored before a crash at once, and what it writes before the metrics' cursors are placed is never counted.
    // Delivery's list of addresses that stopped answering: the thread's (as it last said) or this thread's own.
    const unresponsive = () => thread?.unresponsive() ?? deliverer?.unresponsive() ?? [];
    const metrics = config.api.enabled ? createMetrics({ store, logger, refusals, unresponsive }) : null;
    if (metrics) {
      await metrics.start();
      stops.push(() => metrics.stop());
    }
    let submission: Submission | null = null;
    if (config.submission.starttls.enabled || config.submission.implicit_tls.enabled) {
      submission = await startSubmission({ config, store, logger, intake, refusals }).catch(startupError);
      const s = submission;
      stops.push(() => s.close());
    }

    let bounces: RunningBounces | null = null;
    if (config.bounces.enabled && config.bounces.listener.enabled) {
      bounces = await startBounces({ config, store, logger, notifier, refusals }).catch(startupError);
      const b = bounces;
      stops.push(() => b.close());
    }

    let api: { host: string; port: number } | null = null;
    if (config.api.enabled && metrics) {
      const queueControl = createQueueControl({ store, wake });
      const suppressions = suppressionList(store);
      const server = createApi({
        store,
        config,
        logger,
        queueControl,
        suppressions,
        metrics,
        refusals,
        unresponsive,
        doctor: (domains) => runDoctor({ config, store, domains }),
      });
      // The support page: same server, same tokens, the same actions object as the API's routes.
      if (config.api.ui.enabled)
        registerWebUi(server.app, { store, config, logger, actions: server.actions, suppressions, credentialFailures: server.credentialFailures, refusals });
      stops.push(() => server.close());
      api = await server
        .listen()
        .catch((err: Error) =>
          startupError(
            new Error(
              `cannot listen on ${config.api.host}:${config.api.port} for the API: ${err.message}. Change api.host/api.port or set api.enabled: false.`,
            ),
          ),
        );
    }

    // Webhooks follow the event feed; they do nothing when no endpoint is configured.
    const webhooks = createWebhooks({ config, store, logger });
    stops.push(() => webhooks.stop());
    webhooks.start();

    // Retention: old history goes in small steps, first right after start.
    const purger = createPurger({ config, store, logger });
    stops.push(() => purger.stop());

    // TLS reports (RFC 8460): daily, once per domain across the nodes; the mails go through intake.
    const tlsReporter = config.delivery.tls_reporting.enabled ? createTlsReporter({ config, store, intake, logger }) : null;
    if (tlsReporter) stops.push(() => tlsReporter.stop());

    if (config.delivery.enabled && config.delivery.worker_thread) {
      thread = await startDeliveryThread({ config, logger, writeLine, share: shared!.share }).catch(startupError);
      const t = thread;
      // Stopped right before the store closes, after the listeners: no new mail, then finish deliveries.
      stops.splice(1, 0, () => t.stop(options.stopTimeoutMs ?? 30_000));
    }
    scheduler?.start();
    purger.start();
    tlsReporter?.start();
    const users = await store.users.count();
    logger.info(
      {
        event: 'relay.started',
        config_file: options.configFile ?? null,
        database: describeDatabase(config.database),
        submission: submission?.addresses ?? null,
        bounces: bounces ? bounces.address : null,
        api,
        delivery: config.delivery.enabled,
      },
      'mailtrail relay started',
    );
    if (users === 0 && submission) {
      // Quoted for the shell when it needs it: the line is meant to be pasted.
      const configArg = options.configFile
        ? ` --config ${/^[\w./@%+=:,-]+$/.test(options.configFile) ? options.configFile : `'${options.configFile.replace(/'/g, "'\\''")}'`}`
        : '';
      const hint = `no users yet: nobody can submit mail. Add one with: mailtrail users add NAME --domains example.com${configArg}`;
      logger.warn({ event: 'relay.no_users' }, hint);
    }

    let stopped: Promise<void> | null = null;
    return {
      logger,
      store,
      submission,
      bounces,
      api,
      scheduler,
      stop() {
        stopped ??= stopAll().then(() => logger.info({ event: 'relay.stopped' }, 'mailtrail relay stopped'));
        return stopped;
      },
      async reload() {
        // Each on its own: a certificate that does not load must not keep the log from being reopened.
        let reopened = 0;
        try {
          reopened = reopenLogFiles();
        } catch (err) {
          logger.error({ event: 'relay.reload_failed', err: (err as Error).message }, 'log.file could not be opened again; logging goes on to the old file');
        }
        let certificate: { certPath: string | null; notAfter: string | null } = { certPath: null, notAfter: null };
        try {
          certificate = (await submission?.reloadCertificate()) ?? certificate;
        } catch (err) {
          logger.error(
            { event: 'relay.reload_failed', err: (err as Error).message },
            'the submission certificate could not be read again; the one loaded before stays in use',
          );
        }
        logger.info(
          { event: 'relay.reloaded', reopened_logs: reopened, certificate: certificate.certPath, not_after: certificate.notAfter },
          `reloaded: ${reopened ? 'log.file reopened' : 'no log.file'}${certificate.certPath ? `, certificate ${certificate.certPath} (valid until ${certificate.notAfter})` : ''}`,
        );
      },
    };
  } catch (err) {
    // The start-up error is the one to report; a part that also failed to stop was logged.
    await stopAll().catch(() => {});
    throw err;
  }
}

function startupError(err: Error): never {
  throw err instanceof StartupError ? err : new StartupError(err.message);
}
