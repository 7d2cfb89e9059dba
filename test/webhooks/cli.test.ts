/**
 * `mailtrail webhooks` in a subprocess, against a database a dispatcher wrote (real HTTP receiver).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.js';
import { tempStore, type TempStore } from '../bounces/support.js';
import { dispatcher, manualClock, messageFor, SECRET, startReceiver, type Receiver } from './support.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailtrail.js');
const run = promisify(execFile);
let t: TempStore;
let rx: Receiver;
let configFile: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'webhooks', ...args, '--config', configFile], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);

before(async () => {
  t = tempStore('mailtrail-webhooks-cli-');
  rx = await startReceiver('127.0.5.9');
  // The receiver takes deliveries and refuses everything else.
  rx.decide = (r) => (r.json.type === 'delivered' ? 200 : 500);
  configFile = path.join(t.dir, 'mailtrail.yaml');
  writeFileSync(
    configFile,
    [
      `database:\n  path: ${t.dbPath}`,
      'log:\n  level: silent',
      `webhooks:\n  endpoints:\n    - { name: crm, url: "${rx.url}", secret: "${SECRET}" }`,
      '  retry: { min_delay_ms: 1000, max_delay_ms: 1000, jitter: 0 }\n  max_attempts: 2',
    ].join('\n') + '\n',
  );
});
after(async () => {
  await rx.close();
  await t.cleanup();
});

test('failed after max_attempts, shown with pending ones; retry makes a failed delivery pending again', async () => {
  const empty = await cli();
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /0 pending, 0 failed, 0 delivered; the dispatcher has not started yet/);

  const clock = manualClock();
  const hooks = dispatcher(loadConfig(configFile, {}), t.store, clock);
  await hooks.runOnce();
  const m = await messageFor(t.store, 'ann@example.org');
  const bounced = await m.add('bounced', { code: 550, enhanced: '5.1.1' });
  await m.add('delivered', { code: 250 });
  assert.deepEqual(await hooks.runOnce().then((r) => [r.delivered, r.retrying]), [1, 1]);
  const deferred = await m.add('deferred', { code: 451 });
  clock.advance(1_000);
  assert.deepEqual(await hooks.runOnce().then((r) => [r.failed, r.retrying]), [1, 1], 'the bounce ran out of attempts; the deferral has one left');

  const shown = await cli();
  assert.equal(shown.code, 0, shown.stderr);
  const [head, ...lines] = shown.stdout.trim().split('\n');
  assert.match(head, /^webhooks: 1 pending, 1 failed, 1 delivered; the event feed is followed up to its newest event$/);
  assert.equal(lines.length, 2, 'pending and failed by default, not delivered');
  assert.match(
    lines.find((l) => l.includes('\tfailed\t')) ?? '',
    new RegExp(`\tcrm\tbounced\tevent #${bounced.id}\tattempts 2\tsince .*\tHTTP 500.*receiver says 500`),
  );
  assert.match(lines.find((l) => l.includes('\tpending\t')) ?? '', new RegExp(`\tdeferred\tevent #${deferred.id}\tattempts 1\tnext \\d{4}-`));

  const [failedJson, delivered] = await Promise.all([cli('--state', 'failed', '--json'), cli('--state', 'delivered')]);
  const [failed] = jsonLines(failedJson.stdout);
  assert.equal(jsonLines(failedJson.stdout).length, 1);
  assert.deepEqual(
    [
      failed.state,
      failed.endpoint,
      failed.type,
      failed.event_id,
      failed.attempts,
      failed.last_status,
      failed.next_attempt_at,
      failed.payload.type,
      failed.payload.recipient,
    ],
    ['failed', 'crm', 'bounced', bounced.id, 2, 500, null, 'bounced', 'ann@example.org'],
  );
  assert.match(delivered.stdout, /\tdelivered\tcrm\tdelivered\t.*\tattempts 1\tat \d{4}-/);

  const retried = await cli('retry', String(failed.id));
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, new RegExp(`webhook delivery ${failed.id} \\(bounced to crm\\) is pending again`));
  const deliveredId = jsonLines((await cli('--state', 'delivered', '--json')).stdout)[0].id;
  const [again, done, missing, bad, badState] = await Promise.all([
    cli('retry', String(failed.id)),
    cli('retry', String(deliveredId)),
    cli('retry', '99999'),
    cli('retry', 'abc'),
    cli('--state', 'stuck'),
  ]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /still pending/);
  assert.equal(done.code, 1);
  assert.match(done.stderr, /it was delivered at/);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no webhook delivery with id 99999/);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /give the id of a failed delivery/);
  assert.equal(badState.code, 2);

  // The relay picks the revived row up: it is POSTed again with a fresh count of attempts.
  const before = rx.received.length;
  clock.advance(60 * 60_000);
  await hooks.runOnce();
  assert.ok(rx.received.slice(before).some((r) => r.json.id === bounced.id && r.verified));
  const revived = await t.store.webhooks.get(failed.id);
  assert.deepEqual([revived?.state, revived?.attempts], ['pending', 1]);
  await hooks.stop();
});
