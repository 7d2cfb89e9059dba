import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { hashPassword } from '../../src/auth/password.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { DOMAIN, PASSWORD, USER, loggedIn, send } from './harness.js';

const RELAY = fileURLToPath(new URL('../helpers/relay-process.ts', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-durability-'));
const dbPath = path.join(dir, 'mailtrail.db');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startRelay(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', RELAY], {
    env: { ...process.env, MAILTRAIL_TEST_DB: dbPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not start within 20 s')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code} before listening`)));
  });
  return { child, port: JSON.parse(line).port };
}

const SESSIONS = 10;
const PER_SESSION = 20;
const KILL_AFTER = 60;

function messageFor(s: number, i: number): { id: string; data: string } {
  const id = `burst-${s}-${i}@example.com`;
  const body = Array.from({ length: 30 }, (_, k) => `line ${k} of message ${s}/${i} ${'x'.repeat(50)}`).join('\r\n');
  return { id, data: `From: <app@${DOMAIN}>\r\nTo: <r${i}@dest.test>\r\nSubject: burst ${s}/${i}\r\nMessage-ID: <${id}>\r\n\r\n${body}\r\n` };
}

test('SIGKILL in the middle of a burst: every message answered 250 is stored whole, nothing is stored half', { timeout: 90_000 }, async (t) => {
  const setup = openSqliteStore({ path: dbPath, synchronous: 'FULL', busyTimeoutMs: 5000 });
  await setup.users.add({ name: USER, passwordHash: await hashPassword(PASSWORD), senderDomains: [DOMAIN], createdAt: Date.now() });
  await setup.close();

  const relay = await startRelay();
  const acked = new Map<string, { queueId: string; data: string }>();
  let killedAt = -1;
  const session = async (s: number) => {
    let c;
    try {
      c = await loggedIn(relay.port);
    } catch {
      return; // the relay died before this session logged in
    }
    for (let i = 0; i < PER_SESSION; i++) {
      const { id, data } = messageFor(s, i);
      const reply = await send(c, data, `app@${DOMAIN}`, [`r${i}@dest.test`, `cc${i}@other.test`]).catch(() => null);
      if (!reply) break;
      const m = /^250 2\.0\.0 Ok: queued as ([0-9A-Z]{16})$/.exec(reply.text);
      assert.ok(m, `unexpected reply ${reply.text}`);
      acked.set(id, { queueId: m[1], data });
      if (acked.size === KILL_AFTER && killedAt < 0) {
        killedAt = acked.size;
        relay.child.kill('SIGKILL');
      }
    }
    c.destroy();
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, s) => session(s)));
  assert.ok(killedAt > 0, 'the relay was killed mid-burst');
  assert.ok(acked.size < SESSIONS * PER_SESSION, `killed before the burst ended (${acked.size} acknowledged)`);

  // Restart on the same database: it opens (WAL recovery, migrations) and accepts mail again.
  const second = await startRelay();
  const c = await loggedIn(second.port);
  const after = messageFor(99, 0);
  assert.match((await send(c, after.data, `app@${DOMAIN}`, ['r0@dest.test', 'cc0@other.test']))!.text, /^250 2\.0\.0 /);
  c.destroy();
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));

  const store = openSqliteStore({ path: dbPath, synchronous: 'FULL', busyTimeoutMs: 5000 });
  try {
    for (const [id, { queueId, data }] of acked) {
      const found = await store.messages.findByMessageId(id);
      assert.equal(found.length, 1, `${id} acknowledged but stored ${found.length} times`);
      assert.equal(found[0].queueId, queueId);
      const raw = (await store.messages.content(found[0].id))!;
      assert.equal(found[0].sha256, createHash('sha256').update(raw).digest('hex'), `${id}: stored hash matches stored bytes`);
      // Byte-identical: exactly our Received field, then exactly what was sent.
      const text = raw.toString('latin1');
      assert.ok(text.startsWith('Received: '));
      assert.equal(text.slice(text.indexOf('\r\nFrom: ') + 2), data, `${id}: stored bytes after Received are the bytes sent`);
    }
    const rows = store.db.prepare('SELECT id, message_id FROM messages').all() as { id: number; message_id: string }[];
    t.diagnostic(`acknowledged ${acked.size} of ${SESSIONS * PER_SESSION} before SIGKILL; stored ${rows.length - 1} from the burst`);
    assert.ok(rows.length >= acked.size + 1 && rows.length <= SESSIONS * PER_SESSION + 1);
    for (const row of rows) {
      assert.ok(await store.messages.content(row.id), `${row.message_id} has content`);
      assert.equal((await store.messages.recipients(row.id)).length, 2, `${row.message_id} has both recipients`);
      const events = await store.events.forMessage(row.id);
      assert.equal(events.filter((e) => e.kind === 'received').length, 1, `${row.message_id} has its received event`);
    }
    const orphans = store.db
      .prepare(`SELECT (SELECT COUNT(*) FROM message_content WHERE message_id NOT IN (SELECT id FROM messages))
                     + (SELECT COUNT(*) FROM recipients WHERE message_id NOT IN (SELECT id FROM messages)) AS n`)
      .get() as { n: number };
    assert.equal(orphans.n, 0);
  } finally {
    await store.close();
  }
});
