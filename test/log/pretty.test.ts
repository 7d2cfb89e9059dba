/**
 * Readable logs on a terminal: `log.format` auto picks pretty lines for a TTY and JSON for anything else;
 * a pretty line keeps the schema's field names, stays one line whatever a remote server sent, and lets no
 * escape sequence through. The relay's real stdout is checked on a pseudo-terminal (util-linux `script`)
 * and on a pipe.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { prettyLogLine, stdoutFormat } from '../../src/log/pretty.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-pretty-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ATTEMPT = {
  level: 'info',
  time: '2026-12-03T15:51:36.120Z',
  event: 'delivery.attempt',
  queue_id: 'QABC123',
  message_id: 'order-1@shop.example',
  tag: null,
  recipient: 'alice@example.com',
  attempt: 1,
  outcome: 'delivered',
  code: 250,
  enhanced: '2.0.0',
  text: 'Ok: queued as 4Vx',
  hard: null,
  msg: 'delivered',
};

test('auto is pretty on a terminal and JSON anywhere else; json and pretty are what they say', () => {
  assert.equal(stdoutFormat('auto', true), 'pretty');
  assert.equal(stdoutFormat('auto', false), 'json');
  assert.equal(stdoutFormat('json', true), 'json');
  assert.equal(stdoutFormat('pretty', false), 'pretty');
});

test('a pretty line: time, level, event, sentence, then the fields by their schema names, nulls left out', () => {
  const line = prettyLogLine(JSON.stringify(ATTEMPT), { color: false });
  assert.equal(
    line,
    '2026-12-03 15:51:36.120Z  INFO   delivery.attempt    delivered  queue_id=QABC123 message_id=order-1@shop.example recipient=alice@example.com attempt=1 outcome=delivered code=250 enhanced=2.0.0 text="Ok: queued as 4Vx"',
  );
  // A trailing newline (as pino writes) changes nothing.
  assert.equal(prettyLogLine(`${JSON.stringify(ATTEMPT)}\n`, { color: false }), line);
});

test("a remote server's multi-line reply with escape sequences stays one safe line", () => {
  const text = '550-5.1.1 no such user\n550 5.1.1 \x1b[2J\x1b]0;owned\x07 see\u202ethis';
  const line = prettyLogLine(JSON.stringify({ ...ATTEMPT, level: 'warn', text, recipient: 'a\x1b[31m@b.example', msg: 'bounced\nreally' }), { color: false });
  assert.ok(!line.includes('\n'), line);
  assert.ok(!/[\x00-\x1f\x7f-\x9f\u202e]/.test(line), JSON.stringify(line));
  assert.match(line, / WARN {3}delivery\.attempt {4}bounced really {2}/);
  assert.match(line, /text="550-5\.1\.1 no such user\\n550 5\.1\.1 \\u001b\[2J\\u001b\]0;owned\\u0007 see\\u202ethis"/);
  assert.match(line, /recipient="a\\u001b\[31m@b\.example"/);
});

test('values: numbers and booleans bare, objects and arrays as JSON, words with = or quotes quoted', () => {
  const line = prettyLogLine(
    JSON.stringify({
      level: 'info',
      event: 'message.received',
      recipients: 2,
      tls: true,
      dkim: [{ d: 'shop.example', s: 'mt1' }],
      sender: '',
      user: 'a=b',
      msg: 'm',
    }),
    { color: false },
  );
  assert.match(line, /recipients=2 tls=true dkim=\[\{"d":"shop\.example","s":"mt1"\}\] sender="" user="a=b"$/);
});

test("an error: its type and message inline, its stack's frames on indented lines below", () => {
  const err = {
    type: 'TypeError',
    message: 'x is not a function',
    stack: 'TypeError: x is not a function\n    at f (/app/src/a.ts:1:1)\n    at g (/app/src/b.ts:2:2)',
  };
  const out = prettyLogLine(JSON.stringify({ level: 'error', time: ATTEMPT.time, event: 'queue.error', err, queue_id: 'Q1', msg: 'recording failed' }), {
    color: false,
  });
  assert.deepEqual(out.split('\n'), [
    '2026-12-03 15:51:36.120Z  ERROR  queue.error         recording failed  queue_id=Q1 err="TypeError: x is not a function"',
    '    at f (/app/src/a.ts:1:1)',
    '    at g (/app/src/b.ts:2:2)',
  ]);
  // A plain Error's type is not repeated; an err that is a string is shown as it is.
  assert.match(prettyLogLine(JSON.stringify({ level: 'error', event: 'api.error', err: { type: 'Error', message: 'boom' } }), { color: false }), /err=boom$/);
  assert.match(prettyLogLine(JSON.stringify({ level: 'error', event: 'bounce.failed', err: 'disk full' }), { color: false }), /err="disk full"$/);
});

test('colour: level and event painted; without colour no escape sequence at all', () => {
  const coloured = prettyLogLine(JSON.stringify({ ...ATTEMPT, level: 'error' }), { color: true });
  assert.ok(coloured.includes('\x1b[31mERROR\x1b[39m'), JSON.stringify(coloured));
  assert.ok(coloured.includes('\x1b[1mdelivery.attempt'), JSON.stringify(coloured));
  assert.ok(!prettyLogLine(JSON.stringify(ATTEMPT), { color: false }).includes('\x1b'));
});

test('a line that is not a JSON object is shown as it is, made safe', () => {
  assert.equal(prettyLogLine('plain words \x1b[2J\n', { color: false }), 'plain words \\u001b[2J');
  assert.equal(prettyLogLine('[1,2]', { color: false }), '[1,2]');
});

test('log.format is validated with the key named, and settable from the environment', () => {
  const file = path.join(dir, 'fmt.yaml');
  writeFileSync(file, 'log:\n  format: fancy\n');
  assert.throws(() => loadConfig(file, {}), /config key log\.format.*found "fancy".*"auto", "json", "pretty"/);
  writeFileSync(file, 'hostname: localhost\n');
  assert.equal(loadConfig(file, {}).log.format, 'auto');
  assert.equal(loadConfig(file, { MAILTRAIL_LOG__FORMAT: 'json' }).log.format, 'json');
});

// The relay's stdout destination, as `mailtrail start` makes it, with log.format auto.
const LOGGER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/log/logger.ts');
const SCRIPT = path.join(dir, 'print.ts');
writeFileSync(
  SCRIPT,
  `import { createLogDestination, createLogger } from ${JSON.stringify(LOGGER)};
const config = { log: { level: 'info' as const, file: null, format: 'auto' as const } };
const logger = createLogger(config, createLogDestination(config));
logger.info({ event: 'delivery.attempt', queue_id: 'QTTY1', recipient: 'a@b.example', code: 250, text: 'Ok' }, 'delivered');
`,
);

function run(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin?.end();
  });
}

test('the relay on a pipe writes JSON lines', async () => {
  const out = await run(process.execPath, ['--import', 'tsx', SCRIPT], {});
  const [line, ...rest] = out.trim().split('\n');
  assert.deepEqual(rest, []);
  assert.deepEqual(JSON.parse(line!), {
    level: 'info',
    time: JSON.parse(line!).time,
    event: 'delivery.attempt',
    queue_id: 'QTTY1',
    recipient: 'a@b.example',
    code: 250,
    text: 'Ok',
    msg: 'delivered',
  });
});

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('the relay on a terminal writes readable lines, coloured unless NO_COLOR', {
  skip: hasScript ? false : 'no util-linux `script` to make a pseudo-terminal',
}, async () => {
  const command = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(SCRIPT)}`;
  const coloured = await run('script', ['-qec', command, '/dev/null'], {});
  assert.match(coloured, /\x1b\[32mINFO \x1b\[39m/);
  const plain = await run('script', ['-qec', command, '/dev/null'], { NO_COLOR: '1' });
  assert.match(
    plain,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z {2}INFO {3}delivery\.attempt {4}delivered {2}queue_id=QTTY1 recipient=a@b\.example code=250 text=Ok\r?\n$/,
  );
});
