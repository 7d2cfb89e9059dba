/** Sign in with an API token, sign out. The only pages reachable without a session are the sign-in form and the stylesheet. */
import type { FastifyInstance } from 'fastify';
import { hashToken } from '../../api/auth.js';
import { CSRF_FIELD, LOGIN_COOKIE, sameToken } from '../csrf.js';
import { loginPage } from '../pages/login.js';
import { errorPage } from '../pages/error.js';
import { describeClient } from '../../listener/client-key.js';
import { cookie, randomToken, readCookie, SESSION_COOKIE } from '../session.js';
import { PUBLIC, READ } from '../access.js';
import type { WebContext } from '../index.js';
import { safeNext } from '../redirect.js';

/** How long a sign-in form may be left open before it is stale. */
const LOGIN_FORM_S = 30 * 60;

export function registerSession(web: FastifyInstance, ctx: WebContext): void {
  const loginForm = (req: Parameters<WebContext['secure']>[0], next: string, status: number, reply: Parameters<WebContext['send']>[0], error?: string) => {
    // Double-submit nonce: the same random value in a cookie and in the form (there is no session yet to hold it).
    const nonce = randomToken();
    reply.header('set-cookie', cookie(LOGIN_COOKIE, nonce, { path: '/ui/login', maxAgeS: LOGIN_FORM_S, secure: ctx.secure(req) }));
    return ctx.send(reply, status, loginPage({ nonce, next, error }));
  };

  web.get('/', PUBLIC, async (_req, reply) => reply.code(303).header('location', '/ui/messages').send());

  web.get('/login', PUBLIC, async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    // Already signed in: straight on.
    const session = ctx.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session && (await ctx.byHash(session.tokenSha256))) return reply.code(303).header('location', next).send();
    return loginForm(req, next, 200, reply);
  });

  /** 429 for an address over api.limits.max_auth_failures: a plain page saying when to try again. */
  const blocked = (reply: Parameters<WebContext['send']>[0], ip: string, waitMs: number) => {
    const s = Math.max(Math.ceil(waitMs / 1000), 1);
    const at = new Date(Date.now() + s * 1000).toISOString().slice(0, 16).replace('T', ' ');
    const who = describeClient(ip, ctx.config.api.limits.ipv6_prefix_length);
    reply.header('retry-after', String(s));
    return ctx.send(
      reply,
      429,
      errorPage({
        user: null,
        title: 'Too many failed sign-ins',
        message: `Too many invalid tokens were tried from ${who}. Try again in ${s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`} (at ${at} UTC).`,
      }),
    );
  };

  web.post('/login', PUBLIC, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    // Before anything is looked up: a blocked address's guess costs nothing.
    const wait = ctx.credentialFailures.retryAfterMs(req.ip);
    if (wait > 0) {
      ctx.refusals?.httpBlockedRequest('web');
      return blocked(reply, req.ip, wait);
    }
    if (!sameToken(readCookie(req.headers.cookie, LOGIN_COOKIE), body[CSRF_FIELD])) {
      ctx.log.warn({ event: 'web.refused', reason: 'csrf', method: 'POST', url: '/ui/login', client_ip: req.ip }, 'sign-in without the form nonce refused');
      return loginForm(req, next, 403, reply, 'The sign-in form was stale or did not come from this page. Please try again.');
    }
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const sha = hashToken(token);
    const principal = token ? await ctx.byHash(sha) : null;
    if (!principal) {
      ctx.log.warn({ event: 'web.sign_in_failed', client_ip: req.ip }, 'web sign-in with an unknown token');
      const { blockedForMs, failures } = ctx.credentialFailures.fail(req.ip);
      ctx.refusals?.httpCredentialFailed('web');
      if (blockedForMs > 0) {
        ctx.refusals?.httpBlockStarted('web');
        ctx.log.warn(
          { event: 'api.auth_blocked', client_ip: req.ip, failures, via: 'web' },
          `too many invalid tokens from ${req.ip}: answered 429 until the window passes`,
        );
        return blocked(reply, req.ip, blockedForMs);
      }
      return loginForm(req, next, 401, reply, 'That token is not valid. Check it, or make a new one with `mailtrail tokens add NAME --scope read`.');
    }
    // A new session id at every sign-in: a cookie planted before cannot be carried into the session.
    ctx.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
    const { id } = ctx.sessions.create(sha);
    const secure = ctx.secure(req);
    reply.header('set-cookie', [
      cookie(SESSION_COOKIE, id, { path: '/ui', maxAgeS: ctx.config.api.ui.session_max_hours * 3600, secure }),
      cookie(LOGIN_COOKIE, '', { path: '/ui/login', maxAgeS: 0, secure }),
    ]);
    ctx.log.info({ event: 'web.signed_in', token: principal.name, scope: principal.scope, client_ip: req.ip }, `${principal.name} signed in to the web page`);
    return reply.code(303).header('location', next).send();
  });

  web.post('/logout', READ, async (req, reply) => {
    ctx.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', { path: '/ui', maxAgeS: 0, secure: ctx.secure(req) }));
    ctx.log.info({ event: 'web.signed_out', token: req.webUser?.principal.name, client_ip: req.ip }, 'signed out of the web page');
    return reply.code(303).header('location', '/ui/login').send();
  });
}
