/**
 * Shared setup for delivery tests: a config pointed at a test DNS server with short timeouts, a job
 * builder, and a logger whose lines the tests can read (the `smtp.phase` log is part of the contract).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createDeliverer, type DelivererOptions } from '../../src/delivery/deliverer.js';
import type { Deliverer, DeliveryJob } from '../../src/delivery/types.js';
import type { NotifyKeyword } from '../../src/types.js';
import { schemaLogger, type Logger } from '../../src/log/logger.js';

export function testConfig(dnsAddress: string, delivery: Record<string, unknown> = {}): Config {
  return parseConfig({
    hostname: 'relay.mailtrail.test',
    delivery: {
      dns_servers: [dnsAddress],
      dns_timeout_ms: 900,
      connect_timeout_ms: 2_000,
      greeting_timeout_ms: 3_000,
      command_timeout_ms: 3_000,
      ...delivery,
    },
  });
}

let seq = 0;

export function testJob(opts: {
  domain: string;
  to: string[];
  raw?: Buffer | string;
  from?: string;
  notify?: NotifyKeyword[] | null;
  orcpt?: string | null;
  ret?: 'FULL' | 'HDRS' | null;
}): DeliveryJob {
  const n = ++seq;
  const raw = Buffer.isBuffer(opts.raw)
    ? opts.raw
    : Buffer.from(opts.raw ?? `From: app@sender.test\r\nTo: ${opts.to.join(', ')}\r\nSubject: test ${n}\r\nMessage-ID: <m${n}@sender.test>\r\n\r\nHello.\r\n`);
  return {
    message: {
      id: n,
      queueId: `QTEST${n}X${process.pid}`,
      messageId: `m${n}@sender.test`,
      messageIdAdded: false,
      mailFrom: opts.from ?? 'app@sender.test',
      username: 'app',
      clientIp: '127.0.0.1',
      clientHostname: null,
      tls: null,
      size: raw.length,
      sha256: '',
      tag: null,
      envId: null,
      ret: opts.ret ?? null,
      origin: 'submission',
      createdAt: Date.now(),
    },
    raw,
    domain: opts.domain,
    envelopeFrom: opts.from ?? 'app@sender.test',
    recipients: opts.to.map((address, i) => ({ id: n * 100 + i, address, notify: opts.notify ?? null, orcpt: opts.orcpt ?? null, attempt: 1 })),
  };
}

/** A pino logger writing JSON lines into an array. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: schemaLogger(pino({ level: 'info' }, stream)), lines };
}

export function testDeliverer(config: Config, logger = captureLogger().logger, extra: Partial<DelivererOptions> = {}): Promise<Deliverer> {
  return Promise.resolve(createDeliverer({ config, logger, ...extra }));
}
