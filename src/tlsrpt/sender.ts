/**
 * The daily TLS reports (RFC 8460 §4–5): after a UTC day ends (from `delivery.tls_reporting.send_hour_utc`),
 * each recipient domain with TLS sessions counted that day and a `_smtp._tls` record gets one report, to
 * every `rua` it names: `mailto:` as a mail through intake (origin `dsn`: mailtrail's own mail, the null
 * sender, no notices about it), `https:` as a POST of the gzipped JSON.
 *
 * Once per day and domain across every node: a node sends a report only after claiming its row in the
 * store (TlsReportStore.claim, one statement), so nodes racing on a domain send it once; a node that dies
 * while sending loses its claim at the lease's end. A report that reached no rua is tried once more at the
 * next run (hourly), then given up. Counts and report rows older than KEEP_DAYS are removed.
 */
import { randomBytes } from 'node:crypto';
import type { promises as dnsPromises } from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import type { Config } from '../config/schema.js';
import { ownMailEnvelope, type Intake } from '../intake/intake.js';
import type { Logger } from '../log/logger.js';
import { trustedCas } from '../routing/mta-sts.js';
import { createResolver } from '../routing/resolve.js';
import type { TlsSessionCount } from '../store/deliverability.js';
import type { Store } from '../store/store.js';
import { parseTlsRptRecords, type RecordLookup, type TlsRptRecord } from './record.js';
import { buildReport, composeReportMail, gzipReport, type ReportMeta } from './report.js';
import { utcDay } from './sessions.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A report not sent within this many days is not sent any more (a relay down that long). */
const CATCH_UP_DAYS = 3;
const KEEP_DAYS = 14;
const MAX_TRIES = 2;
const LEASE_MS = 10 * 60_000;

export interface TlsReporter {
  start(): void;
  /** One run now: every report due at `now` (tests, and the timer). Resolves with the reports sent. */
  runOnce(now?: number): Promise<{ domain: string; day: string; state: string }[]>;
  stop(): Promise<void>;
}

export interface TlsReporterOptions {
  config: Config;
  store: Pick<Store, 'tlsReports'>;
  intake: Intake;
  logger: Logger;
  /** Told when a report mail was queued (wakes the scheduler). */
  onEnqueued?: () => void;
  resolver?: Pick<dnsPromises.Resolver, 'resolveTxt' | 'resolve4' | 'resolve6'>;
  clock?: () => number;
  /** How often the timer looks for due reports (default hourly). */
  intervalMs?: number;
}

export function createTlsReporter(opts: TlsReporterOptions): TlsReporter {
  const { config, store, logger } = opts;
  const t = config.delivery.tls_reporting;
  const clock = opts.clock ?? Date.now;
  const resolver = opts.resolver ?? createResolver(config);
  const ca = trustedCas(config.delivery.test_only_ca_file);
  const owner = `${config.hostname}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const meta: ReportMeta = {
    organizationName: t.organization_name ?? config.hostname,
    contactInfo: t.contact_info ?? `postmaster@${config.hostname}`,
    submitter: config.hostname,
  };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<{ domain: string; day: string; state: string }[]> | null = null;

  /** The days whose reports are due at `now`: yesterday once send_hour_utc has come, and the few before. */
  function dueDays(now: number): string[] {
    const today = Date.parse(`${utcDay(now)}T00:00:00Z`);
    const sinceMidnight = now - today;
    const days: string[] = [];
    for (let n = 1; n <= CATCH_UP_DAYS; n++) if (n > 1 || sinceMidnight >= t.send_hour_utc * HOUR_MS) days.push(utcDay(today - n * DAY_MS));
    return days;
  }

  async function lookup(domain: string): Promise<RecordLookup> {
    try {
      return parseTlsRptRecords((await resolver.resolveTxt(`_smtp._tls.${domain}`)).map((r) => r.join('')));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EDNS';
      return { record: null, reason: code === 'ENOTFOUND' || code === 'ENODATA' ? 'no TXT record' : `TXT lookup failed (${code})` };
    }
  }

  async function sendOne(day: string, domain: string, counts: TlsSessionCount[], now: number, attempt: number): Promise<string> {
    const found = await lookup(domain);
    if (!found.record) {
      logger.info(
        { event: 'tlsrpt.no_record', domain, day, reason: found.reason },
        `no TLS report for ${domain} (${day}): _smtp._tls.${domain}: ${found.reason}`,
      );
      await store.tlsReports.finish({ day, domain, owner, now: clock(), state: 'no-report', reportId: null, note: found.reason });
      return 'no-report';
    }
    const report = buildReport(day, domain, counts, meta);
    const gzip = gzipReport(report);
    const id = report['report-id'];
    const sessions = counts.reduce((n, c) => n + c.sessions, 0);
    const done: string[] = [];
    const failed: string[] = [];
    for (const target of found.record.rua) {
      try {
        if (target.kind === 'https') {
          const status = await post(target.url, gzip);
          logger.info(
            { event: 'tlsrpt.sent', domain, day, report_id: id, rua: target.uri, status, count: sessions },
            `TLS report for ${domain} (${day}) posted to ${target.url}: HTTP ${status}`,
          );
        } else {
          const queued = await mail(target, report, gzip, day, domain, now);
          logger.info(
            { event: 'tlsrpt.sent', domain, day, report_id: id, rua: target.uri, queue_id: queued, count: sessions },
            `TLS report for ${domain} (${day}) queued to ${target.address} as ${queued}`,
          );
        }
        done.push(target.uri);
      } catch (err) {
        failed.push(`${target.uri}: ${(err as Error).message}`);
        logger.warn(
          { event: 'tlsrpt.failed', domain, day, report_id: id, rua: target.uri, err: (err as Error).message, attempt },
          `TLS report for ${domain} (${day}) to ${target.uri} failed: ${(err as Error).message}`,
        );
      }
    }
    // Sent when it reached one rua: trying again would send duplicates to the others.
    const state = done.length ? 'sent' : 'failed';
    await store.tlsReports.finish({
      day,
      domain,
      owner,
      now: clock(),
      state,
      reportId: id,
      note: [...done.map((d) => `sent: ${d}`), ...failed].join('; ').slice(0, 2000),
    });
    return state;
  }

  async function mail(
    target: Extract<TlsRptRecord['rua'][number], { kind: 'mailto' }>,
    report: ReturnType<typeof buildReport>,
    gzip: Buffer,
    day: string,
    domain: string,
    now: number,
  ): Promise<string> {
    const raw = composeReportMail({
      report,
      gzip,
      day,
      domain,
      meta,
      from: `"${meta.organizationName.replace(/["\\]/g, '')}" <tlsrpt-noreply@${config.hostname}>`,
      to: target.address,
      now,
    });
    const accepted = await opts.intake.accept(
      ownMailEnvelope(target.address, { tag: null, detail: { type: 'tls-report', report_id: report['report-id'], policy_domain: domain, day } }),
      raw,
    );
    opts.onEnqueued?.();
    return accepted.queueId;
  }

  /** POST with the report's media type; a 2xx is success. The host is resolved with delivery.dns_servers. */
  async function post(url: string, body: Buffer): Promise<number> {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    let ip = host;
    if (!net.isIP(host)) {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
      const ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (ips.length === 0) throw new Error(`${host} has no address`);
      ip = ips[0];
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: ip,
          port: u.port || 443,
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          servername: net.isIP(host) ? undefined : host,
          headers: { host: u.host, 'content-type': 'application/tlsrpt+gzip', 'content-length': body.length, 'user-agent': 'mailtrail' },
          ca,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
          agent: false,
          timeout: t.https_timeout_ms,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(status);
          else reject(new Error(`HTTP ${status}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${t.https_timeout_ms} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message)),
      );
      req.end(body);
    });
  }

  async function run(now: number) {
    const results: { domain: string; day: string; state: string }[] = [];
    for (const day of dueDays(now)) {
      const byDomain = new Map<string, TlsSessionCount[]>();
      for (const c of await store.tlsReports.sessionsOn(day)) byDomain.get(c.domain)?.push(c) ?? byDomain.set(c.domain, [c]);
      for (const [domain, counts] of byDomain) {
        const attempt = await store.tlsReports.claim({ day, domain, owner, now: clock(), leaseUntil: clock() + LEASE_MS, maxTries: MAX_TRIES });
        if (attempt === null) continue; // sent, given up, or another node has it
        results.push({ domain, day, state: await sendOne(day, domain, counts, now, attempt) });
      }
    }
    await store.tlsReports.forget(utcDay(now - KEEP_DAYS * DAY_MS));
    return results;
  }

  function runOnce(now = clock()) {
    // One run at a time: the timer firing during a long run joins it.
    running ??= run(now).finally(() => (running = null));
    return running;
  }

  return {
    runOnce,
    start() {
      if (!t.enabled || timer) return;
      const tick = () =>
        void runOnce().catch((err: Error) =>
          logger.error({ event: 'tlsrpt.run_failed', err: err.message }, `sending TLS reports failed: ${err.message}; tried again at the next run`),
        );
      timer = setInterval(tick, opts.intervalMs ?? HOUR_MS);
      timer.unref();
      tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}
