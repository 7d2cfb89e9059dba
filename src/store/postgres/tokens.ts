import { toToken, type TokenRow } from '../rows.js';
import type { TokenStore } from '../store.js';
import type { Pg } from './database.js';

export function postgresTokens(db: Pg): TokenStore {
  return {
    async add(t) {
      const row = await db.row<TokenRow>('INSERT INTO api_tokens (name, sha256, scope, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [
        t.name,
        t.sha256,
        t.scope,
        t.createdAt,
      ]);
      return toToken(row!);
    },
    async findBySha256(sha256) {
      const r = await db.row<TokenRow>('SELECT * FROM api_tokens WHERE sha256 = $1', [sha256]);
      return r ? toToken(r) : null;
    },
    async list() {
      return (await db.rows<TokenRow>('SELECT * FROM api_tokens ORDER BY name')).map(toToken);
    },
    async remove(name) {
      return (await db.rows('DELETE FROM api_tokens WHERE name = $1 RETURNING id', [name])).length > 0;
    },
  };
}
