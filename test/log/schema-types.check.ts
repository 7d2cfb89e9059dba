/**
 * Not run, only type-checked (`npm run typecheck`): each marked line must NOT compile, because the log
 * schema (src/log/records.ts) does not allow it. If the schema stopped holding log calls to it, the
 * `@ts-expect-error` markers would themselves become errors and the typecheck would fail.
 */
import { silentLogger } from '../../src/log/logger.js';

const logger = silentLogger();
// @ts-expect-error an event that is not in the schema
logger.info({ event: 'no.such.event' }, 'x');
// @ts-expect-error a field that queue.throttled lines do not carry
logger.warn({ event: 'queue.throttled', domain: 'example.com', queue_id: 'Q1' }, 'x');
// @ts-expect-error a field of the wrong type
logger.info({ event: 'delivery.attempt', attempt: 'first' }, 'x');
logger.info({ event: 'delivery.attempt', attempt: 1, outcome: 'delivered' }, 'a line of the schema compiles');
