/**
 * The benchmark's load generator, run as its own process so that its CPU is not the relay's.
 * K parallel SMTP sessions over raw sockets (no client library in the measurement), each sending its
 * share of N messages of SIZE bytes with unique Message-IDs, with optional AUTH PLAIN, optionally after
 * STARTTLS (resuming the worker's previous TLS session unless --no-resume). Measures submit latency
 * from the end of DATA ('.') to the final reply, and for the first message of each connection the time
 * from connect() to that reply (what an app that connects per message waits). Several hosts (relays on
 * one database): session i connects to host i mod their number, so each gets its share of the sessions.
 *
 * usage: tsx bench/loadgen.ts --host H[,H2,…] --port P --messages N --sessions K --size BYTES [--per-connection M]
 *          [--user U] (password in $LOADGEN_PASSWORD or --password) [--starttls [--no-resume]]
 *          --from a@x --to b@y [--run-id ID] [--rate MSGS_PER_S]
 * --rate paces the workers (open loop): message k of worker i is due at start + (k·K + i)/rate s, and its
 * connect latency is counted from that due time, so a worker that falls behind still counts its wait
 * (no coordinated omission). Without it every worker sends as fast as its replies come (closed loop),
 * where mean latency is only K / throughput and says more about the CPU than about the server's waits.
 * prints one JSON object: { sent, failed, refused, failures, first_send_ms, last_ack_ms,
 *   latencies_ms: {p50,p99,max}, connect_latencies_ms: {p50,p99,max}, tls: {handshakes, resumed, handshake_ms}, per_second, cpu_ms,
 *   cpu_load_ms, cpu_load_sys_ms }
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '25' },
    messages: { type: 'string', default: '20000' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '4096' },
    user: { type: 'string' },
    password: { type: 'string' },
    from: { type: 'string', default: 'bench@bench.test' },
    to: { type: 'string', default: 'sink@sink.test' },
    'run-id': { type: 'string', default: String(Date.now()) },
    'per-connection': { type: 'string', default: '100' },
    starttls: { type: 'boolean', default: false },
    'no-resume': { type: 'boolean', default: false },
    rate: { type: 'string' },
  },
});

const total = Number(values.messages);
const sessions = Number(values.sessions);
const size = Number(values.size);
const perConnection = Number(values['per-connection']);
const hosts = values.host.split(',');
const rate = values.rate === undefined ? null : Number(values.rate);
if (rate !== null && !(rate > 0)) throw new Error(`--rate must be a positive number of messages per second, not ${values.rate}`);

/**
 * Reply reader over a socket: queues each complete SMTP reply (multi-line aware), so a reply that
 * arrives before anyone asks for it (the greeting, or the 2nd and 3rd of a pipelined group) is kept.
 */
class ReplyReader {
  private buf = '';
  private lines: string[] = [];
  private ready: Array<{ code: number; text: string }> = [];
  private waiters: Array<(reply: { code: number; text: string }) => void> = [];
  private closed: Error | null = null;
  private failers: Array<(err: Error) => void> = [];
  /** Reads from `socket`'s 'data' events from now on (the TLS socket after STARTTLS). */
  attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.feed(chunk));
    this.watch(socket);
  }
  /** Fails what waits when `socket` fails or closes (what it reads comes through feed()). */
  watch(socket: net.Socket): void {
    const fail = (err: Error) => {
      this.closed = err;
      for (const f of this.failers.splice(0)) f(err);
      this.waiters = [];
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }
  feed(chunk: string): void {
    // Lines are cut at an offset: the rest of the chunk is not copied once per line.
    const text = this.buf === '' ? chunk : this.buf + chunk;
    let from = 0;
    let i: number;
    while ((i = text.indexOf('\r\n', from)) >= 0) {
      const line = text.slice(from, i);
      from = i + 2;
      if (line.length >= 4 && line[3] === '-') {
        this.lines.push(line);
        continue;
      }
      const reply = { code: Number.parseInt(line.slice(0, 3), 10), text: this.lines.length ? `${this.lines.join('\n')}\n${line}` : line };
      if (this.lines.length) this.lines = [];
      const w = this.waiters.shift();
      this.failers.shift();
      if (w) w(reply);
      else this.ready.push(reply);
    }
    this.buf = from === text.length ? '' : text.slice(from);
  }
  next(): Promise<{ code: number; text: string }> {
    const r = this.ready.shift();
    if (r) return Promise.resolve(r);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.failers.push(reject);
    });
  }
}

// One body per run, built once: only the Message-ID and Subject differ between messages, so the
// generator spends its CPU on the socket, not on string building. The part after the headers (and the
// end-of-data line) is one Buffer written as is: joined to each message's headers as a string it made
// about 4 KB of garbage per message, and the generator's own scavenges delay every reply it waits for.
const filler = (() => {
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n';
  const headLen = 260; // about what the headers below take
  let text = '';
  while (headLen + text.length + line.length <= size) text += line;
  return Buffer.from(`${text}.\r\n`, 'latin1');
})();
const date = new Date().toUTCString();

/** The message's headers; `filler` follows them. */
function head(i: number, session: number): string {
  const id = `<bench-${values['run-id']}-${session}-${i}@bench.test>`;
  return `From: <${values.from}>\r\nTo: <${values.to}>\r\nSubject: bench ${session}-${i}\r\nMessage-ID: ${id}\r\nDate: ${date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n`;
}

/** The AUTH PLAIN command, the same for every connection: made once. */
const authLine = values.user
  ? `AUTH PLAIN ${Buffer.from(`\0${values.user}\0${values.password ?? process.env.LOADGEN_PASSWORD ?? ''}`).toString('base64')}\r\n`
  : null;

/** A reply that ends a connection before any message: counted as a refusal, not as a failed message. */
class Refused extends Error {}

let refused = 0;
let handshakes = 0;
let resumed = 0;
const handshakeMs: number[] = [];
/** Each worker's last TLS session, offered at its next STARTTLS (as clients with a session cache do). */
const sessionsByWorker = new Map<number, Buffer>();

interface Conn {
  socket: net.Socket;
  reader: ReplyReader;
  /** performance.now() when connect() was called, or when the paced message was due if earlier. */
  startedAt: number;
  /** performance.now() when connect() was called (startedAt without the paced due time). */
  calledAt: number;
  /** performance.now() at the end of each step so far (connect, greeting, ehlo, [starttls,] auth…). */
  marks: [string, number][];
}

/** Time per step of a connection (its first message), ms, each from the end of the step before. */
const phaseMs = new Map<string, number[]>();
function notePhases(marks: [string, number][], from: number): void {
  let prev = from;
  for (const [name, at] of marks) {
    const list = phaseMs.get(name) ?? [];
    list.push(at - prev);
    phaseMs.set(name, list);
    prev = at;
  }
}

/** What every cleartext socket reads into (onread): each read is parsed at once, so one buffer serves them all. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

async function connect(worker: number, dueAt?: number): Promise<Conn> {
  const startedAt = Math.min(performance.now(), dueAt ?? Number.POSITIVE_INFINITY);
  const reader = new ReplyReader();
  // In cleartext, replies are read into one shared buffer and parsed in net's onread callback, not copied into a
  // Buffer of their own and pushed through the socket's stream and a decoder: the same bytes, less work per read.
  // (After STARTTLS the TLS socket must own the reads: there, 'data' events as before.)
  const onread = values.starttls
    ? undefined
    : {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          reader.feed(Buffer.prototype.latin1Slice.call(buf, 0, n));
          return true;
        },
      };
  const socket: net.Socket = net.connect({ host: hosts[worker % hosts.length], port: Number(values.port), ...(onread ? { onread } : {}) });
  socket.setNoDelay(true);
  if (onread) reader.watch(socket);
  else reader.attach(socket);
  try {
    return await greetAndAuthenticate(worker, socket, reader, startedAt);
  } catch (err) {
    // A refused or failed step (a 535, say) leaves the connection to us: an open one would keep the process alive.
    socket.destroy();
    throw err;
  }
}

async function greetAndAuthenticate(worker: number, plain: net.Socket, reader: ReplyReader, startedAt: number): Promise<Conn> {
  let socket = plain;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const marks: [string, number][] = [['tcp_connect', performance.now()]];
  const greeting = await reader.next();
  marks.push(['greeting', performance.now()]);
  if (greeting.code !== 220) throw new Refused(`greeting ${greeting.text}`);
  socket.write('EHLO loadgen.bench.test\r\n');
  await reader.next();
  marks.push(['ehlo', performance.now()]);
  if (values.starttls) {
    socket.write('STARTTLS\r\n');
    const r = await reader.next();
    if (r.code !== 220) throw new Error(`starttls ${r.text}`);
    socket.removeAllListeners('data');
    const t0 = performance.now();
    const session = values['no-resume'] ? undefined : sessionsByWorker.get(worker);
    const secure = tls.connect({ socket, rejectUnauthorized: false, session, servername: undefined });
    secure.on('session', (s: Buffer) => sessionsByWorker.set(worker, s));
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    handshakes++;
    handshakeMs.push(performance.now() - t0);
    if (secure.isSessionReused()) resumed++;
    socket = secure;
    reader.attach(secure);
    socket.write('EHLO loadgen.bench.test\r\n');
    await reader.next();
    marks.push(['starttls_ehlo', performance.now()]);
  }
  if (authLine) {
    socket.write(authLine);
    const r = await reader.next();
    if (r.code === 421) throw new Refused(`auth ${r.text}`);
    if (r.code !== 235) throw new Error(`auth ${r.text}`);
    marks.push(['auth', performance.now()]);
  }
  return { socket, reader, startedAt, calledAt: t0, marks };
}

const latencies: number[] = [];
/**
 * LOADGEN_TIMELINE_DIR: each connection's first message as [wall-clock ms when it started or was due, connect → 250
 * ms], written to DIR/RUN-ID.json, to line a slow message up with what the server did at that moment.
 */
const timelineDir = process.env.LOADGEN_TIMELINE_DIR;
const timeline: [number, number][] | null = timelineDir ? [] : null;
const connectLatencies: number[] = [];
let sent = 0;
let failed = 0;
let firstSend = 0;
let lastAck = 0;
const failures = new Map<string, number>();

/** One message on an open connection: MAIL, RCPT and DATA pipelined (RFC 2920), as real clients do. */
async function transaction(conn: Conn, i: number, index: number, first: boolean): Promise<void> {
  const { socket, reader } = conn;
  socket.write(`MAIL FROM:<${values.from}>\r\nRCPT TO:<${values.to}>\r\nDATA\r\n`);
  const [mail, rcpt, data] = [await reader.next(), await reader.next(), await reader.next()];
  if (first) conn.marks.push(['mail_rcpt_data', performance.now()]);
  if (mail.code !== 250 || rcpt.code !== 250 || data.code !== 354) {
    failed++;
    const key = `${mail.code}/${rcpt.code}/${data.code}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
    if (data.code === 354) {
      socket.write('.\r\n');
      await reader.next();
    }
    socket.write('RSET\r\n');
    await reader.next();
    return;
  }
  const start = performance.now();
  if (!firstSend) firstSend = Date.now();
  // One write(2) for headers and body, as one string did before.
  socket.cork();
  socket.write(head(i, index), 'latin1');
  socket.write(filler);
  socket.uncork();
  const final = await reader.next();
  const end = performance.now();
  if (final.code === 250) {
    sent++;
    latencies.push(end - start);
    if (first) {
      connectLatencies.push(end - conn.startedAt);
      timeline?.push([Math.round(performance.timeOrigin + conn.startedAt), Number((end - conn.startedAt).toFixed(2))]);
      conn.marks.push(['body_to_250', end]);
    }
    lastAck = Date.now();
  } else {
    failed++;
    failures.set(String(final.code), (failures.get(String(final.code)) ?? 0) + 1);
  }
}

async function session(index: number, count: number): Promise<void> {
  let conn: Conn | null = null;
  let onConn = 0;
  for (let i = 0; i < count; i++) {
    const dueAt = rate === null ? undefined : pacedStart + ((i * sessions + index) / rate) * 1000;
    if (dueAt !== undefined && dueAt > performance.now()) await sleep(dueAt - performance.now());
    try {
      if (!conn) {
        conn = await connect(index, dueAt);
        onConn = 0;
      }
      await transaction(conn, i, index, onConn === 0);
      onConn++;
      // Done with this connection: QUIT now, as an app does after its last message. In a paced run, QUIT sent
      // when the next message is due would put its round trip inside that message's latency.
      if (onConn >= perConnection) {
        const done = conn;
        conn = null;
        await quit(done);
      }
    } catch (err) {
      // A lost connection or refused greeting counts against this message; the next one reconnects.
      failed++;
      if (err instanceof Refused) refused++;
      const key = `${err instanceof Refused ? 'refused' : 'error'}: ${(err as Error).message.slice(0, 80)}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
      conn?.socket.destroy();
      conn = null;
    }
  }
  if (conn) await quit(conn);
}

/** QUIT and wait for the server's 221, as a polite client does, so the server has let go of the session. */
async function quit(conn: Conn): Promise<void> {
  conn.socket.write('QUIT\r\n');
  await conn.reader.next().catch(() => null);
  conn.marks.push(['quit', performance.now()]);
  notePhases(conn.marks, conn.calledAt);
  // Close as the apps named in issue 18 do after the 221 (smtplib's quit(), Net::SMTP#finish, PHPMailer: close(2),
  // no shutdown(2) first): the server has ended the session, there is nothing left to half-close.
  conn.socket.destroy();
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
// The CPU spent before the first connection (node's and tsx's start-up, building the body) is not spent while the
// server under test works: cpu_load_ms leaves it out.
const cpuAtStart = process.cpuUsage();
const pacedStart = performance.now();
const shares = Array.from({ length: sessions }, (_, i) => Math.floor(total / sessions) + (i < total % sessions ? 1 : 0));
await Promise.all(shares.map((n, i) => session(i, n)));
if (timelineDir && timeline) writeFileSync(path.join(timelineDir, `${values['run-id']}.json`), JSON.stringify(timeline));
const sorted = latencies.sort((a, b) => a - b);
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? 0 };
};
const seconds = (lastAck - (firstSend || started)) / 1000;
const cpuNow = process.cpuUsage();
const cpuLoad = { user: cpuNow.user - cpuAtStart.user, system: cpuNow.system - cpuAtStart.system };
process.stdout.write(
  JSON.stringify({
    sent,
    failed,
    refused,
    failures: Object.fromEntries(failures),
    first_send_ms: firstSend,
    last_ack_ms: lastAck,
    latencies_ms: { p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted[sorted.length - 1] ?? 0 },
    connect_latencies_ms: summary(connectLatencies),
    tls: { handshakes, resumed, handshake_ms: summary(handshakeMs) },
    // Where a connection's time goes (its first message): each step from the end of the one before.
    phases_ms: Object.fromEntries([...phaseMs].map(([name, xs]) => [name, summary(xs)])),
    per_second: seconds > 0 ? sent / seconds : 0,
    // The load generator's own CPU (user + system), so a report can say what share of the machine the
    // clients took: on two shared cores it bounds what any server can reach.
    // (One reading each: a second call is a later instant, and its system time could exceed the total read before.)
    cpu_ms: (cpuNow.user + cpuNow.system) / 1000,
    cpu_load_ms: (cpuLoad.user + cpuLoad.system) / 1000,
    cpu_load_sys_ms: cpuLoad.system / 1000,
  }) + '\n',
);
