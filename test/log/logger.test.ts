/**
 * `log.file`: the JSON log really lands in the file (created with its directory), in the same schema as
 * stdout, including lines logged just before the process exits; an unusable path stops the start with
 * the key named.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/log/logger.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LOGGER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/log/logger.ts');

async function readWhen(file: string, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (ready(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('log.file receives every line, one JSON object each, with time, level and the fields given', async () => {
  const file = path.join(dir, 'nested', 'dir', 'mailtrail.log');
  const logger = createLogger({ log: { level: 'info', file } });
  logger.info({ event: 'message.received', queue_id: 'Q1', message_id: 'a@b' }, 'message received');
  logger.warn({ event: 'queue.throttled', domain: 'example.com' }, 'slow down');
  logger.debug({ event: 'queue.log' }, 'below the level');
  logger.raw.flush();
  assert.ok(existsSync(file), 'the file and its directories exist as soon as the logger does');
  const text = await readWhen(file, (s) => s.split('\n').filter(Boolean).length >= 2);
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].event, 'message.received');
  assert.equal(lines[0].level, 'info');
  assert.equal(lines[0].queue_id, 'Q1');
  assert.equal(lines[0].message_id, 'a@b');
  assert.ok(!Number.isNaN(Date.parse(lines[0].time)) && /Z$/.test(lines[0].time), `ISO time: ${lines[0].time}`);
  assert.equal(lines[1].level, 'warn');
  assert.ok(!('pid' in lines[0]) && !('hostname' in lines[0]));
});

test('an existing log file is appended to, not truncated', async () => {
  const file = path.join(dir, 'append.log');
  writeFileSync(file, '{"earlier":true}\n');
  const logger = createLogger({ log: { level: 'info', file } });
  logger.info({ event: 'relay.started' }, 'started');
  const text = await readWhen(file, (s) => s.includes('relay.started'));
  assert.deepEqual(
    text
      .trim()
      .split('\n')
      .map((l) => Object.keys(JSON.parse(l))[0]),
    ['earlier', 'level'],
  );
});

test('lines logged right before process.exit are in the file', async () => {
  const file = path.join(dir, 'exit', 'last-words.log');
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};
const logger = createLogger({ log: { level: 'info', file: process.argv[1] } });
for (let i = 0; i < 3; i++) logger.error({ event: 'relay.stop_failed', n: i }, 'last words');
process.exit(3);`;
  const code = await new Promise<number | null>((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { timeout: 60_000 }, () =>
      resolve(child.exitCode),
    );
  });
  assert.equal(code, 3);
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.n),
    [0, 1, 2],
  );
});

test('a log.file that cannot be opened stops the start with the path and what to do', () => {
  const blocker = path.join(dir, 'a-file');
  writeFileSync(blocker, '');
  assert.throws(
    () => createLogger({ log: { level: 'info', file: path.join(blocker, 'sub', 'x.log') } }),
    (err: Error) => err.name === 'StartupError' && /cannot open log\.file .*a-file\/sub\/x\.log/.test(err.message) && /set log\.file/.test(err.message),
  );
});

test('a line written without an event (a library in its own words) gets `<component>.log`', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ log: { level: 'info', file: null } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  logger.child({ component: 'api' }).raw.info('Server listening at http://127.0.0.1:8025');
  logger.raw.info('something else');
  logger.info({ event: 'queue.log' }, 'kept');
  assert.deepEqual(
    lines.map((l) => l.event),
    ['api.log', 'relay.log', 'queue.log'],
  );
});
