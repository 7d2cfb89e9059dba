/** Delivery health: charts, rates, failing domains. */
import type { FastifyInstance } from 'fastify';
import { createHealthCache, healthReport } from '../../query/health.js';
import { READ } from '../access.js';
import type { WebContext } from '../index.js';
import { healthPage } from '../pages/health.js';

export function registerHealth(web: FastifyInstance, ctx: WebContext): void {
  // Settled buckets are counted once per process (src/query/health.ts).
  const cache = createHealthCache();
  web.get('/health', READ, async (req, reply) => {
    const report = await healthReport(ctx.store, { now: ctx.fate?.now ?? ctx.now(), classify: ctx.fate?.classify, cache });
    return ctx.send(reply, 200, healthPage({ user: req.webUser!, report }));
  });
}
