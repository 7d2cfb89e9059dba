/**
 * `mailtrail tail` as a user runs it: the real command in its own process, reading the database that this
 * test process writes (SQLite WAL: a reader follows a live writer in another process).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MESSAGE_ID, seedHistory, T0, tempStore, type Seeded } from '../query/fixture.js';
import { FEED_START } from '../../src/store/store.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailtrail.js');

/** The environment without colour switches, so each test sets the ones it means. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, MAILTRAIL_CONFIG: '', ...extra };
  if (!('FORCE_COLOR' in extra)) delete e.FORCE_COLOR;
  if (!('NO_COLOR' in extra)) delete e.NO_COLOR;
  return e;
}

function mailtrail(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000, env: env(extraEnv) }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('mailtrail tail', () => {
  const t = tempStore();
  let config: string;
  let seeded: Seeded;
  let total: number;
  before(async () => {
    seeded = await seedHistory(t.store);
    total = (await t.store.events.after(FEED_START, 10_000)).length;
    config = path.join(t.dir, 'mailtrail.yaml');
    writeFileSync(config, `database:\n  path: ${JSON.stringify(t.dbPath)}\nlog:\n  level: silent\n`);
  });
  after(() => t.cleanup());

  test('--no-follow prints the last 20 events, oldest first, one line each, without colour in a pipe', async () => {
    assert.ok(total > 20, `the fixture has more than 20 events (${total})`);
    const r = await mailtrail(['tail', '--no-follow', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 20);
    assert.match(lines[19], /^2024-05-01 12:02:00\.000Z  bounced\s+QNEWER0001  bob@example\.com  552 5\.2\.2 Mailbox full  reported by mx\.example\.net/);
    assert.doesNotMatch(r.stdout, /\x1b/);
  });

  test('-n sets how many; --json prints one object per line with the log schema names', async () => {
    const r = await mailtrail(['tail', '--no-follow', '-n', '3', '--json', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 3);
    const last = records[2];
    assert.equal(last.event, 'bounced');
    assert.equal(last.queue_id, seeded.queueId);
    assert.equal(last.message_id, MESSAGE_ID);
    assert.deepEqual(
      [last.recipient, last.domain, last.code, last.enhanced, last.mx, last.outcome, last.tag],
      ['bob@example.com', 'example.com', 552, '5.2.2', 'mx.example.net', 'bounced', 'transactional'],
    );
    assert.ok(records[0].id < records[1].id && records[1].id < records[2].id);
    const all = await mailtrail(['tail', '--no-follow', '-n', '1000', '--config', config]);
    assert.equal(all.stdout.trimEnd().split('\n').length, total);
  });

  test('--domain D --json: a shared phase (connect, EHLO…) of a transaction about D says domain D, as the log line does', async () => {
    const r = await mailtrail(['tail', '--no-follow', '-n', '1000', '--json', '--domain', 'example.com', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const phases = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'phase');
    assert.ok(phases.length > 0, 'the fixture has phases at example.com');
    assert.deepEqual([...new Set(phases.map((e) => e.domain))], ['example.com']);
  });

  test('filters: domain, event kinds, Message-ID (with <>) or queue id, and all together', async () => {
    // Independent runs, started together: each is a process start.
    const [bounced, kinds, byId, byQueueId, none] = await Promise.all([
      mailtrail(['tail', '--no-follow', '--event', 'bounced', '--domain', 'EXAMPLE.org', '--config', config]),
      mailtrail(['tail', '--no-follow', '-n', '100', '--event', 'expired,suppressed', '--json', '--config', config]),
      mailtrail(['tail', '--no-follow', '-n', '100', '--message-id', `<${MESSAGE_ID}>`, '--event', 'received', '--config', config]),
      mailtrail(['tail', '--no-follow', '-n', '100', '--message-id', 'QOLDER0001', '--json', '--config', config]),
      mailtrail(['tail', '--no-follow', '--domain', 'nowhere.test', '--config', config]),
    ]);
    assert.equal(bounced.code, 0, bounced.stderr);
    assert.deepEqual(
      bounced.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)[3]),
      ['carol@example.org'],
    );

    assert.deepEqual(
      kinds.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).event),
      ['expired', 'suppressed'],
    );

    assert.match(byId.stdout, /QOLDER0001/);
    assert.match(byId.stdout, /QNEWER0001/);

    const older = byQueueId.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(older.length >= 4 && older.every((r) => r.queue_id === 'QOLDER0001'));

    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
  });

  test('FORCE_COLOR colours a pipe; --json never has colour', async () => {
    const [coloured, json, off] = await Promise.all([
      mailtrail(['tail', '--no-follow', '-n', '1', '--config', config], { FORCE_COLOR: '1' }),
      mailtrail(['tail', '--no-follow', '-n', '1', '--json', '--config', config], { FORCE_COLOR: '1' }),
      mailtrail(['tail', '--no-follow', '-n', '1', '--config', config], { FORCE_COLOR: '0' }),
    ]);
    assert.match(coloured.stdout, /\x1b\[31mbounced/);
    assert.doesNotMatch(json.stdout, /\x1b/);
    assert.doesNotMatch(off.stdout, /\x1b/);
  });

  test('follows events another process writes, with the filter, and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, 'tail', '--json', '-n', '1', '--domain', 'example.com', '--config', config], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (cond: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout: ${out}; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      // The backlog line says the cursor is set: what is written from now on is "new".
      await waitFor(() => out.split('\n').length >= 2, 'the backlog line');
      const message = (await t.store.messages.getByQueueId(seeded.queueId))!;
      const at = T0 + 3 * 3_600_000;
      await t.store.events.append({ at, messageRowId: message.id, recipientId: seeded.ids.carol, kind: 'requeued', text: 'other domain: not shown' });
      await t.store.events.append({ at, messageRowId: message.id, recipientId: seeded.ids.alice, kind: 'complained', text: 'spam report' });
      await waitFor(() => out.split('\n').length >= 3, 'the new event');
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
      const records = out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        records.map((r) => [r.event, r.recipient]),
        [
          ['bounced', 'bob@example.com'],
          ['complained', 'alice@example.com'],
        ],
      );
      assert.equal(err, '');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('mistakes are usage errors (exit 2) that say what to give; a missing database exits 1', async () => {
    const missing = path.join(t.dir, 'none.yaml');
    writeFileSync(missing, `database:\n  path: ${JSON.stringify(path.join(t.dir, 'absent.db'))}\n`);
    const [n, kind, flag, db, help] = await Promise.all([
      mailtrail(['tail', '-n', 'lots', '--config', config]),
      mailtrail(['tail', '--event', 'bounce', '--config', config]),
      mailtrail(['tail', '--colour', '--config', config]),
      mailtrail(['tail', '--no-follow', '--config', missing]),
      mailtrail(['tail', '--help']),
    ]);
    assert.equal(n.code, 2);
    assert.match(n.stderr, /-n must be a whole number/);
    assert.equal(kind.code, 2);
    assert.match(kind.stderr, /unknown event kind "bounce"; use one of: received, phase, delivered/);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /usage: mailtrail tail/);
    assert.equal(db.code, 1);
    assert.match(db.stderr, /no database at .*absent\.db: start the relay first/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--no-follow/);
  });
});
