/**
 * Postfix's smtp-sink (`/usr/sbin/smtp-sink`, Debian postfix) as an independent SMTP peer for tests:
 * a server that is not built on the same library family as our client, so the tests do not only
 * prove that nodemailer/smtp-server-shaped code agrees with itself.
 *
 * Each transaction is dumped (smtp-sink -d) to one file in a temp dir, which is how
 * `messages()` counts and returns what arrived. Running as root, smtp-sink must drop privileges
 * (-u nobody), so the dump dir is world-writable; it is removed by `stop()`.
 *
 * Usage:
 *   const sink = await startSmtpSink({ host: '127.0.1.20', hardReject: ['RCPT'] });
 *   … deliver …   // every RCPT gets "500 5.3.0 Error: command failed"
 *   assert.ok(sink.messages().every((m) => !m.dump.includes('Subject:')));   // no content arrived
 *   await sink.stop();
 *
 * Replies smtp-sink gives (from its manual): soft reject "450 4.3.0 Error: command failed",
 * hard reject "500 5.3.0 Error: command failed" (override with softReply/hardReply), 421 on
 * `disconnect421`. Command names: CONNECT, HELO, EHLO, MAIL, RCPT, DATA, '.', RSET, NOOP, QUIT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SmtpSinkOptions {
  host: string;
  /** Default 25. */
  port?: number;
  /** Commands answered with a hard (5xx) error: smtp-sink -f. */
  hardReject?: string[];
  /** Commands answered with a soft (4xx) error: smtp-sink -r. */
  softReject?: string[];
  /** Commands after which the connection is closed without a reply: smtp-sink -q. */
  disconnect?: string[];
  /** Commands answered with 421 and then a disconnect: smtp-sink -Q. */
  disconnect421?: string[];
  /** Replace the soft reject reply (-b), e.g. '451 4.7.1 Try later'. */
  softReply?: string;
  /** Replace the hard reject reply (-B), e.g. '550 5.1.1 No such user'. */
  hardReply?: string;
  /** Do not announce these: '8bitmime' (-8), 'dsn' (-N), 'pipelining' (-p), 'esmtp' (-e), 'enhancedstatuscodes' (-E). */
  hide?: ('8bitmime' | 'dsn' | 'pipelining' | 'esmtp' | 'enhancedstatuscodes')[];
  /** Greeting/EHLO name (-h). Default smtp-sink. */
  hostname?: string;
}

export interface SinkMessage {
  /** `X-Mail-Args` (the MAIL FROM arguments, e.g. `<a@b.test> SIZE=123`). */
  mailArgs: string;
  /** `X-Rcpt-Args`, one per RCPT the sink accepted. */
  rcptArgs: string[];
  /** The whole dump file: smtp-sink's X- headers and Received, then the message as received. */
  dump: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** Transactions dumped so far, oldest first. smtp-sink dumps from MAIL on, so a transaction whose RCPTs were all refused appears too, without a body. */
  messages(): SinkMessage[];
  /** Resolves when at least n messages were dumped; rejects after timeoutMs. */
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  /** smtp-sink's own output (stderr/stdout). */
  log(): string;
  stop(): Promise<void>;
}

const SMTP_SINK = '/usr/sbin/smtp-sink';

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const { host, port = 25 } = options;
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-sink-'));
  chmodSync(dir, 0o777); // smtp-sink writes as nobody
  const args: string[] = ['-u', 'nobody', '-d', `${dir}/msg.`];
  if (options.hardReject?.length) args.push('-f', options.hardReject.join(','));
  if (options.softReject?.length) args.push('-r', options.softReject.join(','));
  if (options.disconnect?.length) args.push('-q', options.disconnect.join(','));
  if (options.disconnect421?.length) args.push('-Q', options.disconnect421.join(','));
  if (options.softReply) args.push('-b', options.softReply);
  if (options.hardReply) args.push('-B', options.hardReply);
  const flags = { '8bitmime': '-8', dsn: '-N', pipelining: '-p', esmtp: '-e', enhancedstatuscodes: '-E' } as const;
  for (const h of options.hide ?? []) args.push(flags[h]);
  if (options.hostname) args.push('-h', options.hostname);
  args.push('-t', '10', `inet:${host}:${port}`, '64');

  const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));

  const cleanup = async () => {
    await killChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(child, host, port, () => output);
  } catch (err) {
    await cleanup();
    throw err;
  }

  const messages = (): SinkMessage[] => {
    const files = readdirSync(dir)
      .map((f) => path.join(dir, f))
      .sort();
    return files.map((f) => {
      const dump = readFileSync(f, 'utf8');
      const header = dump.split('\n');
      return {
        mailArgs: header.find((l) => l.startsWith('X-Mail-Args: '))?.slice(13) ?? '',
        rcptArgs: header.filter((l) => l.startsWith('X-Rcpt-Args: ')).map((l) => l.slice(13)),
        dump,
      };
    });
  };

  return {
    host,
    port,
    messages,
    async waitForMessages(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages().length < n) {
        if (Date.now() > deadline) throw new Error(`smtp-sink ${host}: fewer than ${n} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    log: () => output,
    stop: cleanup,
  };
}

async function waitUntilListening(child: ChildProcess, host: string, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`smtp-sink exited: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      // A bare connect is enough: smtp-sink treats it as a session that ends, and counts nothing.
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`smtp-sink did not listen on ${host}:${port} within 5 s: ${output()}`);
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
