/**
 * Reads a V8 .cpuprofile (node --cpu-prof, written by `npm run bench -- --profile`) and prints where the
 * time went: self time by function and by file (package), the summary a report quotes.
 *
 * `--parts` instead groups self time by the part of a connection-per-message submission or delivery it belongs to
 * (the rules in PARTS below, first match wins), with each part's share of the busy (non-idle) time, so a thread's
 * measured CPU per message can be split by those shares.
 *
 * usage: node --import tsx bench/lib/profile-summary.ts FILE.cpuprofile [TOP]
 *        node --import tsx bench/lib/profile-summary.ts --parts FILE.cpuprofile
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = shorten(url);
    fn.set(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`, (fn.get(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`) ?? 0) + us);
    const group = where.includes('node_modules/') ? where.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : where || functionName;
    file.set(group, (file.get(group) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return `total sampled ${(total / 1000).toFixed(0)} ms\n\nby file or package (self time):\n${fmt(file)}\n\nby function (self time):\n${fmt(fn)}\n`;
}

/**
 * Parts of the relay's work, matched against `functionName url` of each sampled frame (first match wins). Native
 * frames have no url: the socket calls (writeUtf8String, writev, close…) and SQLite's fdatasync are named by function.
 */
export const PARTS: [string, RegExp][] = [
  ['idle', /^\(idle\) $/],
  ['garbage collector', /^\(garbage collector\) /],
  [
    'start-up (module loading, compiling)',
    /node:internal\/(modules|bootstrap)|^(wrapSafe|compileFunction\w*|compileForInternalLoader|openFileHandle) |node:internal\/fs\/promises/,
  ],
  ['socket writes (write(2)/writev(2) on loopback)', /^(writeUtf8String|writeLatin1String|writeBuffer|writev) $/],
  ['SQLite fdatasync (WAL flush)', /^fdatasync /],
  ['write lock wait (withThreadLock)', /store\/sqlite\/thread-lock/],
  ['SQLite checkpointer (wal_checkpoint)', /^pragma .*better-sqlite3/],
  ['AUTH: user read, verify cache, hashing', /store\/sqlite\/users|\/auth\/|node:internal\/crypto|^(Hmac|pbkdf2|scrypt)/],
  ['intake: ids, headers, envelope', /\/(intake|message)\/|submission\/envelope/],
  ['store: message rows and transactions (better-sqlite3)', /store\/sqlite\/(messages|group-commit|database|index|destinations|read-batch)|better-sqlite3/],
  ['delivery: claim and queue rows', /store\/sqlite\/queue|\/queue\//],
  ["event rows (intake's, delivery's attempts)", /store\/sqlite\/(event-rows|events)|attempt-record|sightings/],
  ['delivery: SMTP client, pool, routing, classify', /\/(delivery|routing|classify)\//],
  ['wake the other thread (postMessage)', /^postMessage |node:internal\/worker/],
  ['smtp-server (parser, session, replies)', /node_modules\/smtp-server/],
  ['our listener and submission code', /\/(listener|submission)\//],
  ['TLS', /node:(_tls|tls)|^(TLSWrap|SSL)/],
  [
    'node:net, streams, events, timers (socket objects, accept, close)',
    /node:(net|internal\/net|events|internal\/streams|internal\/stream_base_commons|stream|internal\/timers|timers|internal\/process\/task_queues|internal\/async_hooks|buffer|internal\/buffer|internal\/event_target|internal\/abort_controller|internal\/util|internal\/validators|internal\/errors|string_decoder|internal\/dns)|^(close|shutdown|getpeername|getsockname|accept|runMicrotasks|setNoDelay|readStart|readStop) /,
  ],
  ['(program): V8 and native work outside JavaScript', /^\(program\) /],
];

export function parts(profile: Profile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const sums = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)!.callFrame;
    const key = `${functionName} ${url}`;
    const part = PARTS.find(([, re]) => re.test(key))?.[0] ?? 'other';
    sums.set(part, (sums.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const idle = sums.get('idle') ?? 0;
  const total = [...sums.values()].reduce((a, b) => a + b, 0);
  const busy = total - idle;
  const lines = [...sums]
    .filter(([k]) => k !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .map(([k, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return `sampled ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms (shares of busy time)\n${lines.join('\n')}\n`;
}

function shorten(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules\/|src\/|bench\/)/, '$1');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args[0] === '--parts') process.stdout.write(parts(JSON.parse(readFileSync(args[1], 'utf8')) as Profile));
  else process.stdout.write(summarize(JSON.parse(readFileSync(args[0], 'utf8')) as Profile, Number(args[1]) || 25));
}
