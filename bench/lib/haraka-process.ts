/**
 * Haraka as the benchmark runs it: an authenticating relay that queues what it accepts in its own
 * outbound queue and delivers from there to the sink.
 *
 * - AUTH: the stock `auth/flat_file` plugin, one user with a random password (flat_file compares plain
 *   text: no hashing cost, unlike mailtrail's argon2id behind a cache). It offers AUTH in cleartext to
 *   private addresses (loopback here), as mailtrail's `cleartext_auth: loopback` does.
 * - Queue: an authenticated session is `relaying`, and with no queue_outbound plugin Haraka hands the
 *   message to `outbound.send_trans_email`, which writes it as a queue file (fsynced, then renamed) before
 *   the 250, and delivers it later (see docs/benchmarks.md, "Haraka's durability").
 * - Next hop: `queue/smtp_forward` with `enable_outbound=false` only answers the outbound `get_mx` hook
 *   with a per-domain route (sink.test → the sink), the smart host way; Haraka uses the system resolver
 *   for MX, which cannot be pointed at the benchmark's DNS server (the same reason Postfix gets a
 *   transport map).
 * - No reverse DNS of clients: a two-line local plugin answers Haraka's `lookup_rdns` hook with a fixed
 *   name (Postfix runs with smtpd_peername_lookup = no here), so nothing asks the system resolver, which
 *   would send the query off the machine.
 * - Everything else stock: `nodes=1` (Haraka's default: a cluster master and one worker), outbound
 *   defaults (a new connection per delivery, concurrency_max 10,000), log level `warn` like the relay's
 *   in the benchmark (Haraka's default `info` writes several lines per message to stdout).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureLoopbackAddress, waitForPort } from './net.js';
import { killTree } from './proc.js';

export interface HarakaOptions {
  /** Haraka's bin/haraka (from ensureHaraka). */
  bin: string;
  /** A fresh directory: Haraka's config/ and queue/ go under it. */
  dir: string;
  host: string;
  port: number;
  /** Domain whose mail goes to the sink, and the sink's address. */
  sinkDomain: string;
  sinkHost: string;
  sinkPort: number;
  /** Offer STARTTLS with a self-signed certificate made for the instance (the stock `tls` plugin). */
  tls?: boolean;
}

export interface HarakaProcess {
  pid: number;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The instance's directory (HARAKA=dir: config/ and queue/). */
  dir: string;
  /** The last 20 KB Haraka printed. */
  log(): string;
  /** SIGTERM to the master (it stops its worker), then SIGKILL to anything of its tree still there. */
  stop(): Promise<void>;
}

export const HARAKA_USER = 'bench';

/** Haraka's config files (name under config/ → content) for these options: pure, so a test can read them. */
export function harakaConfig(o: Omit<HarakaOptions, 'bin' | 'dir'>, password: string): Record<string, string> {
  return {
    me: 'haraka.bench.test\n',
    // nodes=1 is what Haraka uses when unset (it warns then); force_shutdown_timeout only shortens the stop.
    'smtp.ini': `listen=${o.host}:${o.port}\nnodes=1\nforce_shutdown_timeout=5\n`,
    plugins: ['bench_no_rdns', ...(o.tls ? ['tls'] : []), 'auth/flat_file', 'queue/smtp_forward'].join('\n') + '\n',
    'auth_flat_file.ini': `[core]\nmethods=PLAIN,LOGIN\n\n[users]\n${HARAKA_USER}=${password}\n`,
    'smtp_forward.ini': `[main]\n; relayed mail goes through the outbound queue; this plugin only routes it\nenable_outbound=false\nhost=${o.sinkHost}\nport=${o.sinkPort}\n\n[${o.sinkDomain}]\nhost=${o.sinkHost}\nport=${o.sinkPort}\n`,
    'log.ini': '[main]\nlevel=warn\ntimestamps=false\nformat=default\n',
  };
}

/** Local plugins (name under plugins/ → source), loaded before the stock ones in `plugins`. */
export const HARAKA_PLUGINS: Record<string, string> = {
  'bench_no_rdns.js': `// The benchmark's clients have no PTR records: name them without asking the resolver (which would query off the machine).
exports.hook_lookup_rdns = (next) => next(OK, 'client.bench.test')
`,
};

export async function startHaraka(o: HarakaOptions): Promise<HarakaProcess> {
  ensureLoopbackAddress(o.host);
  // `haraka -i DIR` lays out an instance with every stock config file (Haraka reads its defaults, e.g. the
  // greeting in connection.ini, from there, not from the package); the files below then replace those named.
  execFileSync(process.execPath, [o.bin, '-i', o.dir], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  const config = path.join(o.dir, 'config');
  mkdirSync(path.join(o.dir, 'queue'), { recursive: true });
  // base64url: nothing an .ini line would read differently.
  const password = randomBytes(18).toString('base64url');
  for (const [name, text] of Object.entries(harakaConfig(o, password))) writeFileSync(path.join(config, name), text);
  mkdirSync(path.join(o.dir, 'plugins'), { recursive: true });
  for (const [name, text] of Object.entries(HARAKA_PLUGINS)) writeFileSync(path.join(o.dir, 'plugins', name), text);
  if (o.tls) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(config, 'tls_key.pem'),
        '-out',
        path.join(config, 'tls_cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=haraka.bench.test',
      ],
      { stdio: 'ignore' },
    );
  }
  const child = spawn(process.execPath, [o.bin, '-c', o.dir], { cwd: o.dir, env: { ...process.env, HARAKA: o.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log = (log + d).slice(-20_000)));
  child.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killTree(child, 10_000);
  };
  try {
    await waitForPort(o.host, o.port, 30_000, () => (child.exitCode !== null ? `Haraka exited (${child.exitCode}): ${log.slice(-2000)}` : null));
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, host: o.host, port: o.port, user: HARAKA_USER, password, dir: o.dir, log: () => log, stop };
}
