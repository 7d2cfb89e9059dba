/**
 * `mailtrail bounces` as a user runs it: the real CLI in a subprocess against a real database.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InboundProcessor } from '../../src/bounces/processor.js';
import { parseBounce } from '../../src/bounces/parse/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { verpAddress } from '../../src/verp/token.js';
import { BOUNCE_DOMAIN, enqueue, SECRET, setState, tempStore, type TempStore } from './support.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailtrail.js');
const run = promisify(execFile);

let t: TempStore;
let configFile: string;
let unmatchedId: number;
let matchedId: number;
let copyId: number;
let junkId: number;
const junk = Buffer.from('\x00\x01 not a mail at all \xff\xfe', 'latin1');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--config', configFile], { timeout: 20_000, encoding: 'buffer' as BufferEncoding });
    return { code: 0, stdout: String(stdout), stderr: String(stderr) };
  } catch (err) {
    const e = err as { code?: number; stdout?: Buffer; stderr?: Buffer };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

before(async () => {
  t = tempStore();
  configFile = path.join(t.dir, 'mailtrail.yaml');
  writeFileSync(configFile, `database:\n  path: ${t.dbPath}\nlog:\n  level: silent\n`);
  const processor = new InboundProcessor({
    store: t.store,
    logger: silentLogger(),
    parse: parseBounce,
    verpSecret: SECRET,
    correlationWindowMs: 60_000,
    limits: { maxParts: 100, maxDepth: 10 },
  });
  const dsn = (to: string, failed: string) =>
    Buffer.from(
      `From: MAILER-DAEMON@mx.remote.test\r\nTo: ${to}\r\nSubject: Undelivered\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\nFinal-Recipient: rfc822; ${failed}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 unknown user\r\n--b--\r\n`,
    );
  const receive = async (rcptTo: string, raw: Buffer) => {
    const row = await t.store.inbound.receive({ receivedAt: Date.now(), mailFrom: '', rcptTo: [rcptTo], clientIp: '127.0.2.9', raw });
    await processor.process(row.id);
    return row.id;
  };
  unmatchedId = await receive(`postmaster@${BOUNCE_DOMAIN}`, dsn(`postmaster@${BOUNCE_DOMAIN}`, 'stranger@nowhere.test'));
  const {
    recipients: [r],
  } = await enqueue(t.store, { recipients: ['known@remote.test'] });
  setState(t.store, r.id, 'delivered');
  const verp = verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: r.id });
  matchedId = await receive(verp, dsn(verp, 'known@remote.test'));
  copyId = await receive(verp, dsn(verp, 'known@remote.test')); // the same mail again: a second copy
  const row = await t.store.inbound.receive({ receivedAt: Date.now(), mailFrom: 'x@y.test', rcptTo: [`abuse@${BOUNCE_DOMAIN}`], clientIp: null, raw: junk });
  junkId = row.id; // left unprocessed on purpose: listed, but not as unmatched
  await t.store.close();
});
after(() => t.cleanup());

test('bounces --unmatched --json lists the processed mail that matched nothing, one JSON object per line', async () => {
  const { code, stdout } = await cli(['bounces', '--unmatched', '--json']);
  assert.equal(code, 0);
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => r.id),
    [unmatchedId],
  );
  assert.equal(rows[0].kind, 'bounce');
  assert.equal(rows[0].match_rule, null);
  assert.equal(rows[0].parse.recipients[0].address, 'stranger@nowhere.test');
  assert.equal(rows[0].parse.recipients[0].status, '5.1.1');
});

test('bounces lists everything newest first; --id shows one with its match; --raw prints the stored bytes', async () => {
  const [all, one, text] = await Promise.all([
    cli(['bounces', '--json', '--limit', '10']),
    cli(['bounces', '--id', String(matchedId), '--json']),
    cli(['bounces', '--id', String(matchedId)]),
  ]);
  assert.deepEqual(
    all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id),
    [junkId, copyId, matchedId, unmatchedId],
  );
  const view = JSON.parse(one.stdout);
  assert.equal(view.match_rule, 'verp');
  assert.equal(view.recipient, 'known@remote.test');
  assert.match(view.queue_id, /^Q/);
  assert.match(text.stdout, /matched Q\S+ known@remote\.test by verp/);
  // A second copy says so, in the list and alone: it applied nothing.
  const copy = await cli(['bounces', '--id', String(copyId)]);
  assert.match(copy.stdout, new RegExp(`bounce \\(a second copy of #${matchedId}: nothing applied\\)`));
  const raw = await run(process.execPath, [BIN, 'bounces', '--id', String(junkId), '--raw', '--config', configFile], { encoding: 'buffer', timeout: 20_000 });
  assert.ok(Buffer.from(raw.stdout).equals(junk));
});

test('mistakes are usage errors (exit 2); an unknown id is exit 1', async () => {
  const [badLimit, rawWithoutId, missing] = await Promise.all([
    cli(['bounces', '--limit', 'many']),
    cli(['bounces', '--raw']),
    cli(['bounces', '--id', '999999']),
  ]);
  assert.equal(badLimit.code, 2);
  assert.equal(rawWithoutId.code, 2);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no inbound mail with id 999999/);
});
