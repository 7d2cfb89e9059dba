import type { TlsReportStore, TlsSessionCount } from '../deliverability.js';
import { TLS_SESSION_COLUMNS, TLS_SESSION_KEY, toTlsSessionCount, type TlsSessionRow } from '../rows.js';
import type { Params, Pg } from './database.js';

/**
 * The INSERT that adds an attempt's counts, for a data-modifying CTE of recordAttempt (./queue.ts): its rows
 * are added only when `guard` (an SQL condition) holds. The rows must have distinct keys (one INSERT … ON
 * CONFLICT cannot touch a row twice): src/tlsrpt/sessions.ts sums them per key.
 */
export function tlsSessionInsert(p: Params, rows: TlsSessionCount[], guard: string): string {
  const a = (f: (c: TlsSessionCount) => unknown, type: string) => `${p.add(rows.map(f))}::${type}[]`;
  return `INSERT INTO tls_sessions (${TLS_SESSION_COLUMNS})
          SELECT t.day, t.domain, t.policy_id, t.policy_mode, t.policy_mx::json, t.policy_max_age, t.result, t.sending_ip, t.receiving_mx, t.receiving_ip, t.reason, t.sessions
            FROM unnest(${a((c) => c.day, 'text')}, ${a((c) => c.domain, 'text')}, ${a((c) => c.policyId, 'text')}, ${a((c) => c.policyMode, 'text')},
                        ${a((c) => JSON.stringify(c.policyMx), 'text')}, ${a((c) => c.policyMaxAge, 'bigint')}, ${a((c) => c.result, 'text')}, ${a((c) => c.sendingIp, 'text')},
                        ${a((c) => c.receivingMx, 'text')}, ${a((c) => c.receivingIp, 'text')}, ${a((c) => c.reason, 'text')}, ${a((c) => c.sessions, 'bigint')})
                 AS t(day, domain, policy_id, policy_mode, policy_mx, policy_max_age, result, sending_ip, receiving_mx, receiving_ip, reason, sessions)
           WHERE ${guard}
          ON CONFLICT (${TLS_SESSION_KEY}) DO UPDATE SET sessions = tls_sessions.sessions + excluded.sessions,
            policy_mode = excluded.policy_mode, policy_mx = excluded.policy_mx, policy_max_age = excluded.policy_max_age`;
}

export function postgresTlsReports(db: Pg): TlsReportStore {
  return {
    async sessionsOn(day) {
      const rows = await db.rows<TlsSessionRow>('SELECT * FROM tls_sessions WHERE day = $1 ORDER BY domain, policy_id, result, receiving_mx, receiving_ip', [
        day,
      ]);
      return rows.map(toTlsSessionCount);
    },
    async claim(r) {
      // One statement: a new row, or a retry of a failed one, or the takeover of a dead sender's. Two nodes
      // racing on a new row: the primary key lets one insert, the other's upsert finds it 'sending' and a live lease.
      const row = await db.row<{ tries: number }>(
        `INSERT INTO tls_reports (day, domain, state, owner, lease_until, tries, updated_at) VALUES ($1, $2, 'sending', $3, $4, 1, $5)
         ON CONFLICT (day, domain) DO UPDATE SET state = 'sending', owner = excluded.owner, lease_until = excluded.lease_until,
           tries = tls_reports.tries + 1, updated_at = excluded.updated_at
         WHERE (tls_reports.state = 'failed' AND tls_reports.tries < $6) OR (tls_reports.state = 'sending' AND tls_reports.lease_until <= $5)
         RETURNING tries`,
        [r.day, r.domain, r.owner, r.leaseUntil, r.now, r.maxTries],
      );
      return row?.tries ?? null;
    },
    async finish(r) {
      const rows = await db.rows(
        `UPDATE tls_reports SET state = $1, owner = NULL, lease_until = NULL, report_id = $2, note = $3, updated_at = $4
          WHERE day = $5 AND domain = $6 AND state = 'sending' AND owner = $7 RETURNING day`,
        [r.state, r.reportId, r.note, r.now, r.day, r.domain, r.owner],
      );
      return rows.length > 0;
    },
    async forget(beforeDay) {
      const a = await db.rows('DELETE FROM tls_sessions WHERE day < $1 RETURNING day', [beforeDay]);
      const b = await db.rows("DELETE FROM tls_reports WHERE day < $1 AND state <> 'sending' RETURNING day", [beforeDay]);
      return a.length + b.length;
    },
  };
}
