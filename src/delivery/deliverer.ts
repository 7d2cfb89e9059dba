/**
 * One delivery attempt (Postfix's smtp): resolve the route, try its hosts in order until one gives a
 * definite answer to the transaction, and report every phase and one outcome per recipient. Writes
 * nothing: the queue records the report.
 *
 * Host stepping (RFC 5321 §5.1): the next host/address is tried after a connection failure or
 * timeout, a non-2xx greeting, a 4xx EHLO/HELO, a STARTTLS failure, or a network error before the
 * reply to MAIL. The first reply to MAIL ends the stepping: from then on the answer is definite.
 * When no host answered definitely, the last host's failure decides (5xx → bounced, else deferred).
 *
 * TLS under `opportunistic` (RFC 7435): certificates are not verified; when the TLS handshake itself
 * fails, the same address is tried once more in cleartext (as Postfix does for `may`), because a
 * broken TLS stack at the receiver must not stop mail that policy allows in cleartext. A server that
 * refuses STARTTLS with a reply is simply continued with in cleartext. Under `required`, no STARTTLS
 * or a failed handshake is a temporary failure (4.7.10) of that host, and the next one is tried.
 */
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { classify } from '../classify/classify.js';
import { replyNamesToMask, type OwnDomain } from '../classify/own-domain.js';
import type { Classification, ResponseInput } from '../classify/types.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { cachingResolver, type DnsResolver } from '../routing/dns-cache.js';
import { createMtaSts, trustedCas, type HostRule, type MtaSts, type StsPlan } from '../routing/mta-sts.js';
import { createResolver, resolveRoute, type Route, type RouteHost } from '../routing/resolve.js';
import { ConnectionPool, type Acquired } from './pool.js';
import {
  asNetworkError,
  authenticate,
  elapsed,
  greet,
  phaseAt,
  sayHello,
  upgradeTls,
  type StepFailure,
  type TlsPolicy,
  type Verdict,
} from './session-steps.js';
import { SmtpClient, SmtpNetworkError } from './smtp-client.js';
import { UnresponsiveHosts, type Opening, type Skip } from './unresponsive-hosts.js';
import { STOPPING, tooManyRecipients, transaction, type HostResult, type ReuseCheck, type TransactionContext } from './transaction.js';
import type { AttemptReport, Deliverer, DeliveryJob, DeliveryRecipient, PhaseRecord, RecipientOutcome } from './types.js';

export interface DelivererOptions {
  config: Pick<Config, 'hostname' | 'delivery'>;
  logger: Logger;
  /** Wall clock for `at` timestamps (durations use a monotonic clock). */
  clock?: () => number;
  /** Defaults to a caching resolver built from `delivery.dns_servers` and `delivery.dns_cache_ms`. */
  resolver?: DnsResolver;
  /** Defaults to src/classify's classify(). */
  classify?: (input: ResponseInput) => Classification;
  /** How long an idle connection is kept for reuse (default 5 s). */
  idleMs?: number;
  /** MTA-STS policies (src/routing/mta-sts.ts). Default: one caching in this process when delivery.mta_sts.enabled; null: off. */
  mtaSts?: MtaSts | null;
  /**
   * The per-address limit across every relay on the database (delivery.max_connections_per_host is kept
   * in this process by the pool, and there for all of them together). None given: this relay's count is
   * the only one.
   */
  hostSlots?: HostSlots;
  /** Told when an address stops answering or answers again (`unresponsive()` has the list). */
  onUnresponsiveChange?: () => void;
}

export interface HostSlots {
  /**
   * A shared slot for a new connection to `ip`: its holder; null when the address stayed at its limit for
   * `timeoutMs`; `{ own }` when the address is at its limit and this relay holds `own` of its slots (the
   * session waits for one of those rather than for the database).
   */
  take(ip: string, limit: number, opts: { timeoutMs: number; signal?: AbortSignal; stopping?: AbortSignal }): Promise<string | null | { own: number }>;
  give(holder: string): void;
  /** `cap` is called when this relay should keep at most `max` connections to `ip` for `forMs` (another relay waits). */
  watch?(cap: (ip: string, max: number, forMs: number) => void): void;
}

/** How long a session waits for the relay's own connections to a full address before it asks the database again. */
const OWN_CONNECTIONS_MS = 1_000;

/** How long the 221 to QUIT is awaited after a transaction: the outcome is known already. */
const QUIT_TIMEOUT_MS = 10_000;
const RATE_WORDING = /too many (connections|messages|recipients)|rate.?limit|throttl|slow down|try again later.{0,40}(rate|volume)/i;

export function createDeliverer(options: DelivererOptions): Deliverer {
  // One resolver for the deliverer's life, behind the answer cache: a resolver per delivery costs a
  // c-ares channel each time, and the same domains come back all day.
  const resolver = options.resolver ?? cachingResolver(createResolver(options.config), options.config.delivery.dns_cache_ms);
  const { config, logger } = options;
  const d = config.delivery;
  const clock = options.clock ?? Date.now;
  const classifyReply = options.classify ?? classify;
  const mtaSts = options.mtaSts !== undefined ? options.mtaSts : d.mta_sts.enabled ? createMtaSts({ config, store: null, logger }) : null;
  const ca = trustedCas(d.test_only_ca_file);
  const pool = new ConnectionPool({ idleMs: options.idleMs ?? 5_000, maxPerHost: d.max_connections_per_host, close: (client) => client.quit(2_000) });
  const unresponsive = new UnresponsiveHosts({
    holdMs: d.unresponsive_hosts.hold_ms,
    stalledAfterMs: d.unresponsive_hosts.stalled_after_ms,
    // The probe's own time to answer: a connect, then a greeting.
    probeMs: d.connect_timeout_ms + d.greeting_timeout_ms,
    now: clock,
    // The moments an operator wants to see (and alert on): a server stopped answering, and answers again.
    onChange: (c) => {
      const at = c.address.lastIndexOf(':');
      const where = { ip: c.address.slice(0, at), port: Number(c.address.slice(at + 1)) };
      if (c.kind === 'held')
        logger.warn(
          { event: 'delivery.host_unresponsive', ...where, text: c.why, strikes: c.strikes, held_until: new Date(c.until).toISOString() },
          `${c.address} did not answer (${c.why}): not tried until ${new Date(c.until).toISOString()}`,
        );
      else
        logger.info(
          { event: 'delivery.host_answered', ...where, duration_ms: clock() - c.heldSince },
          `${c.address} answers again after ${Math.round((clock() - c.heldSince) / 1000)} s`,
        );
      options.onUnresponsiveChange?.();
    },
  });
  options.hostSlots?.watch?.((ip, max, forMs) => pool.cap(ip, max, forMs));

  async function deliver(job: DeliveryJob, signal?: AbortSignal, stopping?: AbortSignal): Promise<AttemptReport> {
    const startedAt = clock();
    const phases: PhaseRecord[] = [];
    const attemptNo = Math.max(...job.recipients.map((r) => r.attempt));

    // The dns phase's log line waits until the attempt goes on (a connection opened or reused, or another phase
    // recorded): a job given back unattempted because its first address's queue is full (`hostBusy`) is claimed
    // again within a second, and would log its lookup each time.
    let heldLine: (() => void) | null = null;
    const flush = () => {
      heldLine?.();
      heldLine = null;
    };
    const record = (p: PhaseRecord, recipient?: DeliveryRecipient) => {
      phases.push(p);
      flush();
      const line = () =>
        logger.info(
          {
            event: 'smtp.phase',
            queue_id: job.message.queueId,
            message_id: job.message.messageId,
            recipient: recipient?.address,
            domain: job.domain,
            phase: p.phase,
            code: p.code,
            enhanced: p.enhanced,
            text: p.text,
            error: p.error ?? undefined,
            mx: p.remoteHost,
            ip: p.remoteIp,
            port: (p.detail?.port as number | undefined) ?? undefined,
            duration_ms: p.durationMs,
            attempt: recipient?.attempt ?? attemptNo,
            tag: job.message.tag,
          },
          `${p.phase} ${p.code ?? p.error ?? ''}`.trim(),
        );
      if (p.phase === 'dns') heldLine = line;
      else line();
    };

    // The recipients' own domain in a reply ("554 5.7.1 mx.timeout.com: message rejected"), the domain of the
    // host that answered and our envelope sender's ("553 sender domain bounces.timeout-shop.com does not exist")
    // are names, not the server's words (classify/own-domain.ts); the text recorded stays as received. One mask
    // per answering host (usually one per attempt).
    const senderDomain = job.envelopeFrom.includes('@') ? job.envelopeFrom.slice(job.envelopeFrom.lastIndexOf('@') + 1) : null;
    const masks = new Map<string | null, OwnDomain | null>();
    const maskFor = (remoteHost: string | null): OwnDomain | null => {
      let m = masks.get(remoteHost);
      if (m === undefined) masks.set(remoteHost, (m = replyNamesToMask(job.domain, remoteHost, senderDomain)));
      return m;
    };
    const finish = (verdicts: Map<number, Verdict> | Verdict): AttemptReport => {
      flush();
      const recipients: RecipientOutcome[] = job.recipients.map((r) => {
        const v = verdicts instanceof Map ? verdicts.get(r.id)! : verdicts;
        // Delivered only on the server's 2xx after the message; a 2xx in place of DATA's 354 (temporary) is not.
        const outcome: RecipientOutcome['outcome'] =
          v.code !== null && v.code >= 200 && v.code < 300 && v.phase === 'data' && !v.temporary
            ? 'delivered'
            : v.temporary || v.code === null || v.code < 500 || v.code >= 600
              ? 'deferred'
              : 'bounced';
        // Our own definite refusals carry a 5.x.x status but no server code: DNS (NXDOMAIN, null MX) and a
        // next hop without SMTPUTF8 for a non-ASCII address. Retrying cannot change them.
        const localPermanent = !v.temporary && v.code === null && v.enhanced?.startsWith('5.');
        const final = localPermanent ? 'bounced' : outcome;
        const text = v.text ?? (v.error ? `${v.error}` : null);
        const names = maskFor(v.remoteHost);
        return {
          recipientId: r.id,
          outcome: final,
          phase: v.phase,
          code: v.code,
          enhanced: v.enhanced,
          text,
          remoteHost: v.remoteHost,
          remoteIp: v.remoteIp,
          ...(v.afterBody ? { afterBody: true } : {}),
          // With the network error: a timeout or a broken reply explains itself, not by the phase's usual refusal.
          classification: classifyReply({ phase: v.phase, code: v.code, enhanced: v.enhanced, text: names ? names.mask(text) : text, error: v.error ?? null }),
        };
      });
      const decided = recipients.find((o) => o.remoteIp) ?? null;
      const throttled =
        // A limit of recipients per transaction is not a rate: the rest went in another transaction.
        phases.some(
          (p) => p.code === 421 || (p.code !== null && p.code >= 400 && p.text !== null && !p.detail?.too_many_recipients && RATE_WORDING.test(p.text)),
        ) || recipients.some((o) => o.classification.category === 'rate-limited' && !tooManyRecipients(o));
      return {
        startedAt,
        finishedAt: clock(),
        domain: job.domain,
        phases,
        recipients,
        mx: decided?.remoteHost ?? null,
        ip: decided?.remoteIp ?? null,
        throttled,
      };
    };

    // --- dns
    const dnsAt = clock();
    const t0 = performance.now();
    // A TLS report of ours (RFC 8460 §5.3) must be delivered despite TLS failures, in the clear if need be: it
    // tells the domain that its TLS is broken. No MTA-STS policy, no required TLS (the smarthost's own stays).
    const tlsReport = job.message.origin === 'dsn' && isTlsReport(job.raw);
    // The lookups (and an MTA-STS policy fetch) may take seconds: the connection slot is lent meanwhile.
    const routed = await lentWhile(job.slot, async () => {
      const route = await resolveRoute(job.domain, { config, resolver });
      // MTA-STS covers delivery found through MX (an implicit MX too), not the operator's routes or smarthost.
      const looked = mtaSts && !tlsReport && route.ok && (route.kind === 'mx' || route.kind === 'a-fallback') ? await stsPlan(mtaSts, job.domain, route) : null;
      return { route, looked };
    });
    if (routed === NO_SLOT)
      return {
        ...finish({
          phase: 'dns',
          code: null,
          enhanced: null,
          text: 'the relay is stopping',
          error: STOPPING,
          remoteHost: null,
          remoteIp: null,
          temporary: true,
        }),
        abandoned: true,
      };
    const { route, looked } = routed;
    const sts: StsPlan | Error | null = looked instanceof Error ? looked : (looked?.plan ?? null);
    // With no policy in force, a failed fetch is still recorded: TLS reports count it (src/tlsrpt).
    const stsDetail = looked instanceof Error ? null : (looked?.plan?.detail ?? looked?.failed ?? null);
    const dnsPhase: PhaseRecord = {
      phase: 'dns',
      at: dnsAt,
      durationMs: elapsed(t0),
      code: null,
      enhanced: route.ok ? null : route.enhanced,
      text: route.ok ? `${route.kind}: ${route.hosts.map((h) => `${h.host}[${h.ips.join(',')}]:${h.port}`).join(' ')}` : route.text,
      remoteHost: null,
      remoteIp: null,
      error: route.ok ? null : route.error,
      detail: { kind: route.ok ? route.kind : null, hosts: route.ok ? route.hosts : [], lookups: route.lookups, ...(stsDetail ? { mta_sts: stsDetail } : {}) },
    };
    record(dnsPhase);
    if (sts instanceof Error) {
      // Not knowing whether a policy is cached must not become delivery without one: try again later.
      const text = `MTA-STS policy lookup for ${job.domain} failed: ${sts.message}`;
      return finish({ phase: 'dns', code: null, enhanced: '4.4.3', text, error: 'EMTASTS', remoteHost: null, remoteIp: null, temporary: true });
    }
    if (!route.ok) {
      return finish({
        phase: 'dns',
        code: null,
        enhanced: route.enhanced,
        text: route.text,
        error: route.error,
        remoteHost: null,
        remoteIp: null,
        temporary: !route.permanent,
      });
    }

    const configured: TlsPolicy = route.smarthost ? route.smarthost.tls : (d.tls_policy.domains[job.domain] ?? d.tls_policy.default);
    const policy: TlsPolicy = tlsReport && !route.smarthost && configured === 'required' ? 'opportunistic' : configured;
    let last: Verdict | null = null;
    for (const host of route.hosts) {
      const rule = sts?.forHost(host.host) ?? null;
      if (rule?.use === 'skip') {
        record({
          phase: 'connect',
          at: clock(),
          durationMs: 0,
          code: null,
          enhanced: '4.7.5',
          text: rule.text,
          remoteHost: host.host,
          remoteIp: null,
          error: 'EMTASTS',
          detail: { port: host.port },
        });
        last = { phase: 'connect', code: null, enhanced: '4.7.5', text: rule.text, error: 'EMTASTS', remoteHost: host.host, remoteIp: null, temporary: true };
        continue;
      }
      for (const ip of host.ips) {
        if (signal?.aborted) {
          last = {
            phase: 'connect',
            code: null,
            enhanced: null,
            text: 'delivery was aborted (shutdown)',
            error: 'EABORTED',
            remoteHost: host.host,
            remoteIp: ip,
            temporary: true,
          };
          break;
        }
        // Under an enforced MTA-STS policy TLS is required and verified, whatever the local TLS policy says.
        const hostPolicy: TlsPolicy = rule?.use === 'enforce' ? 'required' : policy;
        if (stopping?.aborted)
          return {
            ...finish(
              last ?? {
                phase: 'connect',
                code: null,
                enhanced: null,
                text: 'the relay is stopping',
                error: STOPPING,
                remoteHost: host.host,
                remoteIp: ip,
                temporary: true,
              },
            ),
            abandoned: true,
          };
        let result = await attemptHost(job, route, host, ip, hostPolicy, true, record, signal, rule, stopping, flush);
        if (!result.definite && result.retryCleartext && !stopping?.aborted)
          result = await attemptHost(job, route, host, ip, hostPolicy, false, record, signal, rule, stopping, flush);
        if (result.definite) return finish(result.verdicts);
        if (result.failure.error === STOPPING) return { ...finish(result.failure), abandoned: true };
        if (result.failure.error === HOST_BUSY) {
          // Our own queue for the first address is full: the job goes back unattempted (nothing was tried,
          // nothing to record). After another address was tried, this one is recorded like a wait that ran out.
          if (!phases.some((p) => p.phase !== 'dns')) {
            heldLine = null;
            return { ...finish(result.failure), abandoned: true, hostBusy: true };
          }
          result.failure.error = 'ELOCALLIMIT';
          record({
            phase: 'connect',
            at: clock(),
            durationMs: 0,
            code: null,
            enhanced: null,
            text: result.failure.text,
            remoteHost: host.host,
            remoteIp: ip,
            error: 'ELOCALLIMIT',
            detail: { port: host.port, local_limit: d.max_connections_per_host },
          });
        }
        last = result.failure;
      }
    }
    return finish(last!);
  }

  async function attemptHost(
    job: DeliveryJob,
    route: Route,
    host: RouteHost,
    ip: string,
    policy: TlsPolicy,
    tlsAllowed: boolean,
    record: (p: PhaseRecord, r?: DeliveryRecipient) => void,
    signal?: AbortSignal,
    sts: HostRule | null = null,
    stopping?: AbortSignal,
    /** Called as a connection is opened or reused: the attempt is under way. */
    begun: () => void = () => {},
  ): Promise<HostResult> {
    const where = { remoteHost: host.host, remoteIp: ip };
    const port = host.port;
    const key = [host.host, ip, port, policy, tlsAllowed, route.smarthost?.username ?? '', sts?.use ?? ''].join('|');
    const ctx: TransactionContext = { config, host, ip, clock, record, stopping };
    const fail = (v: StepFailure): HostResult => {
      const { retryCleartext, ...verdict } = v;
      return { definite: false, failure: { ...verdict, ...where }, retryCleartext };
    };
    const tlsOptions = (verify: boolean) => tlsConnectOptions(host, verify, ca);

    // --- a slot for this address (delivery.max_connections_per_host), bounded by the connect timeout:
    // waiting longer for our own limit than for the remote host to answer would make no sense.
    const waitAt = clock();
    const tw = performance.now();
    const waitStart = Date.now();
    const slotDeadline = waitStart + d.connect_timeout_ms;
    const noSlot = (slot: Extract<Acquired, { ok: false }>): HostResult => {
      // Nothing began: the job goes back to the queue unattempted (deliver's `abandoned`), nothing recorded.
      if (slot.reason === 'stopping')
        return fail({ phase: 'connect', code: null, enhanced: null, text: 'the relay is stopping', error: STOPPING, temporary: true });
      // Not queued: deliver() gives the job back, or records this when an earlier address was tried.
      if (slot.reason === 'busy') {
        const limit = d.max_connections_per_host;
        const text = `local limit: ${slot.open} connection${slot.open === 1 ? '' : 's'} to ${ip} already open (delivery.max_connections_per_host = ${limit}) and as many sessions waiting for one; not queued behind them`;
        return fail({ phase: 'connect', code: null, enhanced: null, text, error: HOST_BUSY, temporary: true });
      }
      const limit = d.max_connections_per_host;
      const aborted = slot.reason === 'aborted';
      const text = aborted
        ? 'delivery was aborted (shutdown)'
        : `local limit: ${slot.open} connection${slot.open === 1 ? '' : 's'} to ${ip} already open (delivery.max_connections_per_host = ${limit}), none freed within ${slot.waitedMs} ms`;
      const error = aborted ? 'EABORTED' : 'ELOCALLIMIT';
      record(phaseAt(ctx, 'connect', waitAt, tw, null, { text, error, detail: { port, local_limit: limit, open: slot.open, waited_ms: slot.waitedMs } }));
      return fail({ phase: 'connect', code: null, enhanced: null, text, error, temporary: true });
    };
    // An address that did not answer lately is skipped at once (unresponsive-hosts.ts): not another session
    // waiting out the same timeout in a delivery slot. The next MX address is tried, or the attempt defers.
    const address = `${ip}:${port}`;
    const skipped = (skip: Skip): HostResult => {
      const text = skipText(skip, address);
      const detail = {
        port,
        skipped: skip.reason,
        since: new Date(skip.since).toISOString(),
        ...(skip.until ? { until: new Date(skip.until).toISOString() } : {}),
      };
      record(phaseAt(ctx, 'connect', clock(), performance.now(), null, { enhanced: '4.4.1', text, error: 'EUNRESPONSIVE', detail }));
      return fail({ phase: 'connect', code: null, enhanced: '4.4.1', text, error: 'EUNRESPONSIVE', temporary: true });
    };
    const skip = unresponsive.check(address);
    if (skip) return skipped(skip);
    // Let through as the probe of a held address (the check marked the turn as ours)?
    const probe = unresponsive.probing(address);
    // From here until a connection is opened, this session may be the probe of a held address: one that does
    // not connect after all gives the turn back (unresponsive-hosts.ts).
    let connecting = false;
    const notConnecting = <T>(r: T): T => {
      if (!connecting) unresponsive.unprobe(address);
      return r;
    };
    // Waiting for the address's slot, the job lends its connection slot back, or offers it (src/queue/slots.ts).
    let stoodAside = false;
    const slot = await pool.acquire(ip, key, {
      timeoutMs: d.connect_timeout_ms,
      signal,
      stopping,
      onWait: (near) => (stoodAside = standAside(job.slot, near)),
    });
    if (stoodAside && !(await job.slot!.reclaim())) {
      if (slot.ok) pool.release(slot.lease, slot.lease.client ? { client: slot.lease.client, key } : undefined);
      return notConnecting(noSlot({ ok: false, reason: 'stopping', open: pool.open(ip), waitedMs: Date.now() - waitStart }));
    }
    if (!slot.ok) return notConnecting(noSlot(slot));
    // The address may have been held while this session waited for its slot: not connect into the same wait.
    if (slot.waitedMs > 0 && !slot.lease.client) {
      const now = unresponsive.check(address);
      // (The probe's own turn is not another session trying it.)
      if (now && !(probe && now.reason === 'probing')) {
        pool.release(slot.lease);
        return skipped(now);
      }
    }
    let lease = slot.lease;
    let leased = true; // the lease is ours to give back
    let waited = slot.waitedMs > 0 ? { waited_ms: slot.waitedMs } : {};
    let pooled = false; // the connection went back to the pool, with the slot

    let client = lease.client;
    let cutAfterDot: NodeJS.Timeout | null = null;
    /** The new connection being made, until the server says anything (or we give up on it). */
    let opened: Opening | null = null;
    // A stop cuts a session at once, except one whose message is sent and whose reply is awaited: cut
    // there, the outcome is unknown and the next attempt a possible duplicate, so it gets its reply's time.
    const onAbort = () => {
      if (!client?.awaitingFinalReply) return client?.destroy(new SmtpNetworkError('EABORTED', 'delivery was aborted (shutdown)'));
      const c = client;
      cutAfterDot = setTimeout(
        () =>
          c.destroy(
            new SmtpNetworkError(
              'EABORTED',
              `outcome unknown: the relay stopped before the receiver answered the message (waited ${d.stop_final_reply_ms} ms); the receiver may already have it`,
            ),
          ),
        d.stop_final_reply_ms,
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A reused connection is checked with RSET, sent by the transaction (pipelined with MAIL when it
      // can be); when that fails the loop comes back here without it and opens a new one in its place.
      for (;;) {
        let reused: ReuseCheck | undefined;
        for (;;) {
          if (client) {
            const at = clock();
            const t = performance.now();
            const c = client;
            c.setIdle(false);
            begun();
            reused = {
              onReset: () =>
                record(
                  phaseAt(ctx, 'connect', at, t, null, {
                    text: 'reusing an open connection',
                    detail: { port, reused: true, messagesBefore: c.messages, tls: c.tls, ...waited },
                  }),
                ),
            };
            break;
          }
          {
            const at = clock();
            const t = performance.now();
            // Our own connections to the address have heard nothing for a while (a silent server): a session does
            // not queue for the relays' shared slots behind them, holding its delivery slot; its job goes back
            // (deliver's hostBusy) as the local pool's queue does. Otherwise it waits. (Lending the slot while it waits
            // here let more of a relay's jobs queue for a busy address's shared slots than the other relays give back
            // in time: test/queue/multi-node.test.ts.)
            const isQuiet = () => unresponsive.silentFor(address) > SILENT_LEND_MS;
            let quiet = isQuiet();
            let shared: Awaited<ReturnType<HostSlots['take']>> | undefined;
            // While it waits for the shared slots, a lent job that needs its global slot back may take it.
            const offered = !!options.hostSlots && standAside(job.slot, false);
            // Asked again every SILENT_LEND_MS at most, so that a session already waiting when our connections fall
            // silent stops waiting then, not at connect_timeout_ms.
            for (;;) {
              const waitMs = quiet ? 0 : Math.min(SILENT_LEND_MS, Math.max(0, slotDeadline - Date.now()));
              shared = options.hostSlots ? await options.hostSlots.take(ip, d.max_connections_per_host, { timeoutMs: waitMs, signal, stopping }) : undefined;
              if (shared !== null || quiet || stopping?.aborted || Date.now() >= slotDeadline) break;
              quiet = isQuiet();
            }
            if (offered && !(await job.slot!.reclaim())) {
              if (typeof shared === 'string') options.hostSlots!.give(shared);
              return notConnecting(noSlot({ ok: false, reason: 'stopping', open: pool.open(ip), waitedMs: Date.now() - waitStart }));
            }
            const silentQueue = (): HostResult =>
              notConnecting(
                fail({
                  phase: 'connect',
                  code: null,
                  enhanced: null,
                  text: `local limit: ${d.max_connections_per_host} connections to ${ip} open across the relays sharing this database, ours silent for ${Math.round(unresponsive.silentFor(address) / 1000)} s; not queued behind them`,
                  error: HOST_BUSY,
                  temporary: true,
                }),
              );
            if (shared && typeof shared === 'object') {
              leased = false;
              pool.release(lease);
              // Ours are silent: not queued behind them (nor is the pool capped for the next sessions to queue).
              if (quiet) return silentQueue();
              // Other relays' connections fill the address: wait as the pool's waiter for one of ours (handed on
              // as it ends its transaction), asking the database again when the cap runs out.
              pool.cap(ip, shared.own, OWN_CONNECTIONS_MS);
              let again: Acquired;
              const waiting = standAside(job.slot, false);
              for (;;) {
                again = await pool.acquire(ip, key, {
                  timeoutMs: quiet ? 0 : Math.min(SILENT_LEND_MS, Math.max(0, slotDeadline - Date.now())),
                  signal,
                  stopping,
                });
                if (again.ok || again.reason !== 'limit' || quiet || Date.now() >= slotDeadline) break;
                quiet = isQuiet();
              }
              if (waiting && !(await job.slot!.reclaim())) {
                if (again.ok) pool.release(again.lease, again.lease.client ? { client: again.lease.client, key } : undefined);
                return notConnecting(noSlot({ ok: false, reason: 'stopping', open: pool.open(ip), waitedMs: Date.now() - waitStart }));
              }
              if (!again.ok && quiet && again.reason === 'limit') return silentQueue();
              if (!again.ok && again.reason === 'limit') {
                // Waiting under the cap: the address's other connections are the other relays'.
                const text = `local limit: ${d.max_connections_per_host} connections to ${ip} open across the relays sharing this database (this relay's share: ${shared.own}), none freed within ${Date.now() - waitStart} ms`;
                // Timed from the start of the wait for the address (not this last round of it).
                record(
                  phaseAt(ctx, 'connect', waitAt, tw, null, {
                    text,
                    error: 'ELOCALLIMIT',
                    detail: { port, local_limit: d.max_connections_per_host, shared: true },
                  }),
                );
                return notConnecting(fail({ phase: 'connect', code: null, enhanced: null, text, error: 'ELOCALLIMIT', temporary: true }));
              }
              if (!again.ok) return noSlot(again);
              lease = again.lease;
              leased = true;
              client = lease.client;
              if (again.waitedMs > 0) waited = { waited_ms: Date.now() - waitStart };
              continue;
            }
            if (shared === null) {
              // The wait ended because the relay is stopping: nothing began, hand the job back unattempted.
              if (stopping?.aborted) return noSlot({ ok: false, reason: 'stopping', open: 0, waitedMs: Date.now() - waitStart });
              if (quiet) return silentQueue();
              const text = `local limit: ${d.max_connections_per_host} connections to ${ip} already open across the relays sharing this database (delivery.max_connections_per_host), none freed within ${d.connect_timeout_ms} ms`;
              record(
                phaseAt(ctx, 'connect', at, t, null, { text, error: 'ELOCALLIMIT', detail: { port, local_limit: d.max_connections_per_host, shared: true } }),
              );
              return fail({ phase: 'connect', code: null, enhanced: null, text, error: 'ELOCALLIMIT', temporary: true });
            }
            opened = unresponsive.opening(address);
            connecting = true;
            begun();
            // Until the server says something (its TCP answer, then its greeting) the session only waits: past
            // SILENT_LEND_MS its delivery slot is lent, so that servers that never answer do not hold every slot
            // for their whole timeout before the first of them is known (src/queue/slots.ts).
            const o = opened;
            let lentSilent = false;
            const silentTimer = job.slot ? setTimeout(() => (lentSilent = standAside(job.slot, true)), SILENT_LEND_MS) : null;
            let heard: { kind: 'failed'; err: SmtpNetworkError } | { kind: 'greeted'; client: SmtpClient; refused: Awaited<ReturnType<typeof greet>> };
            try {
              let c: SmtpClient | null = null;
              try {
                // Implicit TLS is only used towards a smarthost: verify it like STARTTLS under `required`.
                c = await SmtpClient.connect({
                  ip,
                  port,
                  timeoutMs: d.connect_timeout_ms,
                  implicitTls: policy === 'implicit' ? tlsOptions(d.verify_certificates) : undefined,
                  signal,
                });
              } catch (err) {
                heard = { kind: 'failed', err: asNetworkError(err) };
              }
              if (c) {
                client = c; // ours to quit from here (the finally below)
                // The shared slot lives as long as the connection, pooled idle time included.
                if (shared) c.onClosed(() => options.hostSlots!.give(shared));
                heard = { kind: 'greeted', client: c, refused: await greet(ctx, c, at, t, { port, connectMs: elapsed(t), local_ip: c.localIp, ...waited }) };
              }
            } finally {
              if (silentTimer) clearTimeout(silentTimer);
            }
            heard = heard!;
            if (lentSilent && !(await job.slot!.reclaim())) {
              // The relay began stopping while this session waited for its slot back: nothing was offered yet.
              o.ended();
              if (heard.kind === 'failed' && shared) options.hostSlots!.give(shared);
              return fail({ phase: 'connect', code: null, enhanced: null, text: 'the relay is stopping', error: STOPPING, temporary: true });
            }
            if (heard.kind === 'failed') {
              const e = heard.err;
              if (e.code === 'ETIMEDOUT') o.unanswered(e.message);
              else o.ended();
              if (shared) options.hostSlots!.give(shared);
              record(phaseAt(ctx, 'connect', at, t, null, { text: e.message, error: e.code, detail: { port } }));
              return fail({ phase: 'connect', code: null, enhanced: null, text: e.message, error: e.code });
            }
            const refused = heard.refused;
            // Any reply, a refusal too, shows the server alive; only silence until the timeout holds the address.
            if (!refused || refused.code !== null) o.answered();
            else if (refused.error === 'ETIMEDOUT') o.unanswered(`no greeting within ${d.greeting_timeout_ms} ms`);
            else o.ended();
            if (refused) return fail(refused);
            client = heard.client;
            const failure =
              (await sayHello(ctx, client)) ??
              (await upgradeTls(ctx, client, { policy, tlsAllowed, sts, tlsOptions })) ??
              (route.smarthost?.username ? await authenticate(ctx, client, { ...route.smarthost, username: route.smarthost.username }) : null);
            if (failure) return fail(failure);
          }
          break;
        }

        const outcome = await transaction(ctx, client, job, reused);
        if (outcome.stale) {
          client = null; // the slot stays ours: a new connection takes its place
          continue;
        }
        if (outcome.definite && !client.closed && client.messages < d.max_messages_per_connection && !outcome.sawClose) {
          client.setIdle(true);
          signal?.removeEventListener('abort', onAbort);
          pool.release(lease, { client, key });
          pooled = true;
          client = null; // not ours to quit any more
        } else if (!client.closed) {
          const at = clock();
          const t = performance.now();
          // The outcome is recorded after this: a server slow to say 221 must not hold a delivered message's
          // record back for minutes (a crash meanwhile would send it again).
          const r = await client.quit(Math.min(d.command_timeout_ms, QUIT_TIMEOUT_MS));
          record(phaseAt(ctx, 'quit', at, t, r));
        }
        return outcome.result;
      }
    } finally {
      opened?.ended(); // nothing learned when it ended some other way (a no-op once it answered or timed out)
      signal?.removeEventListener('abort', onAbort);
      if (cutAfterDot) clearTimeout(cutAfterDot);
      if (!pooled) {
        // Every early return above (4xx EHLO, refused STARTTLS under `required`…) lands here: the
        // connection is closed before its slot is given back, so a waiter never opens one too many.
        if (client && !client.closed) await client.quit(2_000);
        if (leased) pool.release(lease);
      }
    }
  }

  return {
    deliver,
    unresponsive: () => unresponsive.list(),
    async close() {
      await Promise.all(pool.drain().map((c) => c.quit(2_000)));
    },
  };
}

/** Our own: the address's connection queue was full (pool `busy`); recorded as ELOCALLIMIT when at all. */
const HOST_BUSY = 'EHOSTBUSY';

const NO_SLOT = Symbol('no slot');
/** How long a wait runs before the connection slot is lent: a cached or nearby answer is not worth the trade. */
const LEND_AFTER_MS = 10;
/**
 * How long a new connection may wait in silence (no TCP answer, then no greeting) before its slot is lent: a
 * server greets within a second or two (Postfix's postscreen waits 6 s for spammers, not for us); one that takes
 * longer is either tarpitting or gone, and its wait must not hold a slot others could use.
 */
const SILENT_LEND_MS = 2_000;

/**
 * Runs `work` with the scheduler's connection slot lent while it takes longer than LEND_AFTER_MS, and takes the
 * slot back after it: NO_SLOT when the relay began stopping meanwhile (the job goes back unattempted).
 */
async function lentWhile<T>(
  slot: DeliveryJob['slot'],
  work: () => Promise<T>,
  o: { lendAfterMs: number; reason: 'dns' | 'address' } = { lendAfterMs: LEND_AFTER_MS, reason: 'dns' },
): Promise<T | typeof NO_SLOT> {
  if (!slot) return work();
  let lent = false;
  const timer = setTimeout(() => (lent = standAside(slot, true, o.reason)), o.lendAfterMs);
  let value: T;
  try {
    value = await work();
  } finally {
    clearTimeout(timer);
  }
  if (lent && !(await slot.reclaim())) return NO_SLOT;
  return value;
}

/**
 * The job is about to wait: its connection slot is lent (when `lend` and the scheduler has room for one more
 * lent job), or else offered to a lent job that needs one back meanwhile (src/queue/slots.ts). True when the
 * job must `reclaim` the slot once the wait is over.
 */
function standAside(slot: DeliveryJob['slot'], lend: boolean, reason: 'dns' | 'address' = 'address'): boolean {
  if (!slot) return false;
  if (lend && slot.lend(reason)) return true;
  slot.offer();
  return true;
}

/** The connect phase's text for an address skipped (recorded, and read by the classifier as EUNRESPONSIVE). */
function skipText(skip: Skip, address: string): string {
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (skip.reason === 'stalled')
    return `not tried: our connection to ${address} opened at ${at(skip.since)} has had no reply yet; no more are opened until it is answered`;
  const failed = `${address} did not answer at ${at(skip.since)} (${skip.why})`;
  if (skip.reason === 'probing') return `not tried: ${failed}; another session is trying it again now`;
  return `not tried: ${failed}; it is left alone until ${at(skip.until!)}`;
}

function tlsConnectOptions(host: RouteHost, verify: boolean, ca: string[] | undefined): tls.ConnectionOptions {
  const isIp = /^[\d.]+$|:/.test(host.host);
  return { servername: isIp ? undefined : host.host, rejectUnauthorized: verify, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) };
}

/** A report of RFC 8460 (src/tlsrpt): its header block names the policy domain. */
function isTlsReport(raw: Buffer): boolean {
  const head = raw.subarray(0, 16_384).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return /^TLS-Report-Domain:/im.test(end < 0 ? head : head.slice(0, end));
}

/** The MTA-STS plan for a route; an Error when the lookup itself broke (the policy cache could not be read). */
async function stsPlan(mtaSts: MtaSts, domain: string, route: Route): Promise<{ plan: StsPlan | null; failed: Record<string, unknown> | null } | Error> {
  try {
    const { plan, decision } = await mtaSts.plan(domain, route);
    const failed = !plan && decision.errorType ? { mode: 'none', source: decision.source, error: decision.error, error_type: decision.errorType } : null;
    return { plan, failed };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
