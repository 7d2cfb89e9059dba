import type { MtaStsStore } from '../deliverability.js';
import { toPolicy, type PolicyRow } from '../rows.js';
import type { Pg } from './database.js';

export function postgresMtaSts(db: Pg): MtaStsStore {
  return {
    async get(domain) {
      const r = await db.row<PolicyRow>('SELECT * FROM mta_sts_policies WHERE domain = $1', [domain]);
      return r ? toPolicy(r) : null;
    },
    async put(p) {
      await db.rows(
        `INSERT INTO mta_sts_policies (domain, policy_id, mode, mx, max_age, fetched_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id, mode = excluded.mode, mx = excluded.mx,
           max_age = excluded.max_age, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
        [p.domain, p.policyId, p.mode, JSON.stringify(p.mx), p.maxAge, p.fetchedAt, p.expiresAt],
      );
    },
  };
}
