/**
 * The HTTP API: a thin JSON face over src/query (reads) and ./actions.ts (retry, cancel, suppressions,
 * webhook resends; the web page calls the same). Every input is
 * checked with the zod schemas of ./schemas.ts; every error is `{ "error": … }`, with `field` and
 * `message` when a request was invalid. Bound to 127.0.0.1 unless config.api.host says otherwise.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { messageFate, TIMELINE_LIMIT, type FateOptions } from '../query/fate.js';
import { CursorError, DEFAULT_LIMIT, searchMessages } from '../query/search.js';
import type { Store, SuppressionPosition, SuppressionRecord } from '../store/store.js';
import { RECIPIENT_STATES, type RecipientState } from '../types.js';
import type { UnresponsiveAddress } from '../delivery/unresponsive-hosts.js';
import type { MetricsHook } from '../metrics/metrics.js';
import type { RefusalCounters } from '../listener/refusal-counters.js';
import { createQueueControl } from '../queue/control.js';
import { suppressionList } from '../suppression/list.js';
import { createOperatorActions, type ActionResult, type OperatorActions, type QueueControl, type SuppressionControl } from './actions.js';
import { allows, createAuthenticator, type Principal, type Scope } from './auth.js';
import { openApiDocument } from './openapi.js';
import { limitConnections } from './connections.js';
import { CredentialFailures } from './failures.js';
import { describeClient } from '../listener/client-key.js';
import type { DoctorReport } from '../doctor/types.js';
import {
  doctorQuery,
  emptyQuery,
  messageQuery,
  messageParams,
  queueIdParams,
  searchQuery,
  suppressionBody,
  suppressionParams,
  suppressionsQuery,
  webhookParams,
} from './schemas.js';

export type { QueueControl, SuppressionControl } from './actions.js';

/** The Prometheus registry, supplied by the metrics module. */

export interface ApiOptions {
  store: Store;
  config: Pick<Config, 'api'>;
  logger: Logger;
  queueControl?: QueueControl;
  suppressions?: SuppressionControl;
  /** The operator actions; by default made from queueControl, suppressions and the store's webhook outbox. */
  actions?: OperatorActions;
  metrics?: MetricsHook;
  /** The mail server addresses this process's delivery skips because they did not answer (GET /v1/queue). */
  unresponsive?: () => readonly UnresponsiveAddress[];
  /** Failed credentials, blocks and refused connections, counted for /metrics (the web page gets the same). */
  refusals?: RefusalCounters;
  /** /readyz answers 503 until this returns true. Absent: ready once listening. */
  ready?: () => boolean;
  /** Passed to messageFate (a classifier for answers recorded without an explanation, a clock for tests). */
  fate?: FateOptions;
  /** Runs `mailtrail doctor` (src/doctor) for GET /v1/doctor; absent: that endpoint answers 404. */
  doctor?: (domains: string[]) => Promise<DoctorReport>;
}

export interface Api {
  app: FastifyInstance;
  /** The operator actions the API's routes call: the web page is given the same object. */
  actions: OperatorActions;
  /** Every route as fastify registered it (from its onRoute hook), for the OpenAPI test and diagnostics. */
  routes: { method: string; url: string }[];
  /** Connections open now, in all (api.limits). */
  readonly openConnections: number;
  /** Failed credentials per client address (api.limits.max_auth_failures); the web page's sign-in shares them. */
  credentialFailures: CredentialFailures;
  /** Starts listening on config.api.host:port; resolves to the bound address. */
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

/** A request input that failed its schema. */
export class InvalidRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidRequest';
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'query' | 'params' | 'body'): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    throw new InvalidRequest(
      issue.keys[0],
      `unknown ${where === 'body' ? 'field' : 'parameter'}; this endpoint accepts ${Object.keys((schema as unknown as z.ZodObject).shape).join(', ') || 'none'}`,
    );
  }
  const field = issue.path.map(String).join('.') || where;
  // What the client sent for that field: zod's issue does not carry it, and a parameter given twice
  // (`?limit=1&limit=2`, an array) was answered "required".
  const given = issue.path.length === 1 && value && typeof value === 'object' ? (value as Record<string, unknown>)[String(issue.path[0])] : undefined;
  // A repeatable parameter given too often is over its count; any other given twice is a mistake.
  const tooBig = issue.code === 'too_big' ? issue : issue.code === 'invalid_union' ? issue.errors.flat().find((e) => e.code === 'too_big') : undefined;
  if (where === 'query' && Array.isArray(given) && tooBig) throw new InvalidRequest(field, `given ${given.length} times; at most ${String(tooBig.maximum)}`);
  if (where === 'query' && Array.isArray(given)) throw new InvalidRequest(field, 'given more than once; give it once');
  // A body that is JSON but no object (a string, an array) is not "required": it is the wrong kind of thing.
  const message =
    issue.code === 'invalid_type' && issue.path.length === 0
      ? `expected a JSON object`
      : issue.code === 'invalid_type' && given === undefined
        ? 'required'
        : issue.message;
  throw new InvalidRequest(field, message);
}

const suppressionJson = (s: SuppressionRecord) => ({ address: s.address, reason: s.reason, source: s.source, created_at: new Date(s.createdAt).toISOString() });

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: anyone, a read token, or an admin token. */
    auth?: 'none' | Scope;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function createApi(opts: ApiOptions): Api {
  const { store, config, logger } = opts;
  const queueControl = opts.queueControl ?? createQueueControl({ store });
  const suppressions = opts.suppressions ?? suppressionList(store);
  const actions = opts.actions ?? createOperatorActions({ queueControl, suppressions, webhooks: store.webhooks, logger: logger.child({ component: 'api' }) });
  const authenticate = createAuthenticator(config, store.tokens);
  let listening = false;
  const limits = config.api.limits;

  const app = Fastify({
    loggerInstance: logger.child({ component: 'api' }).raw as FastifyBaseLogger,
    // One line per request from onResponse below, with our field names, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Message-IDs are often longer than find-my-way's default of 100 characters.
    routerOptions: { maxParamLength: 1000 },
    bodyLimit: 64 * 1024,
    // A URL the router cannot take (`/v1/messages/%ff`, a path segment over maxParamLength): answered in the
    // shape of every other refusal, not fastify's own JSON (and under /ui not as JSON, with no page headers).
    frameworkErrors: (err, req, res) => {
      const reply = res as unknown as FastifyReply;
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const status = tooLong ? 414 : 400;
      const message = tooLong
        ? 'a part of the URL is longer than 1,000 characters'
        : 'the URL does not decode: a % must be followed by two hex digits that make UTF-8';
      if (req.url.startsWith('/ui'))
        return reply
          .code(status)
          .headers({ 'content-security-policy': "default-src 'none'", 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' })
          .type('text/plain; charset=utf-8')
          .send(`Not understood: ${message}.\n`);
      return reply.code(status).send({ error: 'invalid request', field: 'url', message });
    },
    // req.ip: behind a trusted proxy, the right-most X-Forwarded-For address not itself a trusted proxy
    // (@fastify/proxy-addr walks the header right to left); the left part is the client's to forge.
    // false, not []: without proxies the header is never parsed.
    trustProxy: config.api.trusted_proxies.length > 0 ? [...config.api.trusted_proxies] : false,
    // fastify's defaults leave a request and an idle socket without a deadline (requestTimeout and
    // connectionTimeout 0): a client trickling a body, or just connected, held its socket for good.
    connectionTimeout: limits.idle_timeout_ms,
    requestTimeout: limits.request_timeout_ms,
    http: {
      headersTimeout: limits.headers_timeout_ms,
      requestTimeout: limits.request_timeout_ms,
      // node checks the two deadlines above every 30 s by default: a deadline could be overrun by that.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headers_timeout_ms / 4))),
    },
  });
  const admission = limitConnections(app.server, {
    maxConnections: limits.max_connections,
    maxConnectionsPerIp: limits.max_connections_per_ip,
    ipv6Prefix: limits.ipv6_prefix_length,
    // Admission happens before a request is read, so it sees the proxy, never the client behind it.
    trustedProxies: config.api.trusted_proxies,
    onRefused: (limit) => opts.refusals?.httpConnectionRefused(limit),
  });
  const credentialFailures = new CredentialFailures({
    max: limits.max_auth_failures,
    windowMs: limits.auth_failure_window_ms,
    ipv6Prefix: limits.ipv6_prefix_length,
  });
  const log = logger.child({ component: 'api' });
  /** 429 for an address over max_auth_failures: its token is not looked up. */
  const blocked = (req: FastifyRequest, reply: FastifyReply, waitMs: number) => {
    const s = Math.max(Math.ceil(waitMs / 1000), 1);
    const at = new Date(Date.now() + s * 1000).toISOString();
    return reply
      .code(429)
      .header('retry-after', String(s))
      .send({
        error: `too many invalid tokens from ${describeClient(req.ip, limits.ipv6_prefix_length)}; try again in ${s} s (at ${at})`,
        retry_after_s: s,
        retry_at: at,
      });
  };

  const routes: Api['routes'] = [];
  app.addHook('onRoute', (route) => {
    // The web page's routes (src/web, under /ui) share the server but are not part of the API.
    if (route.config?.web) return;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const need = req.routeOptions.config.auth;
    if (need === 'none' || need === undefined) return;
    const wait = credentialFailures.retryAfterMs(req.ip);
    if (wait > 0) {
      opts.refusals?.httpBlockedRequest('api');
      return blocked(req, reply, wait);
    }
    const header = req.headers.authorization;
    if (!header)
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'missing bearer token: send "Authorization: Bearer <token>" (make one with `mailtrail tokens add NAME --scope read`)' });
    const principal = await authenticate(header);
    if (!principal) {
      const { blockedForMs, failures } = credentialFailures.fail(req.ip);
      opts.refusals?.httpCredentialFailed('api');
      if (blockedForMs > 0) {
        opts.refusals?.httpBlockStarted('api');
        const r = blocked(req, reply, blockedForMs);
        log.warn(
          { event: 'api.auth_blocked', client_ip: req.ip, failures, via: 'api' },
          `too many invalid tokens from ${req.ip}: answered 429 until the window passes`,
        );
        return r;
      }
      return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid bearer token' });
    }
    if (!allows(principal.scope, need))
      return reply.code(403).send({ error: `token "${principal.name}" has scope ${principal.scope}; this endpoint needs ${need}` });
    req.principal = principal;
  });

  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({
      event: 'api.request',
      method: req.method,
      url: req.routeOptions.url ?? req.url,
      status: reply.statusCode,
      token: req.principal?.name,
      duration_ms: Math.round(reply.elapsedTime),
    });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof InvalidRequest) return reply.code(400).send({ error: 'invalid request', field: err.field, message: err.message });
    if (err instanceof CursorError) return reply.code(400).send({ error: 'invalid request', field: 'cursor', message: err.message });
    const status = err.statusCode ?? 500;
    if (status === 400) return reply.code(400).send({ error: 'invalid request', field: 'body', message: err.message });
    if (status < 500) return reply.code(status).send({ error: err.message });
    req.log.error({ event: 'api.error', err, url: req.url }, 'API request failed');
    return reply.code(500).send({ error: 'internal error; the mailtrail log has the details' });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}; the list is at /v1/openapi.json` }),
  );

  const read = { config: { auth: 'read' as const } };
  const admin = { config: { auth: 'admin' as const } };
  const open = { config: { auth: 'none' as const } };

  app.get('/v1/messages/:messageId', read, async (req, reply) => {
    const q = parse(messageQuery, req.query, 'query');
    const { messageId } = parse(messageParams, req.params, 'params');
    const messages = await messageFate(store, messageId, {
      ...opts.fate,
      timeline: { limit: q.timeline_limit ?? TIMELINE_LIMIT, before: q.timeline_before ?? null },
    });
    if (messages.length === 0)
      return reply.code(404).send({
        error: `no message with Message-ID or queue id "${messageId}" (or it was purged: history is kept retention.history_days after delivery ended)`,
      });
    return { messages };
  });

  app.get('/v1/messages', read, async (req) => {
    const q = parse(searchQuery, req.query, 'query');
    return searchMessages(store, q, opts.fate);
  });

  app.post('/v1/messages/:queueId/retry', admin, async (req, reply) => operatorAction(req, reply, 'retry'));
  app.post('/v1/messages/:queueId/cancel', admin, async (req, reply) => operatorAction(req, reply, 'cancel'));

  const actor = (req: FastifyRequest) => ({ by: req.principal?.name ?? '(unknown)', via: 'api' as const, log: req.log as unknown as Logger });
  /** A refused action as the API answers it: its status and sentence. */
  const refused = (reply: FastifyReply, r: Extract<ActionResult<unknown>, { ok: false }>) => reply.code(r.status).send({ error: r.error });

  async function operatorAction(req: FastifyRequest, reply: FastifyReply, action: 'retry' | 'cancel') {
    parse(emptyQuery, req.query, 'query');
    const { queueId } = parse(queueIdParams, req.params, 'params');
    const result = await actions[action](queueId, actor(req));
    if (!result.ok) return refused(reply, result);
    return { queue_id: queueId, action, recipients: result.value.map((r) => ({ address: r.address, state: r.state })) };
  }

  app.post('/v1/webhooks/:id/retry', admin, async (req, reply) => {
    parse(emptyQuery, req.query, 'query');
    const { id } = parse(webhookParams, req.params, 'params');
    const result = await actions.resendWebhook(id, actor(req));
    if (!result.ok) return refused(reply, result);
    const d = result.value;
    return { id: d.id, endpoint: d.endpoint, type: d.type, event_id: d.eventId, state: d.state };
  });

  app.get('/v1/suppressions', read, async (req) => {
    const q = parse(suppressionsQuery, req.query, 'query');
    const limit = q.limit ?? DEFAULT_LIMIT;
    // The cursor is the last entry's position (time, address), not an offset: an entry added between pages
    // does not shift the next one.
    const after = q.cursor ? decodePosition(q.cursor) : undefined;
    const rows = await suppressions.list({ limit: limit + 1, after, address: q.address });
    const last = rows.length > limit ? rows[limit - 1]! : null;
    return {
      suppressions: rows.slice(0, limit).map(suppressionJson),
      next_cursor: last ? Buffer.from(JSON.stringify([last.createdAt, last.address])).toString('base64url') : null,
    };
  });

  app.post('/v1/suppressions', admin, async (req, reply) => {
    parse(emptyQuery, req.query, 'query');
    const body = parse(suppressionBody, req.body, 'body');
    const { created, suppression } = await actions.addSuppression(body.address, body.reason, actor(req));
    return reply.code(created ? 201 : 200).send({ created, suppression: suppressionJson(suppression) });
  });

  app.delete('/v1/suppressions/:address', admin, async (req, reply) => {
    parse(emptyQuery, req.query, 'query');
    const { address } = parse(suppressionParams, req.params, 'params');
    const result = await actions.removeSuppression(address, actor(req));
    if (!result.ok) return refused(reply, result);
    return reply.code(204).send();
  });

  app.get('/v1/queue', read, async (req) => {
    parse(emptyQuery, req.query, 'query');
    const o = await store.query.queueOverview();
    const byState = Object.fromEntries(RECIPIENT_STATES.map((s) => [s, o.byState[s] ?? 0])) as Record<RecipientState, number>;
    const domains = new Map<string, { domain: string; queued: number; deferred: number; oldest_created_at: string }>();
    for (const d of o.byDomain) {
      const e = domains.get(d.domain) ?? { domain: d.domain, queued: 0, deferred: 0, oldest_created_at: new Date(d.oldestCreatedAt).toISOString() };
      if (d.state === 'queued' || d.state === 'deferred') e[d.state] += d.count;
      const oldest = new Date(d.oldestCreatedAt).toISOString();
      if (oldest < e.oldest_created_at) e.oldest_created_at = oldest;
      domains.set(d.domain, e);
    }
    const now = Date.now();
    return {
      by_state: byState,
      waiting_by_domain: [...domains.values()].sort((a, b) => b.queued + b.deferred - (a.queued + a.deferred) || a.domain.localeCompare(b.domain)),
      unresponsive_addresses: (opts.unresponsive?.() ?? []).map((a) => {
        const at = a.address.lastIndexOf(':');
        return {
          ip: a.address.slice(0, at),
          port: Number(a.address.slice(at + 1)),
          why: a.why,
          strikes: a.strikes,
          first_timeout_at: new Date(a.first).toISOString(),
          last_timeout_at: new Date(a.since).toISOString(),
          held_until: new Date(a.until).toISOString(),
          probe_due: a.until <= now,
        };
      }),
    };
  });

  app.get('/v1/doctor', read, async (req, reply) => {
    const q = parse(doctorQuery, req.query, 'query');
    if (!opts.doctor) return reply.code(404).send({ error: 'doctor is not available in this process' });
    return opts.doctor(q.domain ?? []);
  });

  app.get('/healthz', open, async () => ({ status: 'ok' }));

  app.get('/readyz', open, async (_req, reply) => {
    const ready = opts.ready ? opts.ready() : listening;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'starting' });
  });

  app.get('/metrics', read, async (_req, reply) => {
    if (!opts.metrics) return reply.code(404).send({ error: 'metrics are not enabled in this process' });
    let body: string;
    try {
      body = await opts.metrics.render();
    } catch (err) {
      reply.log.error({ event: 'api.error', err }, 'metrics could not be rendered');
      return reply.code(503).send({ error: 'metrics are not available right now' });
    }
    return reply.type(opts.metrics.contentType).send(body);
  });

  app.get('/v1/openapi.json', open, async () => openApiDocument());

  return {
    app,
    actions,
    routes,
    get openConnections() {
      return admission.open;
    },
    credentialFailures,
    async listen() {
      await app.listen({ host: config.api.host, port: config.api.port });
      listening = true;
      const addr = app.server.address();
      if (!addr || typeof addr === 'string') return { host: config.api.host, port: config.api.port };
      return { host: addr.address, port: addr.port };
    },
    async close() {
      listening = false;
      // fastify's close waits for every request under way, and the relay's stop waits for this close
      // before it closes the SMTP listeners and the store: a client that never finishes its request
      // must not hold the stop (it held it for good before api.limits, and for request_timeout_ms after).
      const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/** Time requests under way get to finish when the server closes; then their connections are closed. */
const CLOSE_GRACE_MS = 2000;

function decodePosition(cursor: string): SuppressionPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError();
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isSafeInteger(value[0]) || typeof value[1] !== 'string') throw new CursorError();
  return { createdAt: value[0] as number, address: value[1] as string };
}
