/** The suppression list: search, add, remove, through the same functions as the API's routes. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../api/actions.js';
import { suppressionBody } from '../../api/schemas.js';
import { url } from '../html.js';
import { READ, ADMIN } from '../access.js';
import type { WebContext } from '../index.js';
import { notice } from '../notices.js';
import { suppressionsPage } from '../pages/suppressions.js';
import { safeNext, withNotice } from '../redirect.js';

const PAGE_SIZE = 50;

export function registerSuppressions(web: FastifyInstance, ctx: WebContext): void {
  const actor = (req: FastifyRequest): Actor => ({ by: req.webUser!.principal.name, via: 'web', log: ctx.log });

  web.get('/suppressions', READ, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const contains = typeof q.contains === 'string' ? q.contains.trim().slice(0, 320) : '';
    const offset = Math.max(0, Math.min(1_000_000, Number(q.offset) || 0));
    const [page, total] = await Promise.all([
      ctx.suppressions.list({ limit: PAGE_SIZE + 1, offset, contains: contains || undefined }),
      ctx.store.suppressions.count(),
    ]);
    const rows = page.slice(0, PAGE_SIZE);
    // The message behind each entry: the event that caused it (a hard bounce or a complaint) names it.
    const causes = new Map((await ctx.store.query.messagesOfEvents(rows.flatMap((s) => (s.eventId !== null ? [s.eventId] : [])))).map((c) => [c.eventId, c]));
    return ctx.send(
      reply,
      200,
      suppressionsPage({
        user: req.webUser!,
        rows: rows.map((s) => ({ ...s, cause: s.eventId !== null ? (causes.get(s.eventId) ?? null) : null })),
        contains,
        total,
        next: page.length > PAGE_SIZE ? url('/ui/suppressions', { contains, offset: offset + PAGE_SIZE }) : null,
        notice: notice(q),
      }),
    );
  });

  web.post('/suppressions', ADMIN, async (req, reply) => {
    const b = req.body as Record<string, unknown>;
    const parsed = suppressionBody.safeParse({
      address: typeof b.address === 'string' ? b.address.trim() : b.address,
      ...(typeof b.reason === 'string' && b.reason.trim() ? { reason: b.reason.trim() } : {}),
    });
    if (!parsed.success)
      return reply
        .code(303)
        .header('location', withNotice('/ui/suppressions', { error: 'bad-address' }))
        .send();
    const { created } = await ctx.actions.addSuppression(parsed.data.address, parsed.data.reason, actor(req));
    return reply
      .code(303)
      .header('location', withNotice('/ui/suppressions', { done: created ? 'suppression-added' : 'suppression-exists' }))
      .send();
  });

  web.post('/suppressions/remove', ADMIN, async (req, reply) => {
    const b = req.body as Record<string, unknown>;
    const back = safeNext(b.back, '/ui/suppressions');
    const address = typeof b.address === 'string' ? b.address : '';
    const r = await ctx.actions.removeSuppression(address, actor(req));
    return reply
      .code(303)
      .header('location', withNotice(back, r.ok ? { done: 'suppression-removed' } : { error: 'not-suppressed' }))
      .send();
  });
}
