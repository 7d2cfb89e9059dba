/**
 * The support web page, under /ui on the API's HTTP server (same process, same tokens). A thin face: it
 * reads through src/query and acts through the API's operator actions (src/api/actions.ts), as the API does.
 *
 * Locks, in the order a request meets them:
 *  - every response: a Content-Security-Policy without scripts, no framing, no referrer, no caching;
 *  - every page but the sign-in form and the stylesheet: a live session (httpOnly, SameSite=Strict
 *    cookie) whose API token still exists; without one a GET goes to the sign-in form, anything else is 401;
 *  - every POST: the session's CSRF token in the form, else 403;
 *  - every action: an admin token, else 403. Each action is logged with who did it, and retry/cancel are
 *    recorded in the message's timeline with the token's name.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC, type Access } from './access.js';
import type { OperatorActions, SuppressionControl } from '../api/actions.js';
import { createHashAuthenticator, type HashAuthenticator } from '../api/auth.js';
import type { CredentialFailures } from '../api/failures.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { RefusalCounters } from '../listener/refusal-counters.js';
import type { FateOptions } from '../query/fate.js';
import type { Store } from '../store/store.js';
import { CSRF_FIELD, sameToken } from './csrf.js';
import { url, type Html } from './html.js';
import type { PageUser } from './layout.js';
import { errorPage } from './pages/error.js';
import { registerHealth } from './routes/health.js';
import { registerMessages } from './routes/messages.js';
import { registerQueue } from './routes/queue.js';
import { registerSession } from './routes/session.js';
import { registerSuppressions } from './routes/suppressions.js';
import { createSessions, readCookie, SESSION_COOKIE, type Sessions } from './session.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may reach a page of the web UI (routes under /ui): anyone, a signed-in reader, or an admin. */
    web?: Access;
  }
  interface FastifyRequest {
    /** The signed-in user of a web page request. */
    webUser?: PageUser;
  }
}

export interface WebDeps {
  store: Store;
  config: Pick<Config, 'api'>;
  logger: Logger;
  /** The same object the API's routes call. */
  actions: OperatorActions;
  suppressions: SuppressionControl;
  /** The API's failed-credential counts (api.limits.max_auth_failures): sign-in and bearer tokens share one budget. */
  credentialFailures: CredentialFailures;
  /** Failed sign-ins and blocks, counted for /metrics (the API's counters). */
  refusals?: RefusalCounters;
  /** The clock and classifier of the fate (tests). */
  fate?: FateOptions;
  now?: () => number;
}

/** What the route modules share. */
export interface WebContext extends WebDeps {
  sessions: Sessions;
  byHash: HashAuthenticator;
  log: Logger;
  now: () => number;
  /** Sends a page. */
  send(reply: FastifyReply, status: number, body: Html): FastifyReply;
  /** Whether the Set-Cookie for this request gets Secure (served over HTTPS, directly or behind a proxy). */
  secure(req: FastifyRequest): boolean;
}

const STYLE = readFileSync(new URL('./assets/style.css', import.meta.url));
const FORM_LIMIT = 32 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Page URLs carry Message-IDs and addresses: never sent to another site.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function registerWebUi(app: FastifyInstance, deps: WebDeps): void {
  const ui = deps.config.api.ui;
  const now = deps.now ?? Date.now;
  const ctx: WebContext = {
    ...deps,
    now,
    log: deps.logger.child({ component: 'web' }),
    sessions: createSessions({ idleMs: ui.session_idle_minutes * 60_000, maxAgeMs: ui.session_max_hours * 3_600_000, now }),
    byHash: createHashAuthenticator(deps.config, deps.store.tokens),
    send: (reply, status, body) => reply.code(status).type('text/html; charset=utf-8').send(body.value),
    secure: (req) => req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https',
  };

  void app.register(
    async (web) => {
      web.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
        // The first value of each field; nothing nested, nothing else.
        const fields: Record<string, string> = {};
        for (const [k, v] of new URLSearchParams(body as string)) if (!(k in fields)) fields[k] = v;
        done(null, fields);
      });

      web.addHook('onRequest', async (_req, reply) => {
        reply.headers(SECURITY_HEADERS);
      });

      web.addHook('preHandler', async (req, reply) => {
        const need = req.routeOptions.config.web ?? 'read';
        if (need === 'public') return;
        const cookieValue = readCookie(req.headers.cookie, SESSION_COOKIE);
        const session = ctx.sessions.get(cookieValue);
        // The token is asked about again: a removed token ends its sessions at once.
        const principal = session ? await ctx.byHash(session.tokenSha256) : null;
        if (!session || !principal) {
          if (session) ctx.sessions.destroy(cookieValue);
          if (req.method === 'GET' || req.method === 'HEAD')
            return reply
              .code(303)
              .header('location', url('/ui/login', { next: req.url }))
              .send();
          ctx.log.warn(
            { event: 'web.refused', reason: 'no session', method: req.method, url: req.routeOptions.url, client_ip: req.ip },
            'web action without a session refused',
          );
          return ctx.send(
            reply,
            401,
            errorPage({ user: null, title: 'Signed out', message: 'Your session has ended. Sign in again, then repeat what you did.' }),
          );
        }
        const user: PageUser = { principal, csrf: session.csrf };
        req.webUser = user;
        if (req.method !== 'POST') return;
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (!sameToken(session.csrf, body[CSRF_FIELD])) {
          ctx.log.warn(
            { event: 'web.refused', reason: 'csrf', method: req.method, url: req.routeOptions.url, token: principal.name, client_ip: req.ip },
            'web action without its CSRF token refused',
          );
          return ctx.send(
            reply,
            403,
            errorPage({ user, title: 'Not done', message: 'This form did not come from this page, or it is stale. Go back, reload the page and try again.' }),
          );
        }
        if (need === 'admin' && principal.scope !== 'admin') {
          ctx.log.warn(
            { event: 'web.refused', reason: 'scope', method: req.method, url: req.routeOptions.url, token: principal.name, client_ip: req.ip },
            'web action with a read token refused',
          );
          return ctx.send(
            reply,
            403,
            errorPage({
              user,
              title: 'Not allowed',
              message: `The token "${principal.name}" has read scope: it can look but not act. Sign in with an admin token to do this.`,
            }),
          );
        }
      });

      web.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) ctx.log.error({ event: 'web.error', err, url: req.url }, 'web page failed');
        return ctx.send(
          reply,
          status,
          errorPage({
            user: req.webUser ?? null,
            title: status === 500 ? 'Something went wrong' : 'Not understood',
            message: status === 500 ? 'The page could not be made; the mailtrail log has the details.' : 'The request was not understood.',
          }),
        );
      });

      // No route ran the session hook: read the session here, so a signed-in user keeps the navigation.
      web.setNotFoundHandler(async (req, reply) => {
        const cookieValue = readCookie(req.headers.cookie, SESSION_COOKIE);
        const session = ctx.sessions.get(cookieValue);
        const principal = session ? await ctx.byHash(session.tokenSha256) : null;
        const user: PageUser | null = session && principal ? { principal, csrf: session.csrf } : null;
        return ctx.send(reply, 404, errorPage({ user, title: 'No such page', message: `There is no page at ${req.url.split('?')[0]}.` }));
      });

      web.get('/assets/style.css', PUBLIC, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(STYLE));

      registerSession(web, ctx);
      registerMessages(web, ctx);
      registerQueue(web, ctx);
      registerSuppressions(web, ctx);
      registerHealth(web, ctx);
    },
    { prefix: '/ui' },
  );
}
