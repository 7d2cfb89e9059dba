/**
 * Delivery state in SQLite: claims (leases), attempt results, expiry, delay warnings, and the one
 * statement that applies a transition decided by src/queue/transitions.ts. Every write of recipient state
 * is in this file. Only src/queue calls it (bounce processing reaches `applyTransition` through the
 * inbound transaction, with a transition the queue's rules made). Every statement that changes a waiting
 * recipient checks its state, so an operator's cancel, or another worker's final answer, is never overwritten.
 */
import type { NewEvent, RecipientRecord, RecipientState } from '../../types.js';
import type { AttemptWrite, ClaimedRecipient, QueueStore, RecipientTransition, RecipientUpdate, ReportKind } from '../store.js';
import type { Db } from './database.js';
import { eventWriter, INSERT_EVENT_SQL } from './events.js';
import { tlsSessionParams } from '../rows.js';
import { groupCommitFor } from './group-commit.js';
import { INSERT_SUPPRESSION_SQL } from './suppressions.js';
import { tlsSessionUpsert } from './tls-reports.js';
import { toRecipient, type RecipientRow } from '../rows.js';

/**
 * The compare-and-set behind every transition: one recipient, only from the given states (and, with
 * `skipLeasedAt`, only when no live lease holds it). Exported for the inbound transaction (late bounces).
 */
export function transitionStatement(db: Db): (recipientId: number, t: RecipientTransition, now: number) => RecipientRecord | null {
  const stmt = db.prepare(`UPDATE recipients SET
      state = coalesce(?, state),
      next_attempt_at = CASE WHEN ? THEN ? ELSE next_attempt_at END,
      lease_owner = CASE WHEN ? THEN NULL ELSE lease_owner END,
      lease_until = CASE WHEN ? THEN NULL ELSE lease_until END,
      last_code = CASE WHEN ? THEN ? ELSE last_code END,
      last_enhanced = CASE WHEN ? THEN ? ELSE last_enhanced END,
      last_text = CASE WHEN ? THEN ? ELSE last_text END,
      category = CASE WHEN ? THEN ? ELSE category END,
      hard = CASE WHEN ? THEN ? ELSE hard END,
      report_owed = coalesce(?, report_owed),
      report_claimed_at = CASE WHEN ? IS NULL THEN report_claimed_at ELSE ? END,
      updated_at = ?
    WHERE id = ? AND state IN (SELECT value FROM json_each(?))
      AND (? IS NULL OR lease_until IS NULL OR lease_until <= ?)
    RETURNING *`);
  return (id, t, now) => {
    const due = t.nextAttemptAt !== undefined ? 1 : 0;
    const lease = t.clearLease ? 1 : 0;
    const l = t.last ? 1 : 0;
    const hard = t.last?.hard === null || t.last?.hard === undefined ? null : t.last.hard ? 1 : 0;
    const row = stmt.get(
      t.to ?? null,
      due,
      t.nextAttemptAt ?? null,
      lease,
      lease,
      l,
      t.last?.code ?? null,
      l,
      t.last?.enhanced ?? null,
      l,
      t.last?.text ?? null,
      l,
      t.last?.category ?? null,
      l,
      hard,
      t.reportOwed ?? null,
      t.reportOwed ?? null,
      now,
      now,
      id,
      JSON.stringify(t.from),
      t.skipLeasedAt,
      t.skipLeasedAt,
    ) as RecipientRow | undefined;
    return row ? toRecipient(row) : null;
  };
}

/** Id lists travel as one JSON parameter (`json_each`), so each function stays one prepared statement. */
const ids = (list: number[]): string => JSON.stringify(list);

export function sqliteQueue(db: Db): QueueStore {
  // The SELECT walks the partial index recipients_due in next_attempt_at order; the lease test and the
  // domain exclusion are filters on that walk. An expired lease is claimable like a free one; its owner
  // is read first (RETURNING gives only the new values) so that the lapsed claim can be recorded.
  const dueForClaim = db.prepare(`SELECT id, lease_owner FROM recipients
    WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ?
      AND (lease_until IS NULL OR lease_until <= ?)
      AND domain NOT IN (SELECT value FROM json_each(?))
    ORDER BY next_attempt_at LIMIT ?`);
  const lease = db.prepare(`UPDATE recipients SET lease_owner = ?, lease_until = ?
    WHERE id IN (SELECT value FROM json_each(?)) RETURNING *`);
  const claimDue = db.transaction((owner: string, leaseUntil: number, now: number, exclude: string, limit: number): ClaimedRecipient[] => {
    const due = dueForClaim.all(now, now, exclude, limit) as { id: number; lease_owner: string | null }[];
    if (due.length === 0) return [];
    const lapsed = new Map(due.map((r) => [r.id, r.lease_owner]));
    return (lease.all(owner, leaseUntil, ids(due.map((r) => r.id))) as RecipientRow[]).map((row) => ({
      ...toRecipient(row),
      lapsedOwner: lapsed.get(row.id) ?? null,
    }));
  });
  const countInterrupted = db.prepare(`UPDATE recipients SET attempts = attempts + 1, updated_at = ?
    WHERE id = ? AND lease_owner = ? AND state IN ('queued', 'deferred') RETURNING *`);
  const renewLeases = db.prepare(`UPDATE recipients SET lease_until = ?
    WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND state IN ('queued', 'deferred')
    RETURNING id`);
  const updateAfterAttempt = db.prepare(`UPDATE recipients SET state = ?, attempts = attempts + 1, next_attempt_at = ?,
      last_code = ?, last_enhanced = ?, last_text = ?, category = ?, hard = ?,
      lease_owner = NULL, lease_until = NULL, updated_at = ?,
      report_owed = CASE WHEN ? = 'deferred' THEN report_owed ELSE ? END,
      report_claimed_at = CASE WHEN ? IS NULL THEN report_claimed_at ELSE ? END
    WHERE id = ? AND lease_owner = ? AND state IN ('queued', 'deferred')
    RETURNING *`);
  const writer = eventWriter(db);
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  // Leases live on waiting recipients only (every move to a final state clears it).
  const releaseLeases = db.prepare(`UPDATE recipients SET lease_owner = NULL, lease_until = NULL
    WHERE lease_owner = ? AND state IN ('queued', 'deferred') AND (? IS NULL OR id IN (SELECT value FROM json_each(?)))`);
  const expire = db.prepare(`UPDATE recipients SET state = 'expired', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
      category = 'expired', hard = 0, updated_at = ?,
      report_owed = CASE WHEN ? THEN 'failure' ELSE report_owed END, report_claimed_at = CASE WHEN ? THEN ? ELSE report_claimed_at END
    WHERE id IN (SELECT r.id FROM recipients r JOIN messages m ON m.id = r.message_id
      WHERE r.state IN ('queued', 'deferred') AND m.created_at <= ?
        AND (r.lease_until IS NULL OR r.lease_until <= ? OR (r.lease_owner = ? AND r.id IN (SELECT value FROM json_each(?))))
      LIMIT ?)
    RETURNING *`);
  // Every recipient still waiting, tried or not (one never tried for hours is as late as one deferred): the
  // IN (and the ORDER BY next_attempt_at) let SQLite walk the partial index recipients_due (only waiting
  // recipients) instead of every recipient ever sent.
  const dueForDelayWarning = db.prepare(`SELECT r.* FROM recipients r JOIN messages m ON m.id = r.message_id
    WHERE r.state IN ('queued', 'deferred') AND r.delay_notified_at IS NULL
      AND m.created_at <= ? AND (r.notify IS NULL OR (',' || r.notify || ',') LIKE '%,DELAY,%')
    ORDER BY r.next_attempt_at LIMIT ?`);
  const markDelayNotified = db.prepare(`UPDATE recipients SET delay_notified_at = ?, report_owed = 'delay', report_claimed_at = ?
    WHERE id IN (SELECT value FROM json_each(?)) AND delay_notified_at IS NULL AND state IN ('queued', 'deferred')
    RETURNING id`);
  // Oldest try first, through the partial index recipients_report_owed (only recipients that owe a report).
  const claimOwedReports = db.prepare(`UPDATE recipients SET report_claimed_at = ?
    WHERE id IN (SELECT id FROM recipients WHERE report_owed IS NOT NULL AND report_claimed_at <= ? ORDER BY report_claimed_at LIMIT ?)
    RETURNING *`);
  const settleReports = db.prepare(`UPDATE recipients SET report_owed = NULL, report_claimed_at = NULL
    WHERE id IN (SELECT value FROM json_each(?)) AND report_owed = ?`);
  const countsByState = db.prepare(`SELECT state, COUNT(*) AS n,
      SUM(CASE WHEN state IN ('queued', 'deferred') AND lease_until > ? THEN 1 ELSE 0 END) AS leased
    FROM recipients GROUP BY state`);
  const nextDueAt = db.prepare(`SELECT MIN(next_attempt_at) AS at FROM recipients WHERE state IN ('queued', 'deferred')`);
  const resetStaleLeases = db.prepare(`UPDATE recipients SET lease_owner = NULL, lease_until = NULL
    WHERE state IN ('queued', 'deferred') AND lease_until <= ?`);

  const recipientsOfQueueId = db.prepare('SELECT r.id FROM recipients r JOIN messages m ON m.id = r.message_id WHERE m.queue_id = ? ORDER BY r.id').pluck();
  const messageOfQueueId = db.prepare('SELECT id FROM messages WHERE queue_id = ?').pluck();
  const transition = transitionStatement(db);
  const transitionMessage = db.transaction((queueId: string, now: number, t: RecipientTransition, event: Pick<NewEvent, 'kind' | 'text' | 'detail'>) => {
    const messageRowId = messageOfQueueId.get(queueId) as number | undefined;
    if (messageRowId === undefined) return { found: false, changed: [] };
    const changed: RecipientRecord[] = [];
    for (const id of recipientsOfQueueId.all(queueId) as number[]) {
      const r = transition(id, t, now);
      if (!r) continue;
      changed.push(r);
      insertEvent.run(...writer.params({ ...event, at: now, messageRowId: messageRowId, recipientId: r.id }));
    }
    return { found: true, changed };
  });

  const recordInterrupted = db.transaction((req: Parameters<QueueStore['recordInterrupted']>[0]) => {
    const out: RecipientRecord[] = [];
    for (const item of req.items) {
      const row = countInterrupted.get(req.now, item.recipientId, req.owner) as RecipientRow | undefined;
      if (!row) continue;
      const r = toRecipient(row);
      out.push(r);
      insertEvent.run(
        ...writer.params({
          at: req.now,
          kind: 'interrupted',
          messageRowId: r.messageRowId,
          recipientId: r.id,
          attempt: r.attempts,
          text: req.event.text,
          detail: { ...req.event.detail, lapsed_owner: item.lapsedOwner },
        }),
      );
    }
    return out;
  });

  const insertSuppression = db.prepare(INSERT_SUPPRESSION_SQL);
  const addTlsSessions = tlsSessionUpsert(db);
  const recordAttempt = db.transaction((w: AttemptWrite) => {
    const suppress = new Map((w.suppress ?? []).map((s) => [s.recipientId, s]));
    const recorded = [];
    const lost: number[] = [];
    const ours = new Set<number>();
    for (const u of w.recipients) {
      const row = updateAfterAttempt.get(...updateParams(u, w.at), u.id, w.owner) as RecipientRow | undefined;
      if (row) {
        recorded.push(toRecipient(row));
        ours.add(u.id);
      } else {
        lost.push(u.id);
      }
    }
    // Phases shared by the whole transaction are written as long as one recipient was still ours;
    // a wholly lost claim writes nothing, because the worker that took it over records its own attempt.
    // The attempt's phases share a row (src/store/sqlite/event-rows.ts).
    if (ours.size > 0) {
      const events = w.events.filter((e) => e.recipientId == null || ours.has(e.recipientId));
      const ids = writer.insertAttempt(events);
      events.forEach((e, i) => {
        const s = e.kind === 'bounced' && e.recipientId != null ? suppress.get(e.recipientId) : undefined;
        if (s) insertSuppression.run(s.address, s.reason, 'hard-bounce', ids[i], w.at);
      });
      for (const c of w.tlsSessions ?? []) addTlsSessions.run(...tlsSessionParams(c));
    }
    return { recorded, lost };
  });

  const expireTx = db.transaction(
    (
      now: number,
      createdBefore: number,
      owner: string | null,
      claimed: readonly number[],
      limit: number,
      event: Omit<NewEvent, 'at' | 'messageRowId' | 'kind'>,
      reportOwed: boolean,
    ) => {
      const owe = reportOwed ? 1 : 0;
      const rows = (expire.all(now, owe, owe, now, createdBefore, now, owner, JSON.stringify(claimed), limit) as RecipientRow[]).map(toRecipient);
      for (const r of rows) {
        insertEvent.run(...writer.params({ ...event, at: now, messageRowId: r.messageRowId, recipientId: r.id, attempt: r.attempts, kind: 'expired' }));
      }
      return rows;
    },
  );

  // Every write joins the connection's group commit: the claims, lease renewals and attempt results of
  // concurrent deliveries (and the intake's messages) share one transaction and one fsync.
  const commits = groupCommitFor(db);

  return {
    async claimDue(req) {
      const rows = await commits.run(() => claimDue(req.owner, req.leaseUntil, req.now, JSON.stringify(req.excludeDomains ?? []), req.limit));
      return rows.sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0) || a.id - b.id);
    },
    async recordInterrupted(req) {
      return commits.run(() => recordInterrupted(req));
    },
    async renewLeases(owner, list, leaseUntil) {
      if (list.length === 0) return [];
      return ((await commits.run(() => renewLeases.all(leaseUntil, ids(list), owner))) as { id: number }[]).map((r) => r.id);
    },
    async recordAttempt(w) {
      return commits.run(() => recordAttempt(w));
    },
    async releaseLeases(owner, list) {
      const json = list ? ids(list) : null;
      return (await commits.run(() => releaseLeases.run(owner, json, json ?? '[]'))).changes;
    },
    async expire(req) {
      return commits.run(() => expireTx(req.now, req.createdBefore, req.owner ?? null, req.claimed ?? [], req.limit, req.event, req.reportOwed ?? false));
    },
    async transitionMessage(req) {
      return commits.run(() => transitionMessage(req.queueId, req.now, req.transition, req.event));
    },
    async dueForDelayWarning(req) {
      return (dueForDelayWarning.all(req.createdBefore, req.limit) as RecipientRow[]).map(toRecipient);
    },
    async markDelayNotified(list, at) {
      if (list.length === 0) return [];
      return ((await commits.run(() => markDelayNotified.all(at, at, ids(list)))) as { id: number }[]).map((r) => r.id);
    },
    async claimOwedReports(req) {
      const rows = (await commits.run(() => claimOwedReports.all(req.now, req.staleBefore, req.limit))) as (RecipientRow & { report_owed: ReportKind })[];
      return rows.map((row) => ({ kind: row.report_owed, recipient: toRecipient(row) })).sort((a, b) => a.recipient.id - b.recipient.id);
    },
    async settleReports(list, kind) {
      if (list.length === 0) return;
      await commits.run(() => settleReports.run(ids(list), kind));
    },
    async countsByState(now) {
      const byState: Partial<Record<RecipientState, number>> = {};
      let leased = 0;
      for (const r of countsByState.all(now) as { state: RecipientState; n: number; leased: number }[]) {
        byState[r.state] = r.n;
        leased += r.leased;
      }
      return { byState, leased };
    },
    async nextDueAt() {
      return (nextDueAt.get() as { at: number | null }).at;
    },
    async resetStaleLeases(now) {
      return (await commits.run(() => resetStaleLeases.run(now))).changes;
    },
  };
}

function updateParams(u: RecipientUpdate, at: number): unknown[] {
  const owed = u.reportOwed ?? null;
  return [u.state, u.nextAttemptAt, u.lastCode, u.lastEnhanced, u.lastText, u.category, u.hard === null ? null : u.hard ? 1 : 0, at, u.state, owed, owed, at];
}
