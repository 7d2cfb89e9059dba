/**
 * Search, the message page, the raw inbound mail, and the actions on a message (retry, cancel, resend a
 * webhook). Reads go through src/query as the API's do; actions through the API's operator actions.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ActionResult, Actor } from '../../api/actions.js';
import { isoTime, queueIdParams, searchQuery, webhookParams } from '../../api/schemas.js';
import { messageDetails } from '../../query/details.js';
import { messageFate, TIMELINE_LIMIT } from '../../query/fate.js';
import { CursorError, searchMessages, type SearchResult } from '../../query/search.js';
import { url } from '../html.js';
import { READ, ADMIN } from '../access.js';
import type { WebContext } from '../index.js';
import { notice } from '../notices.js';
import { errorPage } from '../pages/error.js';
import { inboundPage } from '../pages/inbound.js';
import { messagePage } from '../pages/message.js';
import { SEARCH_FIELDS, searchPage, type SearchForm } from '../pages/search.js';
import { safeNext, withNotice } from '../redirect.js';

const PAGE_SIZE = 25;
const inboundParams = z.strictObject({ id: z.coerce.number().int().min(1) });
const DAY = 86_400_000;

/** The form's fields, trimmed; empty ones dropped. */
/**
 * The form from the URL. The API's own name `message` is taken for `q`, so a link made for the API opens the
 * same search here; a filter given twice is an error (ignoring it listed every message, as if unfiltered).
 */
function readForm(query: Record<string, unknown>): { form: SearchForm; twice: string | null } {
  const form: SearchForm = {};
  let twice: string | null = null;
  const source: Record<string, unknown> = { ...query, q: query.q ?? query.message };
  for (const f of SEARCH_FIELDS) {
    const v = source[f];
    if (Array.isArray(v)) twice ??= f === 'q' && query.q === undefined ? 'message' : f;
    else if (typeof v === 'string' && v.trim()) form[f] = v.trim();
  }
  return { form, twice };
}

/** The API's search parameters from the form: `q` is the Message-ID or queue id; "until" a date includes that whole day. */
function toParams(form: SearchForm, cursor: unknown): Record<string, unknown> {
  const { q, until, ...rest } = form;
  const p: Record<string, unknown> = { ...rest, limit: String(PAGE_SIZE) };
  if (q) p.message = q;
  // A date is the end of that day, passed as epoch milliseconds (an ISO string past year 9999 has six digits);
  // anything else, an impossible date included, goes as typed and the API's check answers it.
  const day = /^\d{4}-\d{2}-\d{2}$/.test(until ?? '') ? isoTime(until!) : Number.NaN;
  if (until) p.until = Number.isNaN(day) ? until : String(day + DAY);
  if (typeof cursor === 'string' && cursor) p.cursor = cursor;
  return p;
}

export function registerMessages(web: FastifyInstance, ctx: WebContext): void {
  const user = (req: FastifyRequest) => req.webUser!;
  const actor = (req: FastifyRequest): Actor => ({ by: user(req).principal.name, via: 'web', log: ctx.log });
  const notFound = (req: FastifyRequest, reply: FastifyReply, what: string) =>
    ctx.send(reply, 404, errorPage({ user: user(req), title: 'Not found', message: what }));

  web.get('/messages', READ, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const { form, twice } = readForm(query);
    // A 400 with the search as given and the reason at its field (the API's `message` is the page's `q`).
    const bad = (field: string, message: string) =>
      ctx.send(reply, 400, searchPage({ user: user(req), form, result: null, next: null, error: { field: field === 'message' ? 'q' : field, message } }));
    if (twice) return bad(twice, `${twice} is given more than once: give it once`);
    const parsed = searchQuery.safeParse(toParams(form, query.cursor));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return bad(String(issue.path[0] ?? ''), issue.message);
    }
    let result: SearchResult;
    try {
      result = await searchMessages(ctx.store, parsed.data, ctx.fate);
    } catch (err) {
      if (!(err instanceof CursorError)) throw err;
      return bad('cursor', 'That page link is not valid any more; search again.');
    }
    // A Message-ID or queue id alone that names one message: straight to it.
    if (form.q && Object.keys(form).length === 1 && !query.cursor && result.messages.length === 1) {
      return reply.code(303).header('location', url('/ui/messages/', result.messages[0]!.queue_id)).send();
    }
    const next = result.next_cursor ? url('/ui/messages', { ...form, cursor: result.next_cursor }) : null;
    return ctx.send(reply, 200, searchPage({ user: user(req), form, result, next, error: null }));
  });

  web.get('/messages/:queueId', READ, async (req, reply) => {
    const params = queueIdParams.safeParse(req.params);
    if (!params.success) return notFound(req, reply, 'That is not a queue id.');
    const { queueId } = params.data;
    // A long timeline is paged back from its latest entries (query/fate.ts); a bad page link shows the latest.
    const before = Number((req.query as Record<string, unknown>).timeline_before);
    const timeline = { limit: ctx.fate?.timeline?.limit ?? TIMELINE_LIMIT, before: Number.isSafeInteger(before) && before > 0 ? before : null };
    const fate = (await messageFate(ctx.store, queueId, { ...ctx.fate, timeline })).find((f) => f.queue_id === queueId);
    if (!fate) return notFound(req, reply, `No message has the queue id ${queueId}. It may have been deleted after retention.history_days.`);
    const [details, same] = await Promise.all([
      messageDetails(ctx.store, queueId),
      fate.message_id ? ctx.store.query.findMessages(fate.message_id) : Promise.resolve([]),
    ]);
    const subject = fate.submission.subject;
    return ctx.send(
      reply,
      200,
      messagePage({
        user: user(req),
        fate,
        details,
        subject,
        sameMessageId: same.length,
        notice: notice(req.query as Record<string, unknown>),
        paged: timeline.before !== null,
      }),
    );
  });

  /** After an action: back to the page, with the fixed sentence for what happened. */
  const after = <T>(reply: FastifyReply, back: string, r: ActionResult<T>, done: string, n: number, errors: Partial<Record<404 | 409, string>>) =>
    reply
      .code(303)
      .header('location', withNotice(back, r.ok ? { done, n } : { error: errors[r.status] ?? 'not-found' }))
      .send();

  for (const action of ['retry', 'cancel'] as const) {
    web.post(`/messages/:queueId/${action}`, ADMIN, async (req, reply) => {
      const params = queueIdParams.safeParse(req.params);
      if (!params.success) return notFound(req, reply, 'That is not a queue id.');
      const r = await ctx.actions[action](params.data.queueId, actor(req));
      if (!r.ok && r.status === 404) return notFound(req, reply, r.error);
      return after(reply, url('/ui/messages/', params.data.queueId), r, action === 'retry' ? 'retried' : 'cancelled', r.ok ? r.value.length : 0, {
        409: `nothing-to-${action}`,
      });
    });
  }

  web.post('/webhooks/:id/resend', ADMIN, async (req, reply) => {
    const params = webhookParams.safeParse(req.params);
    if (!params.success) return notFound(req, reply, 'That is not a webhook delivery id.');
    const r = await ctx.actions.resendWebhook(params.data.id, actor(req));
    return after(reply, safeNext((req.body as Record<string, unknown>).back), r, 'webhook-resent', 1, { 409: 'webhook-not-failed', 404: 'not-found' });
  });

  web.get('/inbound/:id', READ, async (req, reply) => {
    const params = inboundParams.safeParse(req.params);
    const row = params.success ? await ctx.store.inbound.get(params.data.id) : null;
    const raw = row ? await ctx.store.inbound.raw(row.id) : null;
    if (!row || !raw) return notFound(req, reply, 'No inbound mail has that id (it may have been deleted after retention.inbound_days).');
    const message = row.matchedMessageRowId !== null ? await ctx.store.messages.getById(row.matchedMessageRowId) : null;
    return ctx.send(reply, 200, inboundPage({ user: user(req), id: row.id, receivedAt: row.receivedAt, mailFrom: row.mailFrom, kind: row.kind, raw, message }));
  });
}
