/**
 * Purging old rows on PostgreSQL: one transaction per step, each kind a bounded batch, oldest first.
 * A message's recipients, events, content and subject go with it by ON DELETE CASCADE (each foreign key
 * has its index); the inbound mail matched to it is deleted first, as on SQLite (otherwise it would only
 * lose its match). SKIP LOCKED: rows another node is purging right now are left to it.
 */
import type { PurgeCounts, RetentionStore } from '../store.js';
import type { Pg } from './database.js';

const WAITING = "EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.state IN ('queued', 'deferred'))";
/**
 * A message whose history must stay although it is old ($1 the cutoff, $3 whether webhooks are on): a recipient
 * still waiting, changed since the cutoff (delivery ended lately, a late bounce) or owing the sender a report;
 * or an event the webhook router has not read yet (it would never be sent).
 */
const KEPT = `(EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id
    AND (r.state IN ('queued', 'deferred') OR r.updated_at >= $1 OR r.report_owed IS NOT NULL))
  OR ($3 AND EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id AND e.id > (SELECT last_event_id FROM webhook_cursor WHERE id = 1))))`;

export function postgresRetention(db: Pg): RetentionStore {
  return {
    async purge(c, limit) {
      return db.transaction(async (tx): Promise<PurgeCounts> => {
        const counts: PurgeCounts = { messages: 0, contents: 0, inbound: 0, webhooks: 0 };
        if (c.history !== null) {
          const { rowCount } = await tx.query(
            `WITH old AS (
                SELECT m.id FROM messages m WHERE m.created_at < $1 AND NOT ${KEPT} ORDER BY m.created_at LIMIT $2 FOR UPDATE SKIP LOCKED
              ), matched AS (
                DELETE FROM inbound WHERE matched_message_id IN (SELECT id FROM old)
              )
              DELETE FROM messages WHERE id IN (SELECT id FROM old)`,
            [c.history, limit, c.keepUnrouted === true],
          );
          counts.messages = rowCount ?? 0;
        }
        if (c.content !== null) {
          // Through message_content's own key in id order, bounded by the newest message old enough: purged
          // content is gone, so each step starts where the last one stopped.
          const { rowCount } = await tx.query(
            `DELETE FROM message_content WHERE message_id IN (
                SELECT c.message_id FROM message_content c JOIN messages m ON m.id = c.message_id
                 WHERE c.message_id <= (SELECT id FROM messages WHERE created_at < $1 ORDER BY created_at DESC, id DESC LIMIT 1)
                   AND m.created_at < $1 AND NOT ${WAITING}
                 ORDER BY c.message_id LIMIT $2 FOR UPDATE OF c SKIP LOCKED)`,
            [c.content, limit],
          );
          counts.contents = rowCount ?? 0;
        }
        if (c.inbound !== null) {
          const { rowCount } = await tx.query(
            `DELETE FROM inbound WHERE id IN (
                SELECT id FROM inbound WHERE received_at < $1 AND processed_at IS NOT NULL AND matched_message_id IS NULL
                 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
            [c.inbound, limit],
          );
          counts.inbound = rowCount ?? 0;
        }
        if (c.webhooks !== null) {
          const { rowCount } = await tx.query(
            `DELETE FROM webhook_outbox WHERE id IN (
                SELECT id FROM webhook_outbox WHERE state IN ('delivered', 'failed') AND updated_at < $1 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
            [c.webhooks, limit],
          );
          counts.webhooks = rowCount ?? 0;
        }
        return counts;
      });
    },
  };
}
