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
import type { Classification, ResponseInput } from '../classify/types.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { cachingResolver, type DnsResolver } from '../routing/dns-cache.js';
import { createMtaSts, trustedCas, type HostRule, type MtaSts, type StsPlan } from '../routing/mta-sts.js';
import { createResolver, resolveRoute, type Route, type RouteHost } from '../routing/resolve.js';
import type { Phase } from '../types.js';
import { ConnectionPool } from './pool.js';
import { parseExtensions, SmtpClient, SmtpNetworkError, xtext, type SmtpReply } from './smtp-client.js';
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
}

type TlsPolicy = 'none' | 'opportunistic' | 'required' | 'implicit';

/** What decided a recipient's fate, before classification. */
interface Verdict {
  phase: Phase;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  error?: string | null;
  remoteHost: string | null;
  remoteIp: string | null;
  /** Forces `deferred` whatever the code (AUTH and TLS problems are ours to fix, not the recipient's). */
  temporary?: boolean;
}

type HostResult =
  | { definite: true; verdicts: Map<number, Verdict> }
  | { definite: false; failure: Verdict; retryCleartext?: boolean };

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

  async function deliver(job: DeliveryJob, signal?: AbortSignal): Promise<AttemptReport> {
    const startedAt = clock();
    const phases: PhaseRecord[] = [];
    const attemptNo = Math.max(...job.recipients.map((r) => r.attempt));

    const record = (p: PhaseRecord, recipient?: DeliveryRecipient) => {
      phases.push(p);
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
    };

    const finish = (verdicts: Map<number, Verdict> | Verdict): AttemptReport => {
      const recipients: RecipientOutcome[] = job.recipients.map((r) => {
        const v = verdicts instanceof Map ? verdicts.get(r.id)! : verdicts;
        const outcome: RecipientOutcome['outcome'] =
          v.code !== null && v.code >= 200 && v.code < 300 && v.phase === 'data' ? 'delivered' : v.temporary || v.code === null || v.code < 500 ? 'deferred' : 'bounced';
        // Our own definite refusals carry a 5.x.x status but no server code: DNS (NXDOMAIN, null MX) and a
        // next hop without SMTPUTF8 for a non-ASCII address. Retrying cannot change them.
        const localPermanent = !v.temporary && v.code === null && v.enhanced?.startsWith('5.');
        const final = localPermanent ? 'bounced' : outcome;
        const text = v.text ?? (v.error ? `${v.error}` : null);
        return {
          recipientId: r.id,
          outcome: final,
          phase: v.phase,
          code: v.code,
          enhanced: v.enhanced,
          text,
          remoteHost: v.remoteHost,
          remoteIp: v.remoteIp,
          classification: classifyReply({ phase: v.phase, code: v.code, enhanced: v.enhanced, text }),
        };
      });
      const decided = recipients.find((o) => o.remoteIp) ?? null;
      const throttled =
        phases.some((p) => p.code === 421 || (p.code !== null && p.code >= 400 && p.text !== null && RATE_WORDING.test(p.text))) ||
        recipients.some((o) => o.classification.category === 'rate-limited');
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
    const route = await resolveRoute(job.domain, { config, resolver });
    // MTA-STS covers delivery found through MX (an implicit MX too), not the operator's routes or smarthost.
    const sts: StsPlan | Error | null = mtaSts && route.ok && (route.kind === 'mx' || route.kind === 'a-fallback') ? await stsPlan(mtaSts, job.domain, route) : null;
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
      detail: { kind: route.ok ? route.kind : null, hosts: route.ok ? route.hosts : [], lookups: route.lookups, ...(sts && !(sts instanceof Error) ? { mta_sts: sts.detail } : {}) },
    };
    record(dnsPhase);
    if (sts instanceof Error) {
      // Not knowing whether a policy is cached must not become delivery without one: try again later.
      const text = `MTA-STS policy lookup for ${job.domain} failed: ${sts.message}`;
      return finish({ phase: 'dns', code: null, enhanced: '4.4.3', text, error: 'EMTASTS', remoteHost: null, remoteIp: null, temporary: true });
    }
    if (!route.ok) {
      return finish({ phase: 'dns', code: null, enhanced: route.enhanced, text: route.text, error: route.error, remoteHost: null, remoteIp: null, temporary: !route.permanent });
    }

    const policy: TlsPolicy = route.smarthost ? route.smarthost.tls : (d.tls_policy.domains[job.domain] ?? d.tls_policy.default);
    let last: Verdict | null = null;
    for (const host of route.hosts) {
      const rule = sts?.forHost(host.host) ?? null;
      if (rule?.use === 'skip') {
        record({ phase: 'connect', at: clock(), durationMs: 0, code: null, enhanced: '4.7.5', text: rule.text, remoteHost: host.host, remoteIp: null, error: 'EMTASTS', detail: { port: host.port } });
        last = { phase: 'connect', code: null, enhanced: '4.7.5', text: rule.text, error: 'EMTASTS', remoteHost: host.host, remoteIp: null, temporary: true };
        continue;
      }
      for (const ip of host.ips) {
        if (signal?.aborted) {
          last = { phase: 'connect', code: null, enhanced: null, text: 'delivery was aborted (shutdown)', error: 'EABORTED', remoteHost: host.host, remoteIp: ip, temporary: true };
          break;
        }
        // Under an enforced MTA-STS policy TLS is required and verified, whatever the local TLS policy says.
        const hostPolicy: TlsPolicy = rule?.use === 'enforce' ? 'required' : policy;
        let result = await attemptHost(job, route, host, ip, hostPolicy, true, record, signal, rule);
        if (!result.definite && result.retryCleartext) result = await attemptHost(job, route, host, ip, hostPolicy, false, record, signal, rule);
        if (result.definite) return finish(result.verdicts);
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
  ): Promise<HostResult> {
    const where = { remoteHost: host.host, remoteIp: ip };
    const port = host.port;
    const key = [host.host, ip, port, policy, tlsAllowed, route.smarthost?.username ?? '', sts?.use ?? ''].join('|');
    const enforced = sts?.use === 'enforce';
    // Failures under an enforced policy say so: the text is what the classifier and the trace explain.
    const why = (text: string) => (enforced ? `${sts.label} requires TLS with a valid certificate: ${text}` : text);
    const fail = (v: Omit<Verdict, 'remoteHost' | 'remoteIp'>, retryCleartext = false): HostResult => ({ definite: false, failure: { ...v, ...where }, retryCleartext });
    const phase = (name: Phase, at: number, t: number, reply: SmtpReply | null, extra: Partial<PhaseRecord> = {}): PhaseRecord => ({
      phase: name,
      at,
      durationMs: elapsed(t),
      code: reply?.code ?? null,
      enhanced: reply?.enhanced ?? null,
      text: reply?.text ?? null,
      ...where,
      ...extra,
    });
    const netError = (err: unknown) => (err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String((err as Error)?.message ?? err)));

    // --- a slot for this address (delivery.max_connections_per_host), bounded by the connect timeout:
    // waiting longer for our own limit than for the remote host to answer would make no sense.
    const waitAt = clock();
    const tw = performance.now();
    const slot = await pool.acquire(ip, key, { timeoutMs: d.connect_timeout_ms, signal });
    if (!slot.ok) {
      const limit = d.max_connections_per_host;
      const aborted = slot.reason === 'aborted';
      const text = aborted
        ? 'delivery was aborted (shutdown)'
        : `local limit: ${slot.open} connection${slot.open === 1 ? '' : 's'} to ${ip} already open (delivery.max_connections_per_host = ${limit}), none freed within ${slot.waitedMs} ms`;
      const error = aborted ? 'EABORTED' : 'ELOCALLIMIT';
      record(phase('connect', waitAt, tw, null, { text, error, detail: { port, local_limit: limit, open: slot.open, waited_ms: slot.waitedMs } }));
      return fail({ phase: 'connect', code: null, enhanced: null, text, error, temporary: true });
    }
    const lease = slot.lease;
    const waited = slot.waitedMs > 0 ? { waited_ms: slot.waitedMs } : {};
    let pooled = false; // the connection went back to the pool, with the slot

    let client = lease.client;
    const onAbort = () => client?.destroy(new SmtpNetworkError('EABORTED', 'delivery was aborted (shutdown)'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // --- connect (a pooled connection is checked with RSET first)
      if (client) {
        const at = clock();
        const t = performance.now();
        try {
          client.setIdle(false);
          const r = await client.command('RSET', d.command_timeout_ms);
          if (r.code !== 250) throw new SmtpNetworkError('ERESET', `RSET answered ${r.code}`);
          record(phase('connect', at, t, null, { text: 'reusing an open connection', detail: { port, reused: true, messagesBefore: client.messages, tls: client.tls, ...waited } }));
        } catch {
          client.destroy(); // the slot stays ours: a new connection takes its place below
          client = null;
        }
      }
      if (!client) {
        const at = clock();
        const t = performance.now();
        // Implicit TLS is only used towards a smarthost: verify it like STARTTLS under `required`.
        const tlsOptions = tlsConnectOptions(host, d.verify_certificates, ca);
        try {
          client = await SmtpClient.connect({ ip, port, timeoutMs: d.connect_timeout_ms, implicitTls: policy === 'implicit' ? tlsOptions : undefined, signal });
        } catch (err) {
          const e = netError(err);
          record(phase('connect', at, t, null, { text: e.message, error: e.code, detail: { port } }));
          return fail({ phase: 'connect', code: null, enhanced: null, text: e.message, error: e.code });
        }
        const connectMs = elapsed(t);
        let greeting: SmtpReply;
        try {
          greeting = await client.readReply(d.greeting_timeout_ms);
        } catch (err) {
          const e = netError(err);
          record(phase('connect', at, t, null, { text: `no greeting: ${e.message}`, error: e.code, detail: { port, connectMs } }));
          return fail({ phase: 'connect', code: null, enhanced: null, text: `no greeting: ${e.message}`, error: e.code });
        }
        record(phase('connect', at, t, greeting, { detail: { port, connectMs, tls: client.tls, ...waited } }));
        if (greeting.code !== 220) {
          await client.quit(2_000);
          return fail({ phase: 'connect', code: greeting.code, enhanced: greeting.enhanced, text: greeting.text });
        }

        const hello = await sayHello(client, record, phase);
        if (hello) return fail(hello);

        if ((policy === 'opportunistic' || policy === 'required') && (policy === 'required' || tlsAllowed)) {
          const offered = client.extensions.has('STARTTLS');
          if (!offered) {
            if (policy === 'required') {
              const text = why(`TLS is required for this destination but ${host.host} does not offer STARTTLS`);
              record(phase('starttls', clock(), performance.now(), null, { text, error: 'ETLSREQUIRED', enhanced: '4.7.10' }));
              await client.quit(2_000);
              return fail({ phase: 'starttls', code: null, enhanced: '4.7.10', text, error: 'ETLSREQUIRED', temporary: true });
            }
          } else {
            const at2 = clock();
            const t2 = performance.now();
            let reply: SmtpReply;
            try {
              reply = await client.command('STARTTLS', d.command_timeout_ms);
            } catch (err) {
              const e = netError(err);
              record(phase('starttls', at2, t2, null, { text: e.message, error: e.code }));
              return fail({ phase: 'starttls', code: null, enhanced: null, text: e.message, error: e.code });
            }
            if (reply.code !== 220) {
              record(phase('starttls', at2, t2, reply));
              if (policy === 'required') {
                await client.quit(2_000);
                return fail({ phase: 'starttls', code: reply.code, enhanced: reply.enhanced, text: reply.text, temporary: true });
              }
            } else {
              try {
                const info = await client.startTls(tlsConnectOptions(host, policy === 'required' && (d.verify_certificates || enforced), ca), d.command_timeout_ms);
                // Under a testing policy an unverified certificate is recorded, and delivery goes on (RFC 8461 §5).
                const testing = sts?.use === 'testing' && (!info.authorized || sts.mismatch) ? { mta_sts: `${sts.label}: ${sts.mismatch ? `${host.host} is not a listed MX` : `certificate not valid for ${host.host} (${info.authorizationError})`}; delivered anyway (testing)` } : {};
                record(phase('starttls', at2, t2, reply, { detail: { protocol: info.protocol, cipher: info.cipher, verified: info.authorized, ...testing } }));
              } catch (err) {
                const e = netError(err);
                record(phase('starttls', at2, t2, reply, { text: `${reply.text}\n${why(e.message)}`, error: e.code }));
                return fail({ phase: 'starttls', code: null, enhanced: enforced ? '4.7.5' : '4.7.10', text: why(e.message), error: e.code, temporary: true }, policy === 'opportunistic');
              }
              const again = await sayHello(client, record, phase);
              if (again) return fail(again);
            }
          }
        }

        if (route.smarthost?.username) {
          const at3 = clock();
          const t3 = performance.now();
          if (!client.tls && route.smarthost.tls !== 'none') {
            // Credentials never cross the network in clear unless the operator chose `tls: none` explicitly.
            const text = `not sending the smarthost password without TLS: ${host.host} did not offer STARTTLS; set delivery.smarthost.tls: required (or none to allow cleartext AUTH)`;
            record(phase('auth', at3, t3, null, { text, error: 'EAUTHNOTLS' }));
            await client.quit(2_000);
            return fail({ phase: 'auth', code: null, enhanced: '4.7.10', text, error: 'EAUTHNOTLS', temporary: true });
          }
          const token = Buffer.from(`\0${route.smarthost.username}\0${route.smarthost.password ?? ''}`).toString('base64');
          let reply: SmtpReply;
          try {
            reply = await client.command(`AUTH PLAIN ${token}`, d.command_timeout_ms);
          } catch (err) {
            const e = netError(err);
            record(phase('auth', at3, t3, null, { text: e.message, error: e.code }));
            return fail({ phase: 'auth', code: null, enhanced: null, text: e.message, error: e.code });
          }
          record(phase('auth', at3, t3, reply, { detail: { username: route.smarthost.username, mechanism: 'PLAIN' } }));
          if (reply.code !== 235) {
            await client.quit(2_000);
            // Wrong credentials are our configuration, not the recipient's fault: retry after a fix.
            return fail({ phase: 'auth', code: reply.code, enhanced: reply.enhanced, text: reply.text, temporary: true });
          }
        }
      }

      const outcome = await transaction(client, job, record, phase, where);
      if (outcome.definite && !client.closed && client.messages < d.max_messages_per_connection && !outcome.sawClose) {
        client.setIdle(true);
        signal?.removeEventListener('abort', onAbort);
        pool.release(lease, { client, key });
        pooled = true;
        client = null; // not ours to quit any more
      } else if (!client.closed) {
        const at = clock();
        const t = performance.now();
        const r = await client.quit(d.command_timeout_ms);
        record(phase('quit', at, t, r));
      }
      return outcome.result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!pooled) {
        // Every early return above (4xx EHLO, refused STARTTLS under `required`…) lands here: the
        // connection is closed before its slot is given back, so a waiter never opens one too many.
        if (client && !client.closed) await client.quit(2_000);
        pool.release(lease);
      }
    }
  }

  /** EHLO, or HELO when EHLO is refused with 5xx. Returns the failure that should end this host, or null. */
  async function sayHello(
    client: SmtpClient,
    record: (p: PhaseRecord) => void,
    phase: (name: Phase, at: number, t: number, reply: SmtpReply | null, extra?: Partial<PhaseRecord>) => PhaseRecord,
  ): Promise<Omit<Verdict, 'remoteHost' | 'remoteIp'> | null> {
    for (const verb of ['EHLO', 'HELO'] as const) {
      const name: Phase = verb === 'EHLO' ? 'ehlo' : 'helo';
      const at = clock();
      const t = performance.now();
      let reply: SmtpReply;
      try {
        reply = await client.command(`${verb} ${config.hostname}`, d.command_timeout_ms);
      } catch (err) {
        const e = err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String(err));
        record(phase(name, at, t, null, { text: e.message, error: e.code }));
        return { phase: name, code: null, enhanced: null, text: e.message, error: e.code };
      }
      if (verb === 'EHLO' && reply.code === 250) client.extensions = parseExtensions(reply);
      if (verb === 'HELO') client.extensions = new Map();
      record(phase(name, at, t, reply, verb === 'EHLO' && reply.code === 250 ? { detail: { extensions: Object.fromEntries(client.extensions) } } : {}));
      if (reply.code === 250) return null;
      if (verb === 'EHLO' && reply.code >= 500) continue; // an old server: RFC 5321 §3.2 fallback
      return { phase: name, code: reply.code, enhanced: reply.enhanced, text: reply.text };
    }
    return null;
  }

  /** MAIL, RCPT…, DATA on a ready session. Definite once MAIL got a reply. */
  async function transaction(
    client: SmtpClient,
    job: DeliveryJob,
    record: (p: PhaseRecord, r?: DeliveryRecipient) => void,
    phase: (name: Phase, at: number, t: number, reply: SmtpReply | null, extra?: Partial<PhaseRecord>) => PhaseRecord,
    where: { remoteHost: string; remoteIp: string },
  ): Promise<{ definite: boolean; result: HostResult; sawClose: boolean }> {
    const ext = client.extensions;
    const verdicts = new Map<number, Verdict>();
    const all = (v: Omit<Verdict, 'remoteHost' | 'remoteIp'>, ids = job.recipients.map((r) => r.id)) => {
      for (const id of ids) if (!verdicts.has(id)) verdicts.set(id, { ...v, ...where });
    };
    let sawClose = false;
    const note = (r: SmtpReply) => {
      if (r.code === 421) sawClose = true;
      return r;
    };

    const needsUtf8 = [job.envelopeFrom, ...job.recipients.map((r) => r.address)].some((a) => /[^\x00-\x7f]/.test(a));
    if (needsUtf8 && !ext.has('SMTPUTF8')) {
      all({ phase: 'mail', code: null, enhanced: '5.6.7', text: `${where.remoteHost} does not support SMTPUTF8, which this message's non-ASCII addresses need` });
      return { definite: true, result: { definite: true, verdicts }, sawClose };
    }
    const params: string[] = [];
    if (ext.has('SIZE')) params.push(`SIZE=${job.raw.length}`);
    if (ext.has('8BITMIME') && has8bit(job.raw)) params.push('BODY=8BITMIME');
    if (needsUtf8) params.push('SMTPUTF8');
    const dsn = ext.has('DSN');
    if (dsn) {
      if (job.message.ret) params.push(`RET=${job.message.ret}`);
      params.push(`ENVID=${xtext(job.message.queueId)}`);
    }
    const mailLine = `MAIL FROM:<${job.envelopeFrom}>${params.length ? ` ${params.join(' ')}` : ''}`;
    const rcptLine = (r: DeliveryRecipient) => {
      const p: string[] = [];
      if (dsn) {
        p.push(`NOTIFY=${r.notify?.length ? r.notify.join(',') : 'FAILURE,DELAY'}`);
        const [type, ...addr] = (r.orcpt ?? `rfc822;${r.address}`).split(';');
        p.push(`ORCPT=${type};${xtext(addr.join(';'))}`);
      }
      return `RCPT TO:<${r.address}>${p.length ? ` ${p.join(' ')}` : ''}`;
    };
    const pipelining = ext.has('PIPELINING');

    // --- MAIL
    const at = clock();
    const t = performance.now();
    let mail: SmtpReply;
    try {
      client.write(mailLine);
      if (pipelining) for (const r of job.recipients) client.write(rcptLine(r));
      mail = note(await client.readReply(d.command_timeout_ms));
    } catch (err) {
      const e = err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String(err));
      record(phase('mail', at, t, null, { text: e.message, error: e.code }));
      return { definite: false, result: { definite: false, failure: { phase: 'mail', code: null, enhanced: null, text: e.message, error: e.code, ...where } }, sawClose };
    }
    record(phase('mail', at, t, mail, { detail: { command: mailLine, pipelining } }));
    if (mail.code < 200 || mail.code >= 300) {
      all({ phase: 'mail', code: mail.code, enhanced: mail.enhanced, text: mail.text });
      if (pipelining) await drainReplies(client, job.recipients.length);
      return { definite: true, result: { definite: true, verdicts }, sawClose };
    }

    // --- RCPT, one reply per recipient, in order
    const accepted: DeliveryRecipient[] = [];
    for (const r of job.recipients) {
      const at2 = clock();
      const t2 = performance.now();
      try {
        if (!pipelining) client.write(rcptLine(r));
        const reply = note(await client.readReply(d.command_timeout_ms));
        record(phase('rcpt', at2, t2, reply, { recipientId: r.id }), r);
        if (reply.code >= 200 && reply.code < 300) accepted.push(r);
        else verdicts.set(r.id, { phase: 'rcpt', code: reply.code, enhanced: reply.enhanced, text: reply.text, ...where });
      } catch (err) {
        const e = err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String(err));
        record(phase('rcpt', at2, t2, null, { recipientId: r.id, text: e.message, error: e.code }), r);
        all({ phase: 'rcpt', code: null, enhanced: null, text: e.message, error: e.code });
        return { definite: true, result: { definite: true, verdicts }, sawClose: true };
      }
    }
    if (!accepted.length) return { definite: true, result: { definite: true, verdicts }, sawClose };

    // --- DATA: the 354, then the body through the data stream, then the reply after the dot
    const at3 = clock();
    const t3 = performance.now();
    const ids = accepted.map((r) => r.id);
    let go: SmtpReply;
    try {
      go = note(await client.command('DATA', d.command_timeout_ms));
    } catch (err) {
      const e = err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String(err));
      record(phase('data', at3, t3, null, { text: e.message, error: e.code }));
      all({ phase: 'data', code: null, enhanced: null, text: e.message, error: e.code }, ids);
      return { definite: true, result: { definite: true, verdicts }, sawClose: true };
    }
    if (go.code !== 354) {
      record(phase('data', at3, t3, go));
      // A 2xx instead of 354 is a protocol violation: nothing was sent, so nothing was delivered.
      all({ phase: 'data', code: go.code, enhanced: go.enhanced, text: go.text, temporary: go.code < 400 }, ids);
      return { definite: true, result: { definite: true, verdicts }, sawClose };
    }
    const intermediate = { code: go.code, text: go.text };
    try {
      const final = note(await client.sendData(job.raw, d.command_timeout_ms));
      client.messages++;
      record(phase('data', at3, t3, final, { detail: { intermediate, bytes: job.raw.length } }));
      all({ phase: 'data', code: final.code, enhanced: final.enhanced, text: final.text }, ids);
    } catch (err) {
      const e = err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String(err));
      record(phase('data', at3, t3, null, { text: e.message, error: e.code, detail: { intermediate, bytes: job.raw.length } }));
      all({ phase: 'data', code: null, enhanced: null, text: e.message, error: e.code }, ids);
      sawClose = true;
    }
    return { definite: true, result: { definite: true, verdicts }, sawClose };
  }

  return {
    deliver,
    async close() {
      await Promise.all(pool.drain().map((c) => c.quit(2_000)));
    },
  };
}

function tlsConnectOptions(host: RouteHost, verify: boolean, ca: string[] | undefined): tls.ConnectionOptions {
  const isIp = /^[\d.]+$|:/.test(host.host);
  return { servername: isIp ? undefined : host.host, rejectUnauthorized: verify, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) };
}

/** The MTA-STS plan for a route; an Error when the lookup itself broke (the policy cache could not be read). */
async function stsPlan(mtaSts: MtaSts, domain: string, route: Route): Promise<StsPlan | Error | null> {
  try {
    return (await mtaSts.plan(domain, route)).plan;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function has8bit(raw: Buffer): boolean {
  for (const byte of raw) if (byte > 0x7f) return true;
  return false;
}

async function drainReplies(client: SmtpClient, n: number): Promise<void> {
  // Pipelined RCPTs after a refused MAIL still get (503) replies; read them so a reused session stays in step.
  for (let i = 0; i < n; i++) await client.readReply(5_000).catch(() => undefined);
}

function elapsed(t: number): number {
  return Math.round(performance.now() - t);
}
