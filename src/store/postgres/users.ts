import { toUser, type UserRow } from '../rows.js';
import type { UserStore } from '../store.js';
import type { Pg } from './database.js';

export function postgresUsers(db: Pg): UserStore {
  return {
    async add(u) {
      const row = await db.row<UserRow>('INSERT INTO users (name, password_hash, sender_domains, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [
        u.name,
        u.passwordHash,
        JSON.stringify(u.senderDomains),
        u.createdAt,
      ]);
      return toUser(row!);
    },
    async get(name) {
      const r = await db.row<UserRow>('SELECT * FROM users WHERE name = $1', [name]);
      return r ? toUser(r) : null;
    },
    async list() {
      return (await db.rows<UserRow>('SELECT * FROM users ORDER BY name')).map(toUser);
    },
    async remove(name) {
      return (await db.rows('DELETE FROM users WHERE name = $1 RETURNING id', [name])).length > 0;
    },
    async count() {
      return (await db.row<{ n: number }>('SELECT COUNT(*) AS n FROM users'))!.n;
    },
    async replacePasswordHash(name, from, to) {
      return (await db.rows('UPDATE users SET password_hash = $1 WHERE name = $2 AND password_hash = $3 RETURNING id', [to, name, from])).length > 0;
    },
  };
}
