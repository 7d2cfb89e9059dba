/**
 * The support page's aggregate reads: the queue by destination, outcomes over time, failing domains.
 *
 * Outcome events are read through events_outcomes (007, on kind_code since 009), a partial index; SQLite
 * uses a partial index only when the query repeats its WHERE term, hence OUTCOME_KINDS in every statement below.
 */
import type { EventKind } from '../../types.js';
import type { FailingDomain, OutcomeCount, OverviewStore, WaitingDestination } from '../store.js';
import type { Db } from './database.js';
import { EVENTS } from './event-rows.js';
import { toEvent, type EventRow } from '../rows.js';

// The outcome kinds by their numbers (migration 009): delivered, deferred, bounced, expired, complained.
const OUTCOME_KINDS = 'e.kind_code IN (3, 4, 5, 8, 10)';

interface DestinationRow {
  domain: string;
  queued: number;
  deferred: number;
  active: number;
  oldest: number;
  next_at: number | null;
}

interface LastReplyRow {
  domain: string;
  id: number;
  at: number;
  last_code: number | null;
  last_enhanced: string | null;
  last_text: string | null;
  category: string | null;
}

export function sqliteOverview(db: Db): OverviewStore {
  // Walks the waiting recipients only (recipients_due, 001): the cost follows the queue, not the history.
  // Named, because to save a sort the planner would rather scan every recipient in domain order.
  const destinations = db.prepare(`SELECT r.domain, SUM(r.state = 'queued') AS queued, SUM(r.state = 'deferred') AS deferred,
      SUM(CASE WHEN r.lease_until > ? THEN 1 ELSE 0 END) AS active, MIN(m.created_at) AS oldest, MIN(r.next_attempt_at) AS next_at
    FROM recipients r INDEXED BY recipients_due JOIN messages m ON m.id = r.message_id
    WHERE r.state IN ('queued', 'deferred')
    GROUP BY r.domain ORDER BY COUNT(*) DESC, r.domain LIMIT ?`);
  // One max() aggregate: SQLite then takes the bare columns from the row that holds the maximum.
  const lastReplies = db.prepare(`SELECT r.domain, r.id, MAX(r.updated_at) AS at, r.last_code, r.last_enhanced, r.last_text, r.category
    FROM recipients r
    WHERE r.domain IN (SELECT value FROM json_each(?)) AND r.state IN ('queued', 'deferred') AND r.attempts > 0
    GROUP BY r.domain`);
  // CAST: parameters may be bound as REAL, and the bucket is a whole number of buckets since `since`.
  const outcomes = db.prepare(`SELECT CAST((e.at - ?) / ? AS INTEGER) AS bucket, e.kind, COUNT(*) AS n FROM events e
    WHERE ${OUTCOME_KINDS} AND e.at >= ? AND e.at < ?
    GROUP BY bucket, e.kind`);
  const failing = db.prepare(`SELECT r.domain, COUNT(*) AS failures, SUM(e.kind = 'bounced') AS bounced, SUM(e.kind = 'deferred') AS deferred
    FROM events e JOIN recipients r ON r.id = e.recipient_id
    WHERE ${OUTCOME_KINDS} AND e.kind IN ('bounced', 'deferred', 'expired') AND e.at >= ?
    GROUP BY r.domain ORDER BY failures DESC, r.domain LIMIT ?`);
  // Replies are grouped by their codes: their texts differ by queue ids and addresses even when they say the same.
  const replies = db.prepare(`SELECT r.domain, e.code, e.enhanced, COUNT(*) AS n, MAX(e.id) AS sample
    FROM events e JOIN recipients r ON r.id = e.recipient_id
    WHERE ${OUTCOME_KINDS} AND e.kind IN ('bounced', 'deferred', 'expired') AND e.at >= ? AND r.domain IN (SELECT value FROM json_each(?))
    GROUP BY r.domain, e.code, e.enhanced ORDER BY n DESC`);
  const eventsById = db.prepare(`SELECT * FROM ${EVENTS} WHERE id IN (SELECT value FROM json_each(?))`);
  // Through the recipient's message (events_by_message): a walk of its ten or so events.
  const latest = db.prepare(`SELECT e.* FROM json_each(?) j JOIN recipients r ON r.id = j.value
    JOIN ${EVENTS} e ON e.id = (SELECT MAX(x.id) FROM events x WHERE x.message_id = r.message_id AND x.recipient_id = r.id AND x.kind = ?)`);

  return {
    async waitingDestinations({ now, limit }) {
      const rows = destinations.all(now, limit) as DestinationRow[];
      const last = new Map((lastReplies.all(JSON.stringify(rows.map((r) => r.domain))) as LastReplyRow[]).map((r) => [r.domain, r]));
      return rows.map((r): WaitingDestination => {
        const l = last.get(r.domain);
        return {
          domain: r.domain,
          queued: r.queued,
          deferred: r.deferred,
          active: r.active,
          oldestCreatedAt: r.oldest,
          nextAttemptAt: r.next_at,
          last: l ? { recipientId: l.id, at: l.at, code: l.last_code, enhanced: l.last_enhanced, text: l.last_text, category: l.category } : null,
        };
      });
    },
    async outcomeCounts({ since, until, bucketMs }) {
      return (outcomes.all(since, bucketMs, since, until) as { bucket: number; kind: OutcomeCount['kind']; n: number }[]).map((r) => ({
        bucket: since + r.bucket * bucketMs,
        kind: r.kind,
        count: r.n,
      }));
    },
    async failingDomains({ since, limit }) {
      const rows = failing.all(since, limit) as { domain: string; failures: number; bounced: number; deferred: number }[];
      if (!rows.length) return [];
      const top = new Map<string, { code: number | null; enhanced: string | null; n: number; sample: number }>();
      for (const r of replies.all(since, JSON.stringify(rows.map((d) => d.domain))) as {
        domain: string;
        code: number | null;
        enhanced: string | null;
        n: number;
        sample: number;
      }[]) {
        if (!top.has(r.domain)) top.set(r.domain, r);
      }
      const samples = new Map((eventsById.all(JSON.stringify([...top.values()].map((t) => t.sample))) as EventRow[]).map((e) => [e.id, toEvent(e)]));
      return rows.flatMap((d): FailingDomain[] => {
        const t = top.get(d.domain);
        const event = t && samples.get(t.sample);
        if (!t || !event) return [];
        return [
          {
            domain: d.domain,
            failures: d.failures,
            bounced: d.bounced,
            deferred: d.deferred,
            top: { code: t.code, enhanced: t.enhanced, text: event.text, count: t.n, event },
          },
        ];
      });
    },
    async latestEvents(recipientIds, kind: EventKind) {
      return recipientIds.length ? (latest.all(JSON.stringify(recipientIds), kind) as EventRow[]).map(toEvent) : [];
    },
  };
}
