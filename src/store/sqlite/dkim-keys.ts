import type { DkimKeyRecord, DkimKeyStore } from '../deliverability.js';
import { toKey, type KeyRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';

export function sqliteDkimKeys(db: Db): DkimKeyStore {
  const hasActive = db.prepare('SELECT 1 FROM dkim_keys WHERE domain = ? AND algorithm = ? AND active = 1').pluck();
  const insert = db.prepare(
    'INSERT INTO dkim_keys (domain, selector, algorithm, private_key, public_key, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
  );
  const all = db.prepare('SELECT * FROM dkim_keys ORDER BY domain, selector');
  const actives = db.prepare('SELECT * FROM dkim_keys WHERE active = 1 ORDER BY domain, selector');
  const one = db.prepare('SELECT * FROM dkim_keys WHERE domain = ? AND selector = ?');
  const deactivate = db.prepare('UPDATE dkim_keys SET active = 0 WHERE domain = ? AND algorithm = ? AND active = 1');
  const activateOne = db.prepare('UPDATE dkim_keys SET active = 1 WHERE id = ?');
  const del = db.prepare('DELETE FROM dkim_keys WHERE domain = ? AND selector = ?');
  const commits = groupCommitFor(db);

  const add = db.transaction((k: Omit<DkimKeyRecord, 'id'>) => {
    const active = k.active && hasActive.get(k.domain, k.algorithm) === undefined;
    return toKey(insert.get(k.domain, k.selector, k.algorithm, k.privateKey, k.publicKey, active ? 1 : 0, k.createdAt) as KeyRow);
  });
  const activate = db.transaction((domain: string, selector: string) => {
    const row = one.get(domain, selector) as KeyRow | undefined;
    if (!row) return false;
    deactivate.run(domain, row.algorithm);
    activateOne.run(row.id);
    return true;
  });
  return {
    add: (k) => commits.run(() => add(k)),
    async list() {
      return (all.all() as KeyRow[]).map(toKey);
    },
    async active() {
      return (actives.all() as KeyRow[]).map(toKey);
    },
    activate: (domain, selector) => commits.run(() => activate(domain, selector)),
    async remove(domain, selector) {
      return (await commits.run(() => del.run(domain, selector))).changes > 0;
    },
  };
}
