/**
 * Wiring of the bounce side: the processor first (it takes over rows a previous run stored but did not
 * process), then the listener that feeds it.
 */
import type { AddressInfo } from 'node:net';
import { classify } from '../classify/index.js';
import type { Config } from '../config/schema.js';
import type { Notifier } from '../dsn/types.js';
import type { Logger } from '../log/logger.js';
import type { RefusalCounters } from '../listener/refusal-counters.js';
import type { Store } from '../store/store.js';
import { createInboundListener } from './listener.js';
import { createParseThread, type ParseThread } from './parse-thread.js';
import { InboundProcessor, type ExplainFn, type ParseFn } from './processor.js';
import { verpDomainFor } from '../queue/jobs.js';
import type { ParsedRecipient } from './types.js';

export interface BouncesOptions {
  config: Pick<Config, 'hostname' | 'bounces' | 'delivery'>;
  store: Store;
  logger: Logger;
  /**
   * The bounce parser; by default src/bounces/parse in a worker thread under bounces.parse_timeout_ms
   * and parse_memory_mb (tests may run it in this thread, or replace it).
   */
  parse?: ParseFn;
  /** The sentence recorded as `explanation`; the classifier's by default. */
  explain?: ExplainFn;
  /** Tells senders about late bounces (src/dsn); none: senders learn them only through mailtrail. */
  notifier?: Pick<Notifier, 'finalFailure' | 'delayWarning'> | null;
  /** The listener's refusals, counted for /metrics. */
  refusals?: RefusalCounters;
}

export interface RunningBounces {
  address: AddressInfo;
  processor: InboundProcessor;
  close(): Promise<void>;
}

export function createProcessor(
  opts: Omit<BouncesOptions, 'config' | 'parse'> & { config: Pick<Config, 'bounces' | 'delivery'>; parse: ParseFn },
): InboundProcessor {
  const b = opts.config.bounces;
  return new InboundProcessor({
    store: opts.store,
    logger: opts.logger,
    parse: opts.parse,
    explain: opts.explain ?? explainWithClassifier,
    verpSecret: b.verp_secret,
    correlationWindowMs: b.correlation_window_ms,
    suppressOn: b.suppress_on,
    limits: { maxParts: b.max_mime_parts, maxDepth: b.max_mime_depth, maxRecipients: b.max_report_recipients },
    notifier: opts.notifier ?? null,
    sentWithVerp: (message) => verpDomainFor(message, opts.config) !== null,
  });
}

/** The parser off the SMTP thread, under the configured time and memory limits. */
export function createBounceParseThread(config: Pick<Config, 'bounces'>): ParseThread {
  return createParseThread({ timeoutMs: config.bounces.parse_timeout_ms, memoryMb: config.bounces.parse_memory_mb });
}

export async function startBounces(opts: BouncesOptions): Promise<RunningBounces> {
  const domains = Object.values(opts.config.delivery.bounce_domains);
  if (domains.length === 0) {
    opts.logger.warn(
      { event: 'inbound.config' },
      'delivery.bounce_domains is empty: the bounce listener refuses every recipient; map sending domains to a bounce domain',
    );
  } else if (!opts.config.bounces.verp_secret) {
    opts.logger.warn(
      { event: 'inbound.config' },
      'bounces.verp_secret is not set: only role addresses are accepted and bounces cannot be matched by VERP token',
    );
  }
  const thread = opts.parse ? null : createBounceParseThread(opts.config);
  const processor = createProcessor({ ...opts, parse: opts.parse ?? thread!.parse });
  await processor.recover();
  const listener = createInboundListener({
    config: opts.config,
    store: opts.store,
    logger: opts.logger,
    refusals: opts.refusals,
    onStored: (id, raw) => processor.enqueue(id, raw),
  });
  // Rows taken over by recover() may still be in work: let them finish before the caller closes the store.
  const address = await listener.listen().catch(async (err: unknown) => {
    await processor.idle();
    await thread?.close();
    throw err;
  });
  opts.logger.info({ event: 'inbound.listening', host: address.address, port: address.port }, 'bounce listener ready');
  return {
    address,
    processor,
    async close() {
      await listener.close();
      await processor.idle();
      await thread?.close();
    },
  };
}

/**
 * The explanation of the parser's own reading (the line that decided, at the stage the notice states, the
 * recipient's own domain read as a name), else the same words a synchronous reply gets (src/classify) for the
 * status the report gave.
 */
export function explainWithClassifier(p: ParsedRecipient): string | null {
  if (p.explanation) return p.explanation;
  if (!p.status && !p.diagnostic && p.reply_code == null) return null;
  return classify({ phase: 'dsn', code: p.reply_code ?? null, enhanced: p.status, text: p.diagnostic }).explanation || null;
}
