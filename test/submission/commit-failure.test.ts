import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { loggedIn, message, send, startHarness, type Harness } from './harness.js';
import { sqliteSettings } from '../../src/config/database.js';

function tableCounts(h: Harness) {
  const count = (t: string) => (h.store.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { messages: count('messages'), content: count('message_content'), recipients: count('recipients'), events: count('events') };
}

describe('a failed commit is answered 451 4.3.0 and leaves nothing behind', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ submission: { cleartext_auth: 'always' } });
  });
  after(() => h.close());

  test('database locked past busy_timeout (another writer holds it): 451 4.3.0, then the retry succeeds', async () => {
    const c = await loggedIn(h.starttlsPort);
    const before = tableCounts(h);
    const other = new Database(sqliteSettings(h.config.database).path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const r = await send(c, message('locked@example.com'));
      assert.match(r!.text, /^451 4\.3\.0 /);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.deepEqual(tableCounts(h), before);
    assert.ok(h.logs.some((l) => l.event === 'submission.commit_failed'));
    const refused = h.logs.find((l) => l.event === 'submission.refused' && l.reason === 'commit-failed');
    assert.match(String(refused?.text), /^Message not queued: /, 'the log says what the client was told');
    // Same session, same message: now it is queued.
    const retry = await send(c, message('locked@example.com'));
    assert.match(retry!.text, /^250 2\.0\.0 Ok: queued as /);
    c.destroy();
    assert.equal((await h.store.messages.findByMessageId('locked@example.com')).length, 1);
  });

  test('a failure in the middle of the transaction (second recipient) rolls back message, content and first recipient', async () => {
    h.store.db.exec(`CREATE TEMP TRIGGER fail_second_rcpt BEFORE INSERT ON recipients
      WHEN NEW.address = 'fail@dest.test' BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`);
    try {
      const c = await loggedIn(h.starttlsPort);
      const before = tableCounts(h);
      const r = await send(c, message('half@example.com'), 'app@example.com', ['ok@dest.test', 'fail@dest.test']);
      assert.match(r!.text, /^451 4\.3\.0 /);
      c.destroy();
      assert.deepEqual(tableCounts(h), before);
      assert.equal((await h.store.messages.findByMessageId('half@example.com')).length, 0);
    } finally {
      h.store.db.exec('DROP TRIGGER fail_second_rcpt');
    }
  });
});
