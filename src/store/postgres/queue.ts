/**
 * Delivery state on PostgreSQL, where several relays share one queue. Each function is one statement
 * (its own transaction), so a write is one round trip and all of it commits or none.
 *
 * Claiming: `claimDue` picks due recipients with FOR UPDATE SKIP LOCKED and stamps the lease in the same
 * statement: two nodes claiming at once pass each other's rows by instead of waiting or taking them twice,
 * and a row whose lease another node stamped after our snapshot is re-checked under its lock and left out.
 * Every later write of the job (renewLeases, recordAttempt, releaseLeases) names the owner, so a node whose
 * lease lapsed and was taken over finds its rows gone (`lost`) and overwrites nothing.
 *
 * A write that leaves mail due for any relay to take (a retry written, a claim given back, a requeue)
 * signals the wake-ups after it commits (./wakeups.ts), so the other relays need not wait for their poll.
 */
import type { RecipientRecord, RecipientState } from '../../types.js';
import { toRecipient, type RecipientRow } from '../rows.js';
import type { AttemptWrite, AttemptWritten, QueueStore, RecipientTransition, ReportKind } from '../store.js';
import { LOCKS, Params, type Pg } from './database.js';
import { KIND_CODES } from '../event-codes.js';
import { eventWriter, insertSelect, type EncodedEvents } from './event-rows.js';
import { groupedWrites } from './grouped-writes.js';
import { tlsSessionInsert } from './tls-reports.js';
import type { PgWakeups } from './wakeups.js';

const WAITING = "state IN ('queued', 'deferred')";

/**
 * The compare-and-set behind every transition, as the SET and WHERE clauses of an UPDATE of recipients:
 * only from the given states (and, with `skipLeasedAt`, only when no live lease holds the recipient).
 * Shared with the inbound write (late bounces).
 */
export function transitionClauses(t: RecipientTransition, now: number, p: Params): { set: string; where: string } {
  const set: string[] = [];
  if (t.to !== undefined) set.push(`state = ${p.add(t.to)}`);
  if (t.nextAttemptAt !== undefined) set.push(`next_attempt_at = ${p.add(t.nextAttemptAt)}::bigint`);
  if (t.clearLease) set.push('lease_owner = NULL', 'lease_until = NULL');
  if (t.last) {
    set.push(
      `last_code = ${p.add(t.last.code)}::integer`,
      `last_enhanced = ${p.add(t.last.enhanced)}::text`,
      `last_text = ${p.add(t.last.text)}::text`,
      `category = ${p.add(t.last.category)}::text`,
      `hard = ${p.add(t.last.hard)}::boolean`,
    );
  }
  if (t.reportOwed) set.push(`report_owed = ${p.add(t.reportOwed)}::text`, `report_claimed_at = ${p.add(now)}::bigint`);
  set.push(`updated_at = ${p.add(now)}`);
  let where = `state = ANY(${p.add(t.from)}::text[])`;
  if (t.skipLeasedAt !== null) where += ` AND (lease_until IS NULL OR lease_until <= ${p.add(t.skipLeasedAt)})`;
  return { set: set.join(', '), where };
}

const byId = (a: RecipientRecord, b: RecipientRecord) => a.id - b.id;

/** Attempt statements in flight at once: one's WAL flush overlaps the next one's work; the rest wait and go together. */
const ATTEMPT_STATEMENTS = 2;
/** Attempts one statement carries at most. */
const ATTEMPTS_PER_STATEMENT = 32;

export function postgresQueue(db: Pg, wakeups: PgWakeups): QueueStore {
  const writer = eventWriter(db);

  /**
   * The attempts of several jobs in one statement (group commit, ./grouped-writes.ts): per job, the updates
   * under its lease (the owner is checked per recipient, so every write of a job still checks it); the events
   * only if one of that job's recipients was ours (shared phases) and, for an event about one recipient, only
   * if that one was; a suppression with its bounced event. A run of phases is written folded when every
   * recipient it names was ours, else one row per event (those of the others left out), as the encoding
   * offers both (./event-rows.ts). Its text is the same for any number of jobs and events (arrays, unnest),
   * so it is prepared once per connection; an attempt with TLS session counts goes alone (one INSERT … ON
   * CONFLICT cannot add to a key twice, and two jobs' counts may share one).
   */
  async function recordAttempts(ws: AttemptWrite[]): Promise<AttemptWritten[]> {
    // Encoded first (the texts they share may take a statement of their own); run numbers made unique
    // across the jobs, each event tagged with its job.
    const events: EncodedEvents['rows'] = [];
    const jobOfEvent: number[] = [];
    const runRecipients: EncodedEvents['runRecipients'] = { run: [], recipient: [] };
    let runs = 0;
    for (const [job, w] of ws.entries()) {
      const encoded = await writer.encodeAttempt(w.events);
      let most = 0;
      for (const row of encoded.rows) {
        if (row.run) {
          most = Math.max(most, row.run);
          row.run += runs;
        }
        events.push(row);
        jobOfEvent.push(job);
      }
      runRecipients.run.push(...encoded.runRecipients.run.map((r) => r + runs));
      runRecipients.recipient.push(...encoded.runRecipients.recipient);
      runs += most;
    }
    const recipients = ws.flatMap((w, job) => w.recipients.map((r) => ({ ...r, job, at: w.at, owner: w.owner })));
    const suppress = ws.flatMap((w) => (w.suppress ?? []).map((x) => ({ ...x, at: w.at })));
    const tls = ws.length === 1 ? (ws[0]!.tlsSessions ?? []) : [];
    const p = new Params();
    const u = (f: (r: (typeof recipients)[number]) => unknown, type: string) => `${p.add(recipients.map(f))}::${type}[]`;
    const s = (f: (r: (typeof suppress)[number]) => unknown, type: string) => `${p.add(suppress.map(f))}::${type}[]`;
    const sql = `WITH updated AS (
          UPDATE recipients r SET state = u.state, attempts = r.attempts + 1, next_attempt_at = u.next_attempt_at,
                 last_code = u.last_code, last_enhanced = u.last_enhanced, last_text = u.last_text, category = u.category, hard = u.hard,
                 lease_owner = NULL, lease_until = NULL, updated_at = u.at,
                 report_owed = CASE WHEN u.state = 'deferred' THEN r.report_owed ELSE u.owed END,
                 report_claimed_at = CASE WHEN u.owed IS NULL THEN r.report_claimed_at ELSE u.at END
            FROM unnest(${u((r) => r.id, 'bigint')}, ${u((r) => r.state, 'text')}, ${u((r) => r.nextAttemptAt, 'bigint')}, ${u((r) => r.lastCode, 'integer')},
                        ${u((r) => r.lastEnhanced, 'text')}, ${u((r) => r.lastText, 'text')}, ${u((r) => r.category, 'text')}, ${u((r) => r.hard, 'boolean')},
                        ${u((r) => r.job, 'integer')}, ${u((r) => r.at, 'bigint')}, ${u((r) => r.owner, 'text')}, ${u((r) => r.reportOwed ?? null, 'text')})
                 AS u(id, state, next_attempt_at, last_code, last_enhanced, last_text, category, hard, job, at, owner, owed)
           WHERE r.id = u.id AND r.lease_owner = u.owner AND r.${WAITING}
          RETURNING r.*, u.job AS attempt_job
        ), broken AS (
          SELECT DISTINCT x.run FROM unnest(${p.add(runRecipients.run)}::integer[], ${p.add(runRecipients.recipient)}::bigint[]) AS x(run, recipient_id)
           WHERE x.recipient_id NOT IN (SELECT id FROM updated)
        ), ev AS (
          ${insertSelect(
            p,
            events,
            `EXISTS (SELECT 1 FROM updated WHERE updated.attempt_job = (${p.add(jobOfEvent)}::integer[])[e.ord::integer])
             AND (e.recipient_id IS NULL OR e.recipient_id IN (SELECT id FROM updated))
             AND (e.variant = 0 OR (e.variant = 1) = (e.run NOT IN (SELECT run FROM broken)))`,
          )}
          RETURNING id, kind_code, recipient_id
        ), suppressed AS (
          INSERT INTO suppressions (address, reason, source, event_id, created_at)
          SELECT DISTINCT ON (s.recipient_id) s.address, s.reason, 'hard-bounce', ev.id, s.at
            FROM unnest(${s((x) => x.recipientId, 'bigint')}, ${s((x) => x.address, 'text')}, ${s((x) => x.reason, 'text')}, ${s((x) => x.at, 'bigint')})
                 AS s(recipient_id, address, reason, at)
            JOIN ev ON ev.recipient_id = s.recipient_id AND ev.kind_code = ${KIND_CODES.bounced}
           ORDER BY s.recipient_id, ev.id
          ON CONFLICT (address) DO NOTHING
        )${tls.length ? `, tls AS (${tlsSessionInsert(p, tls, 'EXISTS (SELECT 1 FROM updated)')})` : ''}
        SELECT * FROM updated`;
    const rows = await db.rows<RecipientRow & { attempt_job: number }>(sql, p.values, tls.length ? 'recordAttemptsTls' : 'recordAttempts');
    // A retry moves when mail is next due: relays asleep until a later time look again.
    if (rows.some((r) => r.state === 'deferred')) wakeups.signal();
    const ours = new Map(rows.map((r) => [r.id, toRecipient(r)]));
    return ws.map((w) => ({
      recorded: w.recipients.flatMap((r) => (ours.has(r.id) ? [ours.get(r.id)!] : [])),
      lost: w.recipients.filter((r) => !ours.has(r.id)).map((r) => r.id),
    }));
  }
  const attempts = groupedWrites(recordAttempts, {
    parallel: ATTEMPT_STATEMENTS,
    maxGroup: ATTEMPTS_PER_STATEMENT,
    alone: (w) => (w.tlsSessions?.length ?? 0) > 0,
  });

  return {
    async claimDue(req) {
      // The inner SELECT walks the partial index recipients_due in next_attempt_at order; the lease test and
      // the domain exclusion filter that walk. An expired lease is claimable like a free one; its owner
      // comes back as lapsed_owner (the sub-select's row holds the value from before the UPDATE).
      const rows = await db.rows<RecipientRow & { lapsed_owner: string | null }>(
        `UPDATE recipients r SET lease_owner = $1, lease_until = $2
          FROM (SELECT id, lease_owner AS lapsed_owner FROM recipients
            WHERE state IN ('queued', 'deferred') AND next_attempt_at <= $3
              AND (lease_until IS NULL OR lease_until <= $3)
              AND domain <> ALL($4::text[])
            ORDER BY next_attempt_at LIMIT $5
            FOR UPDATE SKIP LOCKED) c
          WHERE r.id = c.id
          RETURNING r.*, c.lapsed_owner`,
        [req.owner, req.leaseUntil, req.now, req.excludeDomains ?? [], req.limit],
        'claimDue',
      );
      return rows
        .map((row) => ({ ...toRecipient(row), lapsedOwner: row.lapsed_owner }))
        .sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0) || a.id - b.id);
    },

    async recordInterrupted(req) {
      if (!req.items.length) return [];
      const rows = await db.rows<RecipientRow>(
        `WITH x AS (SELECT * FROM unnest($3::bigint[], $4::text[]) AS x(id, lapsed_owner)),
          u AS (
            UPDATE recipients SET attempts = attempts + 1, updated_at = $1
             WHERE id IN (SELECT id FROM x) AND lease_owner = $2 AND ${WAITING}
            RETURNING *
          ), ev AS (
            INSERT INTO events (at, message_id, recipient_id, kind_code, attempt, text, detail)
            SELECT $1, u.message_id, u.id, ${KIND_CODES.interrupted}, u.attempts, $5, ($6::jsonb || jsonb_build_object('lapsed_owner', x.lapsed_owner))::json
              FROM u JOIN x ON x.id = u.id ORDER BY u.id
          )
          SELECT * FROM u`,
        [req.now, req.owner, req.items.map((i) => i.recipientId), req.items.map((i) => i.lapsedOwner), req.event.text, JSON.stringify(req.event.detail)],
        'recordInterrupted',
      );
      return rows.map(toRecipient).sort(byId);
    },

    async renewLeases(owner, ids, leaseUntil) {
      if (!ids.length) return [];
      const rows = await db.rows<{ id: number }>(
        `UPDATE recipients SET lease_until = $1 WHERE id = ANY($2::bigint[]) AND lease_owner = $3 AND ${WAITING} RETURNING id`,
        [leaseUntil, ids, owner],
        'renewLeases',
      );
      return rows.map((r) => r.id).sort((a, b) => a - b);
    },

    recordAttempt(w) {
      return attempts.write(w);
    },

    async releaseLeases(owner, ids) {
      // Leases live on waiting recipients only (every move to a final state clears it): the partial index
      // recipients_due then bounds the "all of mine" form to the queue, not the history.
      const rows = await db.rows(
        `UPDATE recipients SET lease_owner = NULL, lease_until = NULL
          WHERE lease_owner = $1 AND ${WAITING} AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) RETURNING id`,
        [owner, ids ?? null],
      );
      if (rows.length) wakeups.signal();
      return rows.length;
    },

    async expire(req) {
      const rows = await db.rows<RecipientRow>(
        `WITH x AS (
            UPDATE recipients SET state = 'expired', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
                   category = 'expired', hard = false, updated_at = $1,
                   report_owed = CASE WHEN $8::boolean THEN 'failure' ELSE report_owed END,
                   report_claimed_at = CASE WHEN $8::boolean THEN $1 ELSE report_claimed_at END
             WHERE id IN (SELECT r.id FROM recipients r JOIN messages m ON m.id = r.message_id
                WHERE r.${WAITING} AND m.created_at <= $2
                  AND (r.lease_until IS NULL OR r.lease_until <= $1 OR (r.lease_owner = $3 AND r.id = ANY($7::bigint[])))
                LIMIT $4 FOR UPDATE OF r SKIP LOCKED)
            RETURNING *
          ), ev AS (
            INSERT INTO events (at, message_id, recipient_id, kind_code, attempt, text, detail)
            SELECT $1, message_id, id, ${KIND_CODES.expired}, attempts, $5, $6::json FROM x ORDER BY id
          )
          SELECT * FROM x`,
        [
          req.now,
          req.createdBefore,
          req.owner ?? null,
          req.limit,
          req.event.text,
          JSON.stringify(req.event.detail),
          [...(req.claimed ?? [])],
          req.reportOwed ?? false,
        ],
      );
      return rows.map(toRecipient).sort(byId);
    },

    async transitionMessage(req) {
      const p = new Params();
      const now = p.add(req.now);
      const { set, where } = transitionClauses(req.transition, req.now, p);
      const event = req.event;
      // One row always (the LEFT JOIN): `found` is null when no message has the queue id.
      const rows = await db.rows<RecipientRow & { found: number | null }>(
        `WITH m AS (SELECT id FROM messages WHERE queue_id = ${p.add(req.queueId)}),
          changed AS (
            UPDATE recipients SET ${set} WHERE message_id = (SELECT id FROM m) AND ${where} RETURNING *
          ), ev AS (
            INSERT INTO events (at, message_id, recipient_id, kind_code, text, detail)
            SELECT ${now}, message_id, id, ${p.add(KIND_CODES[event.kind])}::smallint, ${p.add(event.text ?? null)}::text, ${p.add(event.detail ? JSON.stringify(event.detail) : null)}::json
              FROM changed ORDER BY id
          )
          SELECT (SELECT id FROM m) AS found, changed.* FROM (SELECT 1) one LEFT JOIN changed ON true ORDER BY changed.id`,
        p.values,
      );
      const changed = rows.filter((r) => r.id !== null).map(toRecipient);
      if (changed.some((r) => r.state === 'queued' || r.state === 'deferred')) wakeups.signal();
      return { found: rows[0]?.found != null, changed };
    },

    async dueForDelayWarning(req) {
      // Every recipient still waiting, tried or not; the IN is recipients_due's predicate, so the partial index serves.
      const rows = await db.rows<RecipientRow>(
        `SELECT r.* FROM recipients r JOIN messages m ON m.id = r.message_id
          WHERE r.${WAITING} AND r.delay_notified_at IS NULL
            AND m.created_at <= $1 AND (r.notify IS NULL OR (',' || r.notify || ',') LIKE '%,DELAY,%')
          ORDER BY r.next_attempt_at LIMIT $2`,
        [req.createdBefore, req.limit],
      );
      return rows.map(toRecipient);
    },

    async markDelayNotified(ids, at) {
      if (!ids.length) return [];
      const rows = await db.rows<{ id: number }>(
        `UPDATE recipients SET delay_notified_at = $1, report_owed = 'delay', report_claimed_at = $1
          WHERE id = ANY($2::bigint[]) AND delay_notified_at IS NULL AND ${WAITING} RETURNING id`,
        [at, ids],
      );
      return rows.map((r) => r.id);
    },

    async claimOwedReports(req) {
      // SKIP LOCKED, as claimDue: two relays sweeping at once take different reports.
      const rows = await db.rows<RecipientRow & { report_owed: ReportKind }>(
        `UPDATE recipients r SET report_claimed_at = $1
          FROM (SELECT id FROM recipients WHERE report_owed IS NOT NULL AND report_claimed_at <= $2
                 ORDER BY report_claimed_at LIMIT $3 FOR UPDATE SKIP LOCKED) c
          WHERE r.id = c.id AND r.report_owed IS NOT NULL
          RETURNING r.*`,
        [req.now, req.staleBefore, req.limit],
      );
      return rows.map((row) => ({ kind: row.report_owed, recipient: toRecipient(row) })).sort((a, b) => a.recipient.id - b.recipient.id);
    },

    async settleReports(ids, kind) {
      if (!ids.length) return;
      await db.rows(`UPDATE recipients SET report_owed = NULL, report_claimed_at = NULL WHERE id = ANY($1::bigint[]) AND report_owed = $2`, [ids, kind]);
    },

    async countsByState(now) {
      const rows = await db.rows<{ state: RecipientState; n: number; leased: number }>(
        `SELECT state, COUNT(*) AS n, COUNT(*) FILTER (WHERE ${WAITING} AND lease_until > $1) AS leased FROM recipients GROUP BY state`,
        [now],
      );
      const byState: Partial<Record<RecipientState, number>> = {};
      let leased = 0;
      for (const r of rows) {
        byState[r.state] = r.n;
        leased += r.leased;
      }
      return { byState, leased };
    },

    async nextDueAt() {
      return (await db.row<{ at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM recipients WHERE ${WAITING}`))!.at;
    },

    async resetStaleLeases(now) {
      // One node at a time: the sweep runs only where the transaction-scoped advisory lock is granted; a
      // node that finds it held leaves the sweep to the holder (0). The lock ends with the statement.
      const rows = await db.rows(
        `WITH sweeper AS (SELECT pg_try_advisory_xact_lock($2, $3) AS ours)
         UPDATE recipients SET lease_owner = NULL, lease_until = NULL
          WHERE (SELECT ours FROM sweeper) AND ${WAITING} AND lease_until <= $1 RETURNING id`,
        [now, ...LOCKS.resetStaleLeases],
      );
      if (rows.length) wakeups.signal();
      return rows.length;
    },
  };
}
