import type { TokenStore } from '../store.js';
import { toToken, type TokenRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';

export function sqliteTokens(db: Db): TokenStore {
  const insert = db.prepare('INSERT INTO api_tokens (name, sha256, scope, created_at) VALUES (?, ?, ?, ?) RETURNING *');
  const bySha = db.prepare('SELECT * FROM api_tokens WHERE sha256 = ?');
  const all = db.prepare('SELECT * FROM api_tokens ORDER BY name');
  const del = db.prepare('DELETE FROM api_tokens WHERE name = ?');
  const commits = groupCommitFor(db);
  return {
    async add(t) {
      return toToken((await commits.run(() => insert.get(t.name, t.sha256, t.scope, t.createdAt))) as TokenRow);
    },
    async findBySha256(sha256) {
      const r = bySha.get(sha256) as TokenRow | undefined;
      return r ? toToken(r) : null;
    },
    async list() {
      return (all.all() as TokenRow[]).map(toToken);
    },
    async remove(name) {
      return (await commits.run(() => del.run(name))).changes > 0;
    },
  };
}
