/**
 * The steps of an SMTP session before the transaction, each recording its phase and saying whether the
 * session can go on: the greeting, EHLO (or HELO), STARTTLS under the destination's TLS policy and
 * MTA-STS rule, and AUTH towards a smarthost. A step returns null to go on, or the failure that ends
 * this host (the deliverer then tries the next one).
 */
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import type { Config } from '../config/schema.js';
import type { HostRule } from '../routing/mta-sts.js';
import type { RouteHost } from '../routing/resolve.js';
import type { Phase } from '../types.js';
import { parseExtensions, SmtpNetworkError, type SmtpClient, type SmtpReply } from './smtp-client.js';
import type { PhaseRecord } from './types.js';

export type TlsPolicy = 'none' | 'opportunistic' | 'required' | 'implicit';

/** What decided a recipient's fate, before classification. */
export interface Verdict {
  phase: Phase;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  error?: string | null;
  remoteHost: string | null;
  remoteIp: string | null;
  /** Forces `deferred` whatever the code (AUTH and TLS problems are ours to fix, not the recipient's). */
  temporary?: boolean;
  /** The connection failed (or the reply made no sense) after the message was sent: it may have arrived. */
  afterBody?: boolean;
}

/** A failure that ends this host; `retryCleartext`: try the same address once more without TLS. */
export type StepFailure = Omit<Verdict, 'remoteHost' | 'remoteIp'> & { retryCleartext?: boolean };

/** What every step needs: where it talks to, how it records, and the limits it works within. */
export interface StepContext {
  config: Pick<Config, 'hostname' | 'delivery'>;
  host: RouteHost;
  ip: string;
  clock: () => number;
  record(p: PhaseRecord): void;
}

/** Any error of the SMTP client as the network error it stands for. */
export function asNetworkError(err: unknown): SmtpNetworkError {
  return err instanceof SmtpNetworkError ? err : new SmtpNetworkError('ENETWORK', String((err as Error)?.message ?? err));
}

export function elapsed(t: number): number {
  return Math.round(performance.now() - t);
}

/** A phase record at this host, started at `at` (wall clock) / `t` (monotonic), with the reply if any. */
export function phaseAt(
  ctx: Pick<StepContext, 'host' | 'ip'>,
  name: Phase,
  at: number,
  t: number,
  reply: SmtpReply | null,
  extra: Partial<PhaseRecord> = {},
): PhaseRecord {
  return {
    phase: name,
    at,
    durationMs: elapsed(t),
    code: reply?.code ?? null,
    enhanced: reply?.enhanced ?? null,
    text: reply?.text ?? null,
    remoteHost: ctx.host.host,
    remoteIp: ctx.ip,
    ...extra,
  };
}

/** The 220 on a fresh connection (`connectMs`: how long the TCP/TLS connect took). */
export async function greet(
  ctx: StepContext & { stopping?: AbortSignal },
  client: SmtpClient,
  at: number,
  t: number,
  detail: Record<string, unknown>,
): Promise<StepFailure | null> {
  let greeting: SmtpReply;
  // A relay that stops does not wait out a slow greeting (up to 5 minutes): nothing was offered yet, so the job
  // is given back without an attempt (ESTOPPING), as one still connecting is (docs/delivery.md).
  let onStop = () => {};
  const stopped = new Promise<'stopping'>((resolve) => {
    onStop = () => resolve('stopping');
    if (ctx.stopping?.aborted) resolve('stopping');
    ctx.stopping?.addEventListener('abort', onStop, { once: true });
  });
  try {
    const first = await Promise.race([client.readReply(ctx.config.delivery.greeting_timeout_ms), stopped]);
    if (first === 'stopping') {
      client.destroy();
      return { phase: 'connect', code: null, enhanced: null, text: 'the relay is stopping', error: 'ESTOPPING', temporary: true };
    }
    greeting = first;
  } catch (err) {
    const e = asNetworkError(err);
    ctx.record(phaseAt(ctx, 'connect', at, t, null, { text: `no greeting: ${e.message}`, error: e.code, detail }));
    return { phase: 'connect', code: null, enhanced: null, text: `no greeting: ${e.message}`, error: e.code };
  } finally {
    // The signal lives as long as the relay: one listener per greeting would pile up on it.
    ctx.stopping?.removeEventListener('abort', onStop);
  }
  ctx.record(phaseAt(ctx, 'connect', at, t, greeting, { detail: { ...detail, tls: client.tls } }));
  if (greeting.code !== 220) {
    await client.quit(2_000);
    return { phase: 'connect', code: greeting.code, enhanced: greeting.enhanced, text: greeting.text };
  }
  return null;
}

/** EHLO, or HELO when EHLO is refused with 5xx. */
export async function sayHello(ctx: StepContext, client: SmtpClient): Promise<StepFailure | null> {
  for (const verb of ['EHLO', 'HELO'] as const) {
    const name: Phase = verb === 'EHLO' ? 'ehlo' : 'helo';
    const at = ctx.clock();
    const t = performance.now();
    let reply: SmtpReply;
    try {
      reply = await client.command(`${verb} ${ctx.config.hostname}`, ctx.config.delivery.command_timeout_ms);
    } catch (err) {
      const e = asNetworkError(err);
      ctx.record(phaseAt(ctx, name, at, t, null, { text: e.message, error: e.code }));
      return { phase: name, code: null, enhanced: null, text: e.message, error: e.code };
    }
    if (verb === 'EHLO' && reply.code === 250) client.extensions = parseExtensions(reply);
    if (verb === 'HELO') client.extensions = new Map();
    ctx.record(
      phaseAt(ctx, name, at, t, reply, verb === 'EHLO' && reply.code === 250 ? { detail: { extensions: Object.fromEntries(client.extensions) } } : {}),
    );
    if (reply.code === 250) return null;
    if (verb === 'EHLO' && reply.code >= 500) continue; // an old server: RFC 5321 §3.2 fallback
    return { phase: name, code: reply.code, enhanced: reply.enhanced, text: reply.text };
  }
  return null;
}

/** STARTTLS as the policy asks (RFC 3207), then EHLO again on the encrypted session. */
export async function upgradeTls(
  ctx: StepContext,
  client: SmtpClient,
  opts: { policy: TlsPolicy; tlsAllowed: boolean; sts: HostRule | null; tlsOptions: (verify: boolean) => tls.ConnectionOptions },
): Promise<StepFailure | null> {
  const { policy, sts } = opts;
  const d = ctx.config.delivery;
  if (!((policy === 'opportunistic' || policy === 'required') && (policy === 'required' || opts.tlsAllowed))) return null;
  const enforced = sts?.use === 'enforce';
  // Failures under an enforced policy say so: the text is what the classifier and the trace explain.
  const why = (text: string) => (enforced ? `${sts.label} requires TLS with a valid certificate: ${text}` : text);
  if (!client.extensions.has('STARTTLS')) {
    if (policy !== 'required') return null;
    const text = why(`TLS is required for this destination but ${ctx.host.host} does not offer STARTTLS`);
    ctx.record(phaseAt(ctx, 'starttls', ctx.clock(), performance.now(), null, { text, error: 'ETLSREQUIRED', enhanced: '4.7.10' }));
    await client.quit(2_000);
    return { phase: 'starttls', code: null, enhanced: '4.7.10', text, error: 'ETLSREQUIRED', temporary: true };
  }
  const at = ctx.clock();
  const t = performance.now();
  let reply: SmtpReply;
  try {
    reply = await client.command('STARTTLS', d.command_timeout_ms);
  } catch (err) {
    const e = asNetworkError(err);
    ctx.record(phaseAt(ctx, 'starttls', at, t, null, { text: e.message, error: e.code }));
    return { phase: 'starttls', code: null, enhanced: null, text: e.message, error: e.code };
  }
  if (reply.code !== 220) {
    ctx.record(phaseAt(ctx, 'starttls', at, t, reply));
    if (policy !== 'required') return null; // refused with a reply: go on in cleartext
    await client.quit(2_000);
    return { phase: 'starttls', code: reply.code, enhanced: reply.enhanced, text: reply.text, temporary: true };
  }
  try {
    const info = await client.startTls(opts.tlsOptions(policy === 'required' && (d.verify_certificates || enforced)), d.command_timeout_ms);
    // Under a testing policy an unverified certificate is recorded, and delivery goes on (RFC 8461 §5).
    const testing =
      sts?.use === 'testing' && (!info.authorized || sts.mismatch)
        ? {
            mta_sts: `${sts.label}: ${sts.mismatch ? `${ctx.host.host} is not a listed MX` : `certificate not valid for ${ctx.host.host} (${info.authorizationError})`}; delivered anyway (testing)`,
          }
        : {};
    const unverified = info.authorized ? {} : { authorization_error: info.authorizationError };
    ctx.record(
      phaseAt(ctx, 'starttls', at, t, reply, {
        detail: { protocol: info.protocol, cipher: info.cipher, verified: info.authorized, ...unverified, ...testing },
      }),
    );
  } catch (err) {
    const e = asNetworkError(err);
    ctx.record(
      phaseAt(ctx, 'starttls', at, t, reply, {
        text: `${reply.text}\n${why(e.message)}`,
        error: e.code,
        ...(e.tlsCode ? { detail: { tls_error: e.tlsCode } } : {}),
      }),
    );
    return {
      phase: 'starttls',
      code: null,
      enhanced: enforced ? '4.7.5' : '4.7.10',
      text: why(e.message),
      error: e.code,
      temporary: true,
      retryCleartext: policy === 'opportunistic',
    };
  }
  return sayHello(ctx, client);
}

/** AUTH PLAIN towards a smarthost, never in cleartext unless the operator chose `tls: none`. */
export async function authenticate(
  ctx: StepContext,
  client: SmtpClient,
  smarthost: { username: string; password?: string | null; tls: TlsPolicy },
): Promise<StepFailure | null> {
  const at = ctx.clock();
  const t = performance.now();
  if (!client.tls && smarthost.tls !== 'none') {
    const text = `not sending the smarthost password without TLS: ${ctx.host.host} did not offer STARTTLS; set delivery.smarthost.tls: required (or none to allow cleartext AUTH)`;
    ctx.record(phaseAt(ctx, 'auth', at, t, null, { text, error: 'EAUTHNOTLS' }));
    await client.quit(2_000);
    return { phase: 'auth', code: null, enhanced: '4.7.10', text, error: 'EAUTHNOTLS', temporary: true };
  }
  const token = Buffer.from(`\0${smarthost.username}\0${smarthost.password ?? ''}`).toString('base64');
  let reply: SmtpReply;
  try {
    reply = await client.command(`AUTH PLAIN ${token}`, ctx.config.delivery.command_timeout_ms);
  } catch (err) {
    const e = asNetworkError(err);
    ctx.record(phaseAt(ctx, 'auth', at, t, null, { text: e.message, error: e.code }));
    return { phase: 'auth', code: null, enhanced: null, text: e.message, error: e.code };
  }
  // A server that echoes the command in its reply would put our password (base64 is no secret) into the
  // timeline, the API, the page and the log: the token and the password are masked wherever they appear.
  const secrets = [token, smarthost.password ?? ''].filter((x) => x.length >= 4);
  const masked = secrets.reduce((text, secret) => text.split(secret).join('***'), reply.text);
  const answer = masked === reply.text ? reply : { ...reply, text: masked };
  ctx.record(phaseAt(ctx, 'auth', at, t, answer, { detail: { username: smarthost.username, mechanism: 'PLAIN' } }));
  if (reply.code === 235) return null;
  await client.quit(2_000);
  // Wrong credentials are our configuration, not the recipient's fault: retry after a fix.
  return { phase: 'auth', code: reply.code, enhanced: reply.enhanced, text: masked, temporary: true };
}
