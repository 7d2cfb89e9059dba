import type { TlsReportStore } from '../deliverability.js';
import { TLS_SESSION_COLUMNS, TLS_SESSION_KEY, toTlsSessionCount, type TlsSessionRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';

/** Adds counts (run inside the attempt's transaction by ./queue.ts). */
export function tlsSessionUpsert(db: Db) {
  return db.prepare(
    `INSERT INTO tls_sessions (${TLS_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (${TLS_SESSION_KEY}) DO UPDATE SET sessions = tls_sessions.sessions + excluded.sessions,
       policy_mode = excluded.policy_mode, policy_mx = excluded.policy_mx, policy_max_age = excluded.policy_max_age`,
  );
}

export function sqliteTlsReports(db: Db): TlsReportStore {
  const onDay = db.prepare('SELECT * FROM tls_sessions WHERE day = ? ORDER BY domain, policy_id, result, receiving_mx, receiving_ip');
  // One statement: a new row, or a retry of a failed one, or the takeover of a dead sender's.
  const claim = db.prepare(
    `INSERT INTO tls_reports (day, domain, state, owner, lease_until, tries, updated_at) VALUES (?, ?, 'sending', ?, ?, 1, ?)
     ON CONFLICT (day, domain) DO UPDATE SET state = 'sending', owner = excluded.owner, lease_until = excluded.lease_until,
       tries = tls_reports.tries + 1, updated_at = excluded.updated_at
     WHERE (tls_reports.state = 'failed' AND tls_reports.tries < ?) OR (tls_reports.state = 'sending' AND tls_reports.lease_until <= ?)
     RETURNING tries`,
  );
  const finish = db.prepare(
    `UPDATE tls_reports SET state = ?, owner = NULL, lease_until = NULL, report_id = ?, note = ?, updated_at = ?
      WHERE day = ? AND domain = ? AND state = 'sending' AND owner = ?`,
  );
  const forgetSessions = db.prepare('DELETE FROM tls_sessions WHERE day < ?');
  const forgetReports = db.prepare("DELETE FROM tls_reports WHERE day < ? AND state <> 'sending'");
  const commits = groupCommitFor(db);
  return {
    async sessionsOn(day) {
      return (onDay.all(day) as TlsSessionRow[]).map(toTlsSessionCount);
    },
    async claim(r) {
      const row = (await commits.run(() => claim.get(r.day, r.domain, r.owner, r.leaseUntil, r.now, r.maxTries, r.now))) as { tries: number } | undefined;
      return row?.tries ?? null;
    },
    async finish(r) {
      const res = await commits.run(() => finish.run(r.state, r.reportId, r.note, r.now, r.day, r.domain, r.owner));
      return res.changes > 0;
    },
    async forget(beforeDay) {
      return commits.run(() => forgetSessions.run(beforeDay).changes + forgetReports.run(beforeDay).changes);
    },
  };
}
