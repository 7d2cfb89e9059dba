/**
 * WAL frames (pages written) per group transaction of intake's write, by table and index (issue 18): a
 * fresh SQLite store, 1,000 messages to warm it, then TXS transactions of GROUP `messages.enqueue` each (a
 * 4 KB body, a random Message-ID and a subject, as the per-message scenario submits); the WAL written by
 * those is read frame by frame and each page is named with `dbstat`. GROUP 1 is the paced case (a commit
 * per message), larger groups the flat-out one.
 *
 * usage: node --import tsx bench/wal-frames.ts [GROUP 1] [TXS 200]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { newMessage } from '../test/helpers/new-message.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wal-frames-'));
const dbPath = path.join(dir, 'q.db');
const store = openSqliteStore({ path: dbPath, synchronous: 'FULL', busyTimeoutMs: 1000, checkpoint: 'none' });
const words = ['invoice', 'order', 'shipped', 'welcome', 'reset', 'password', 'your', 'account', 'receipt', 'weekly', 'digest', 'alert'];
function msg() {
  const mid = `${randomBytes(12).toString('hex')}@app.example`;
  const subject = Array.from({ length: 5 }, () => words[Math.floor(Math.random() * words.length)]).join(' ') + ' ' + randomBytes(3).toString('hex');
  const body = randomBytes(3000)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  const raw = `Message-ID: <${mid}>\r\nFrom: app@bench.test\r\nTo: someone@sink.test\r\nSubject: ${subject}\r\n\r\n${body}`.slice(0, 4096);
  return newMessage({ messageId: mid, raw, recipients: ['someone@sink.test'], receivedDetail: { subject } });
}
const group = Number(process.argv[2] ?? 1);
const txs = Number(process.argv[3] ?? 200);
for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: 20 }, () => store.messages.enqueue(msg())));
const walBefore = readFileSync(`${dbPath}-wal`).length;
for (let t = 0; t < txs; t++) await Promise.all(Array.from({ length: group }, () => store.messages.enqueue(msg())));
const wal = readFileSync(`${dbPath}-wal`);
const pageSize = wal.readUInt32BE(8);
const frameSize = 24 + pageSize;
const owner = new Map<number, string>();
for (const r of store.db.prepare('SELECT name, pageno FROM dbstat').all() as { name: string; pageno: number }[]) owner.set(r.pageno, r.name);
const byTree = new Map<string, number>();
let frames = 0;
let commits = 0;
for (let off = walBefore; off + frameSize <= wal.length; off += frameSize) {
  const page = wal.readUInt32BE(off);
  const commit = wal.readUInt32BE(off + 4);
  frames++;
  if (commit) commits++;
  const name = owner.get(page) ?? '?';
  byTree.set(name, (byTree.get(name) ?? 0) + 1);
}
const msgs = group * txs;
console.log(JSON.stringify({ group, txs, commits, frames, framesPerTx: +(frames / commits).toFixed(2), framesPerMsg: +(frames / msgs).toFixed(2) }));
for (const [n, c] of [...byTree].sort((a, b) => b[1] - a[1]))
  console.log(`${n.padEnd(36)} per tx ${(c / commits).toFixed(2)}  per msg ${(c / msgs).toFixed(2)}`);
await store.close();
rmSync(dir, { recursive: true, force: true });
