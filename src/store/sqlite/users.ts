import type { UserStore } from '../store.js';
import { toUser, type UserRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';

export function sqliteUsers(db: Db): UserStore {
  const insert = db.prepare('INSERT INTO users (name, password_hash, sender_domains, created_at) VALUES (?, ?, ?, ?) RETURNING *');
  const byName = db.prepare('SELECT * FROM users WHERE name = ?');
  const all = db.prepare('SELECT * FROM users ORDER BY name');
  const del = db.prepare('DELETE FROM users WHERE name = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM users');
  const replaceHash = db.prepare('UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?');
  const commits = groupCommitFor(db);
  return {
    async add(u) {
      return toUser((await commits.run(() => insert.get(u.name, u.passwordHash, JSON.stringify(u.senderDomains), u.createdAt))) as UserRow);
    },
    async get(name) {
      const r = byName.get(name) as UserRow | undefined;
      return r ? toUser(r) : null;
    },
    async list() {
      return (all.all() as UserRow[]).map(toUser);
    },
    async remove(name) {
      return (await commits.run(() => del.run(name))).changes > 0;
    },
    async count() {
      return (count.get() as { n: number }).n;
    },
    async replacePasswordHash(name, from, to) {
      return (await commits.run(() => replaceHash.run(to, name, from))).changes > 0;
    },
  };
}
