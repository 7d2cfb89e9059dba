import type { DkimKeyStore } from '../deliverability.js';
import { toKey, type KeyRow } from '../rows.js';
import type { Pg } from './database.js';

export function postgresDkimKeys(db: Pg): DkimKeyStore {
  return {
    async add(k) {
      // Active only when the domain has no active key of this algorithm yet: the new one otherwise waits.
      const row = await db.row<KeyRow>(
        `INSERT INTO dkim_keys (domain, selector, algorithm, private_key, public_key, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6 AND NOT EXISTS (SELECT 1 FROM dkim_keys WHERE domain = $1 AND algorithm = $3 AND active), $7)
         RETURNING *`,
        [k.domain, k.selector, k.algorithm, k.privateKey, k.publicKey, k.active, k.createdAt],
      );
      return toKey(row!);
    },
    async list() {
      return (await db.rows<KeyRow>('SELECT * FROM dkim_keys ORDER BY domain, selector')).map(toKey);
    },
    async active() {
      return (await db.rows<KeyRow>('SELECT * FROM dkim_keys WHERE active ORDER BY domain, selector')).map(toKey);
    },
    // Two statements in one transaction: the unique index on active keys is checked row by row, so the old
    // key must be switched off before the new one is switched on.
    async activate(domain, selector) {
      return db.transaction(async (tx) => {
        const key = (
          await tx.query<{ id: number; algorithm: string }>('SELECT id, algorithm FROM dkim_keys WHERE domain = $1 AND selector = $2 FOR UPDATE', [
            domain,
            selector,
          ])
        ).rows[0];
        if (!key) return false;
        await tx.query('UPDATE dkim_keys SET active = false WHERE domain = $1 AND algorithm = $2 AND active AND id <> $3', [domain, key.algorithm, key.id]);
        await tx.query('UPDATE dkim_keys SET active = true WHERE id = $1', [key.id]);
        return true;
      });
    },
    async remove(domain, selector) {
      return (await db.rows('DELETE FROM dkim_keys WHERE domain = $1 AND selector = $2 RETURNING id', [domain, selector])).length > 0;
    },
  };
}
