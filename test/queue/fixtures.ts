/**
 * Shared setup for the queue's tests: a real SQLite store in a temp dir, messages enqueued the way
 * intake does it, a controllable clock, and a fake Deliverer (the queue's unit boundary: the scheduler
 * tests check claiming, grouping and limits; the end-to-end tests use the real deliverer and sockets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Classification } from '../../src/classify/types.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { AttemptReport, Deliverer, DeliveryJob, RecipientOutcome } from '../../src/delivery/types.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { EnqueuedMessage } from '../../src/store/store.js';
import type { NotifyKeyword } from '../../src/types.js';
import type { Clock } from '../../src/queue/scheduler.js';
import { newMessage } from '../helpers/new-message.js';

export const T0 = Date.UTC(2030, 0, 1);

export function tempStore(): { store: SqliteStore; dir: string; path: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-queue-'));
  const file = path.join(dir, 'q.db');
  const store = openSqliteStore({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 5_000 });
  return {
    store,
    dir,
    path: file,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let seq = 0;
export async function enqueue(
  store: SqliteStore,
  opts: { from?: string; to: string[]; createdAt?: number; notify?: NotifyKeyword[] | null; raw?: string },
): Promise<EnqueuedMessage> {
  const n = ++seq;
  return store.messages.enqueue(
    newMessage({
      messageId: `m${n}.${process.pid}@sender.test`,
      mailFrom: opts.from ?? 'app@sender.test',
      createdAt: opts.createdAt ?? T0,
      raw:
        opts.raw ??
        `From: app@sender.test\r\nTo: ${opts.to.join(', ')}\r\nSubject: test ${n}\r\nMessage-ID: <m${n}.${process.pid}@sender.test>\r\n\r\nHello.\r\n`,
      recipients: opts.to.map((address) => ({ address, notify: opts.notify ?? null })),
    }),
  );
}

export function testConfig(delivery: Record<string, unknown> = {}, bounces: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    database: { path: ':memory:' },
    delivery: {
      poll_interval_ms: 50,
      lease_ms: 60_000,
      ...delivery,
      retry: { min_delay_ms: 60_000, max_delay_ms: 3_600_000, jitter: 0, ...(delivery.retry as object) },
    },
    bounces,
  });
}

/** A clock the test moves by hand; sleep resolves at once (the loop is not used with it). */
export function manualClock(start = T0): Clock & { t: number; advance(ms: number): void } {
  const c = {
    t: start,
    now: () => c.t,
    advance: (ms: number) => {
      c.t += ms;
    },
    sleep: async () => {},
  };
  return c;
}

export const accepted: Classification = { category: 'accepted', permanent: null, hard: false, enhanced: '2.0.0', explanation: 'Accepted.', rule: 'code:250' };
export const greylisted: Classification = {
  category: 'greylisted',
  permanent: false,
  hard: false,
  enhanced: '4.7.1',
  explanation: 'Greylisted.',
  rule: 'code:451',
};
export const rateLimited: Classification = {
  category: 'rate-limited',
  permanent: false,
  hard: false,
  enhanced: '4.7.0',
  explanation: 'Too fast.',
  rule: 'code:421',
};
export const unknownUser: Classification = {
  category: 'mailbox-unknown',
  permanent: true,
  hard: true,
  enhanced: '5.1.1',
  explanation: 'No such user.',
  rule: 'enhanced:5.1.1',
};

export type Verdict = 'delivered' | 'deferred' | 'bounced' | 'throttled';

/**
 * A Deliverer that answers from a function of (job, recipient address) and records every job and the
 * highest number of simultaneous calls, overall and per domain.
 */
export function fakeDeliverer(
  decide: (address: string, job: DeliveryJob) => Verdict = () => 'delivered',
  /** `dsn`: the next hop offers DSN (the MAIL phase carries ENVID, as the real deliverer's does). */
  opts: { delayMs?: number; dsn?: boolean } = {},
) {
  let running = 0;
  const runningByDomain = new Map<string, number>();
  const stats = { jobs: [] as DeliveryJob[], maxConcurrent: 0, maxPerDomain: new Map<string, number>(), startedWith: [] as number[] };
  const deliverer: Deliverer & { stats: typeof stats } = {
    stats,
    async deliver(job: DeliveryJob): Promise<AttemptReport> {
      stats.jobs.push(job);
      running++;
      runningByDomain.set(job.domain, (runningByDomain.get(job.domain) ?? 0) + 1);
      stats.maxConcurrent = Math.max(stats.maxConcurrent, running);
      stats.startedWith.push(runningByDomain.get(job.domain)!);
      stats.maxPerDomain.set(job.domain, Math.max(stats.maxPerDomain.get(job.domain) ?? 0, runningByDomain.get(job.domain)!));
      const startedAt = Date.now();
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 5));
      running--;
      runningByDomain.set(job.domain, runningByDomain.get(job.domain)! - 1);
      let throttled = false;
      const recipients: RecipientOutcome[] = job.recipients.map((r) => {
        const v = decide(r.address, job);
        if (v === 'throttled') throttled = true;
        const [outcome, code, enhanced, text, classification]: [RecipientOutcome['outcome'], number, string, string, Classification] =
          v === 'delivered'
            ? ['delivered', 250, '2.0.0', 'Ok: queued', accepted]
            : v === 'bounced'
              ? ['bounced', 550, '5.1.1', 'No such user', unknownUser]
              : v === 'throttled'
                ? ['deferred', 421, '4.7.0', 'Too many connections, slow down', rateLimited]
                : ['deferred', 451, '4.7.1', 'Greylisted, try later', greylisted];
        return {
          recipientId: r.id,
          outcome,
          phase: outcome === 'delivered' ? 'data' : 'rcpt',
          code,
          enhanced,
          text,
          remoteHost: `mx.${job.domain}`,
          remoteIp: '127.0.4.1',
          classification,
        };
      });
      return {
        startedAt,
        finishedAt: Date.now(),
        domain: job.domain,
        phases: [
          { phase: 'connect', at: startedAt, durationMs: 1, code: 220, enhanced: null, text: 'ready', remoteHost: `mx.${job.domain}`, remoteIp: '127.0.4.1' },
          ...(opts.dsn
            ? [
                {
                  phase: 'mail' as const,
                  at: startedAt,
                  durationMs: 1,
                  code: 250,
                  enhanced: '2.1.0',
                  text: 'Ok',
                  remoteHost: `mx.${job.domain}`,
                  remoteIp: '127.0.4.1',
                  detail: { command: `MAIL FROM:<${job.envelopeFrom}> ENVID=${job.message.queueId}` },
                },
              ]
            : []),
          ...job.recipients.map((r, i) => ({
            phase: 'rcpt' as const,
            at: startedAt,
            durationMs: 1,
            code: recipients[i].code,
            enhanced: recipients[i].enhanced,
            text: recipients[i].text,
            remoteHost: `mx.${job.domain}`,
            remoteIp: '127.0.4.1',
            recipientId: r.id,
          })),
        ],
        recipients,
        mx: `mx.${job.domain}`,
        ip: '127.0.4.1',
        throttled,
      };
    },
    unresponsive: () => [],
    async close() {},
  };
  return deliverer;
}

/** A pino-compatible logger that keeps the objects it is given. */
export function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = (level: string) => (obj: unknown, msg?: string) => {
    if (typeof obj === 'object' && obj) lines.push({ level, ...(obj as object), msg });
  };
  const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), child: () => logger } as never;
  return { logger, lines };
}
