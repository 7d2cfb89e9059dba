import type { MtaStsStore } from '../deliverability.js';
import { toPolicy, type PolicyRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';

export function sqliteMtaSts(db: Db): MtaStsStore {
  const byDomain = db.prepare('SELECT * FROM mta_sts_policies WHERE domain = ?');
  const upsert = db.prepare(
    `INSERT INTO mta_sts_policies (domain, policy_id, mode, mx, max_age, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id, mode = excluded.mode, mx = excluded.mx,
       max_age = excluded.max_age, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
  );
  const commits = groupCommitFor(db);
  return {
    async get(domain) {
      const r = byDomain.get(domain) as PolicyRow | undefined;
      return r ? toPolicy(r) : null;
    },
    async put(p) {
      await commits.run(() => upsert.run(p.domain, p.policyId, p.mode, JSON.stringify(p.mx), p.maxAge, p.fetchedAt, p.expiresAt));
    },
  };
}
