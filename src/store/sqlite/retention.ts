/**
 * Purging old rows (RetentionStore). Each step deletes a bounded batch in one transaction through the group
 * commit, so a submission waits at most one step. Ids are passed as a JSON array (json_each) so every
 * statement stays prepared once.
 */
import type { PurgeCounts, RetentionStore } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';

const IDS = 'SELECT value FROM json_each(?)';
const WAITING = "EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.state IN ('queued', 'deferred'))";
/**
 * A message whose history must stay although it is old (parameters: the cutoff, then 1 when webhooks are on):
 * a recipient still waiting, changed since the cutoff (delivery ended lately, a late bounce) or owing the sender a
 * report; or an event the webhook router has not read yet (it would never be sent).
 */
const KEPT = `(EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id
    AND (r.state IN ('queued', 'deferred') OR r.updated_at >= ? OR r.report_owed IS NOT NULL))
  OR (? = 1 AND EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id AND e.id > (SELECT last_event_id FROM webhook_cursor WHERE id = 1))))`;

export function sqliteRetention(db: Db): RetentionStore {
  // Oldest first through messages_by_created; purged rows are gone, so the scan starts at the oldest left.
  // SQLite gives a new row the highest id + 1 (no AUTOINCREMENT here): were the rows with the highest ids
  // purged, ids would be given again, and an event id would fall below the webhook cursor (never sent), a
  // recipient id (a VERP token) name a new recipient. The messages holding the highest message, recipient
  // and event ids stay until newer ones exist, whatever their age.
  const NEWEST = `SELECT id FROM messages WHERE id = (SELECT MAX(id) FROM messages)
    UNION ALL SELECT message_id FROM recipients WHERE id = (SELECT MAX(id) FROM recipients)
    UNION ALL SELECT message_id FROM events WHERE id = (SELECT MAX(id) FROM events) AND message_id IS NOT NULL`;
  const oldMessages = db
    .prepare(`SELECT m.id FROM messages m WHERE m.created_at < ? AND NOT ${KEPT} AND m.id NOT IN (${NEWEST}) ORDER BY m.created_at LIMIT ?`)
    .pluck();
  // Children first, each through its own index (migration 005 indexes every foreign key pointing here).
  const deleteMessages = [
    `DELETE FROM inbound WHERE matched_message_id IN (${IDS})`,
    `DELETE FROM events WHERE message_id IN (${IDS})`,
    `DELETE FROM recipients WHERE message_id IN (${IDS})`,
    `DELETE FROM message_content WHERE message_id IN (${IDS})`,
    `DELETE FROM messages WHERE id IN (${IDS})`,
  ].map((sql) => db.prepare(sql));

  // Content rows are scanned in id order up to the newest message old enough: once content is purged its
  // row is gone, so each step starts where the last one stopped instead of rescanning every old message.
  const newestOldEnough = db.prepare('SELECT id FROM messages WHERE created_at < ? ORDER BY created_at DESC LIMIT 1').pluck();
  const oldContents = db
    .prepare(
      `SELECT c.message_id FROM message_content c JOIN messages m ON m.id = c.message_id
       WHERE c.message_id <= ? AND m.created_at < ? AND NOT ${WAITING} ORDER BY c.message_id LIMIT ?`,
    )
    .pluck();
  const deleteContents = db.prepare(`DELETE FROM message_content WHERE message_id IN (${IDS})`);

  const deleteInbound = db.prepare(
    `DELETE FROM inbound WHERE id IN (
       SELECT id FROM inbound WHERE received_at < ? AND processed_at IS NOT NULL AND matched_message_id IS NULL ORDER BY received_at LIMIT ?)`,
  );
  const deleteWebhooks = db.prepare(
    `DELETE FROM webhook_outbox WHERE id IN (
       SELECT id FROM webhook_outbox WHERE state IN ('delivered', 'failed') AND updated_at < ? ORDER BY id LIMIT ?)`,
  );

  const commits = groupCommitFor(db);
  const step = db.transaction((c: Parameters<RetentionStore['purge']>[0], limit: number): PurgeCounts => {
    const counts: PurgeCounts = { messages: 0, contents: 0, inbound: 0, webhooks: 0 };
    if (c.history !== null) {
      const ids = oldMessages.all(c.history, c.history, c.keepUnrouted ? 1 : 0, limit) as number[];
      if (ids.length > 0) {
        const json = JSON.stringify(ids);
        for (const stmt of deleteMessages) stmt.run(json);
        counts.messages = ids.length;
      }
    }
    if (c.content !== null) {
      const bound = newestOldEnough.get(c.content) as number | undefined;
      const ids = bound === undefined ? [] : (oldContents.all(bound, c.content, limit) as number[]);
      if (ids.length > 0) counts.contents = deleteContents.run(JSON.stringify(ids)).changes;
    }
    if (c.inbound !== null) counts.inbound = deleteInbound.run(c.inbound, limit).changes;
    if (c.webhooks !== null) counts.webhooks = deleteWebhooks.run(c.webhooks, limit).changes;
    return counts;
  });

  return {
    async purge(cutoffs, limit) {
      return commits.run(() => step(cutoffs, limit));
    },
  };
}
