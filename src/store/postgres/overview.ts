/**
 * The support page's aggregate reads on PostgreSQL: the queue by destination (through recipients_due, the
 * waiting rows only), outcomes over time and failing domains (through events_outcomes, the outcome events only).
 */
import type { EventKind } from '../../types.js';
import { toEvent, type EventRow } from '../rows.js';
import type { FailingDomain, OutcomeCount, OverviewStore, WaitingDestination } from '../store.js';
import type { Pg } from './database.js';
import { KIND_CODES } from '../event-codes.js';
import { EVENTS } from './event-rows.js';

// On kind_code (../event-codes.ts): delivered 3, deferred 4, bounced 5, expired 8, complained 10 — the
// predicate of the partial index events_outcomes, repeated so that the planner uses it.
const OUTCOME_KINDS = 'e.kind_code IN (3, 4, 5, 8, 10)';
const FAILURES = 'e.kind_code IN (5, 4, 8)';
/** The outcome kinds' names by number, to join on kind_code. */
const KIND_NAMES = `(VALUES ${(['delivered', 'deferred', 'bounced', 'expired', 'complained'] as const).map((k) => `(${KIND_CODES[k]}::smallint, '${k}')`).join(', ')}) AS k(code, kind)`;

interface DestinationRow {
  domain: string;
  queued: number;
  deferred: number;
  active: number;
  oldest: number;
  next_at: number | null;
  last_id: number | null;
  last_at: number | null;
  last_code: number | null;
  last_enhanced: string | null;
  last_text: string | null;
  last_category: string | null;
}

interface ReplyRow {
  domain: string;
  failures: number;
  bounced: number;
  deferred: number;
  code: number | null;
  enhanced: string | null;
  n: number;
  sample: EventRow;
}

export function postgresOverview(db: Pg): OverviewStore {
  return {
    async waitingDestinations({ now, limit }) {
      // The last reply per domain: the most recently updated waiting recipient that was tried (LATERAL, one
      // short read per listed domain).
      const rows = await db.rows<DestinationRow>(
        `WITH d AS (
            SELECT r.domain, COUNT(*) FILTER (WHERE r.state = 'queued') AS queued, COUNT(*) FILTER (WHERE r.state = 'deferred') AS deferred,
                   COUNT(*) FILTER (WHERE r.lease_until > $1) AS active, MIN(m.created_at) AS oldest, MIN(r.next_attempt_at) AS next_at
              FROM recipients r JOIN messages m ON m.id = r.message_id
             WHERE r.state IN ('queued', 'deferred')
             GROUP BY r.domain ORDER BY COUNT(*) DESC, r.domain LIMIT $2
          )
          SELECT d.*, l.id AS last_id, l.updated_at AS last_at, l.last_code, l.last_enhanced, l.last_text, l.category AS last_category
            FROM d LEFT JOIN LATERAL (
              SELECT r.id, r.updated_at, r.last_code, r.last_enhanced, r.last_text, r.category FROM recipients r
               WHERE r.domain = d.domain AND r.state IN ('queued', 'deferred') AND r.attempts > 0
               ORDER BY r.updated_at DESC, r.id DESC LIMIT 1
            ) l ON true
           ORDER BY d.queued + d.deferred DESC, d.domain`,
        [now, limit],
      );
      return rows.map(
        (r): WaitingDestination => ({
          domain: r.domain,
          queued: r.queued,
          deferred: r.deferred,
          active: r.active,
          oldestCreatedAt: r.oldest,
          nextAttemptAt: r.next_at,
          last:
            r.last_id === null
              ? null
              : { recipientId: r.last_id, at: r.last_at!, code: r.last_code, enhanced: r.last_enhanced, text: r.last_text, category: r.last_category },
        }),
      );
    },
    async outcomeCounts({ since, until, bucketMs }) {
      const rows = await db.rows<{ bucket: number; kind: OutcomeCount['kind']; n: number }>(
        `SELECT (e.at - $1) / $2 AS bucket, k.kind, COUNT(*) AS n FROM events e JOIN ${KIND_NAMES} ON k.code = e.kind_code
          WHERE ${OUTCOME_KINDS} AND e.at >= $1 AND e.at < $3
          GROUP BY 1, k.kind`,
        [since, bucketMs, until],
      );
      return rows.map((r) => ({ bucket: since + r.bucket * bucketMs, kind: r.kind, count: r.n }));
    },
    async failingDomains({ since, limit }) {
      // Per domain: its failure counts, and its most frequent reply (grouped by codes: texts differ by queue
      // ids and addresses even when they say the same) with the newest event that gave it.
      const rows = await db.rows<ReplyRow>(
        `WITH f AS (
            SELECT r.domain, e.id, e.code, e.enhanced, e.kind_code FROM events e JOIN recipients r ON r.id = e.recipient_id
             WHERE ${OUTCOME_KINDS} AND ${FAILURES} AND e.at >= $1
          ), domains AS (
            SELECT domain, COUNT(*) AS failures, COUNT(*) FILTER (WHERE kind_code = 5) AS bounced, COUNT(*) FILTER (WHERE kind_code = 4) AS deferred
              FROM f GROUP BY domain ORDER BY failures DESC, domain LIMIT $2
          ), top AS (
            SELECT DISTINCT ON (f.domain) f.domain, f.code, f.enhanced, COUNT(*) AS n, MAX(f.id) AS sample
              FROM f WHERE f.domain IN (SELECT domain FROM domains)
             GROUP BY f.domain, f.code, f.enhanced ORDER BY f.domain, COUNT(*) DESC, MAX(f.id) DESC
          )
          SELECT d.*, t.code, t.enhanced, t.n, row_to_json(e) AS sample
            FROM domains d JOIN top t ON t.domain = d.domain JOIN ${EVENTS} e ON e.id = t.sample
           ORDER BY d.failures DESC, d.domain`,
        [since, limit],
      );
      return rows.map((r): FailingDomain => {
        const event = toEvent(r.sample);
        return {
          domain: r.domain,
          failures: r.failures,
          bounced: r.bounced,
          deferred: r.deferred,
          top: { code: r.code, enhanced: r.enhanced, text: event.text, count: r.n, event },
        };
      });
    },
    async latestEvents(recipientIds, kind: EventKind) {
      if (!recipientIds.length) return [];
      // Through the recipient's message (events_by_message): a walk of its ten or so events.
      const rows = await db.rows<EventRow>(
        `SELECT e.* FROM unnest($1::bigint[]) AS j(id) JOIN recipients r ON r.id = j.id
           JOIN ${EVENTS} e ON e.id = (SELECT MAX(x.id) FROM events x WHERE x.message_id = r.message_id AND x.recipient_id = r.id AND x.kind_code = $2)`,
        [recipientIds, KIND_CODES[kind]],
      );
      return rows.map(toEvent);
    },
  };
}
