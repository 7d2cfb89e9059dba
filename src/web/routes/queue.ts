/** The queue by destination. */
import type { FastifyInstance } from 'fastify';
import { waitingDestinations } from '../../query/destinations.js';
import { READ } from '../access.js';
import type { WebContext } from '../index.js';
import { queuePage } from '../pages/queue.js';

export function registerQueue(web: FastifyInstance, ctx: WebContext): void {
  web.get('/queue', READ, async (req, reply) => {
    const now = ctx.fate?.now ?? ctx.now();
    // Both read the waiting recipients only (partial index): the cost follows the queue, not the history.
    const [summary, destinations] = await Promise.all([
      ctx.store.query.waitingSummary(now),
      waitingDestinations(ctx.store, { now, classify: ctx.fate?.classify }),
    ]);
    return ctx.send(reply, 200, queuePage({ user: req.webUser!, summary, destinations, now }));
  });
}
