import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { groupCommitFor } from '../../src/store/sqlite/group-commit.js';
import { loggedIn, message, send, startHarness, type Harness, type RawClient } from './harness.js';
import { sqliteSettings } from '../../src/config/database.js';

describe('parallel submissions are committed in groups, each answered after the commit that holds it', () => {
  let h: Harness;
  const clients: RawClient[] = [];
  before(async () => {
    h = await startHarness({ submission: { cleartext_auth: 'always' } });
    // One at a time: AUTH is a deliberately slow scrypt check, and the sessions are reused by both tests.
    for (let i = 0; i < 6; i++) clients.push(await loggedIn(h.starttlsPort));
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await h.close();
  });

  test('six sessions ending DATA together: every one is answered 250 and committed, in fewer transactions than messages', async () => {
    const witness = new Database(sqliteSettings(h.config.database).path, { readonly: true });
    try {
      const groupsBefore = groupCommitFor(h.store.db).stats().groups;
      // All six at the 354 stage first, then their message ends written in one go: they reach the server together.
      for (const [i, c] of clients.entries()) {
        assert.equal((await c.command('MAIL FROM:<app@example.com>'))?.code, 250);
        assert.equal((await c.command('RCPT TO:<rcpt@dest.test>'))?.code, 250);
        assert.equal((await c.command('DATA'))?.code, 354, `client ${i}`);
      }
      for (const [i, c] of clients.entries()) c.write(message(`group-${i}@example.com`) + '.\r\n');
      const replies = await Promise.all(
        clients.map((c, i) =>
          c.read().then((r) => {
            // What the client was told is already what another connection can read.
            const row = witness.prepare('SELECT queue_id FROM messages WHERE message_id = ?').get(`group-${i}@example.com`) as { queue_id: string } | undefined;
            return { text: r!.text, committed: row?.queue_id ?? null };
          }),
        ),
      );
      for (const r of replies) {
        assert.match(r.text, /^250 2\.0\.0 Ok: queued as /);
        assert.equal(r.text.split(' ').pop(), r.committed);
      }
      const groups = groupCommitFor(h.store.db).stats().groups - groupsBefore;
      assert.ok(groups < 6, `6 messages in ${groups} transactions`);
    } finally {
      witness.close();
    }
  });

  test('when the group cannot commit, every session in it is answered 451 4.3.0 and nothing is kept', async () => {
    const count = () => (h.store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    const before = count();
    const other = new Database(sqliteSettings(h.config.database).path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const replies = await Promise.all(clients.map((c, i) => send(c, message(`locked-${i}@example.com`))));
      for (const r of replies) assert.match(r!.text, /^451 4\.3\.0 /);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal(count(), before);
  });
});
