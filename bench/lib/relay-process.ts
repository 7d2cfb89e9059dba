/**
 * mailtrail as it runs in production, for the benchmark: its own process started by `mailtrail start`
 * on a fresh SQLite database (synchronous=FULL), a submission account `bench` with a random password,
 * delivering to whatever the given DNS server says. Shared by the relay and per-message scenarios.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureLoopbackAddress, waitForPort } from './net.js';
import { kill } from './sink.js';

/** The relay's log level in the benchmark; production's default is `info` (a JSON line per message and attempt). */
export const BENCH_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';

export interface RelayProcess {
  pid: number;
  host: string;
  port: number;
  user: string;
  password: string;
  dbPath: string;
  /** The last 20 KB the relay printed. */
  log(): string;
  /** SIGTERM, and wait for the exit (the database is checkpointed and closed then). */
  stop(): Promise<void>;
}

export interface RelayOptions {
  root: string;
  dir: string;
  host: string;
  port: number;
  /** `127.0.0.1:PORT` of the DNS server that knows the sink's MX. */
  dnsServer: string;
  /** YAML lines under `submission.limits:` (indented by the caller's choice of keys), e.g. `max_connections_per_ip: 1000`. */
  submissionLimits?: Record<string, number | string[]>;
  /** Also run the bounce listener here, for the bounce domain `bounces.bench.test` (role addresses only). */
  bounces?: { host: string; port: number };
}

export async function startRelay(o: RelayOptions): Promise<RelayProcess> {
  ensureLoopbackAddress(o.host);
  if (o.bounces) ensureLoopbackAddress(o.bounces.host);
  const configFile = path.join(o.dir, 'mailtrail.yaml');
  const dbPath = path.join(o.dir, 'mailtrail.db');
  writeFileSync(configFile, relayConfig(dbPath, o));
  const password = randomBytes(18).toString('base64url');
  // The relay reads MAILTRAIL_* as config overrides: none leaks in from the operator's shell.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAILTRAIL_')));
  const add = spawnSync(process.execPath, [path.join(o.root, 'bin/mailtrail.js'), 'users', 'add', 'bench', '--domains', 'bench.test', '--config', configFile], {
    cwd: o.root,
    env: { ...clean, MAILTRAIL_PASSWORD: password },
    encoding: 'utf8',
  });
  if (add.status !== 0) throw new Error(`mailtrail users add failed: ${add.stderr || add.stdout}`);

  // --cpu-prof when asked (bench --profile): V8 writes the profile when the relay exits on SIGTERM.
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const relay = spawn(process.execPath, [...nodeArgs, path.join(o.root, 'bin/mailtrail.js'), 'start', '--config', configFile], { cwd: o.root, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  relay.stdout.on('data', (d) => (log = (log + d).slice(-20_000)));
  relay.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await kill(relay, 'SIGTERM', 30_000);
  };
  try {
    await waitForPort(o.host, o.port, 30_000, () => (relay.exitCode !== null ? `the relay exited (${relay.exitCode}): ${log.slice(-2000)}` : null));
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: relay.pid!, host: o.host, port: o.port, user: 'bench', password, dbPath, log: () => log, stop };
}

function relayConfig(dbPath: string, o: RelayOptions): string {
  const limits = Object.entries(o.submissionLimits ?? {}).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  return `# written by bench/lib/relay-process.ts
hostname: relay.bench.test
database:
  path: ${JSON.stringify(dbPath)}
  synchronous: FULL
log:
  level: ${BENCH_LOG_LEVEL}
submission:
  starttls: { enabled: true, host: ${o.host}, port: ${o.port} }
  implicit_tls: { enabled: false, host: ${o.host}, port: 2465 }
  cleartext_auth: loopback
  tls: { cert: null, key: null }
${limits.length ? `  limits:\n${limits.join('\n')}\n` : ''}delivery:
  enabled: true
  dns_servers: [${JSON.stringify(o.dnsServer)}]
  port: 25
${o.bounces ? `  bounce_domains: { "*": bounces.bench.test }
bounces:
  enabled: true
  listener: { host: ${o.bounces.host}, port: ${o.bounces.port} }
  verp_secret: "bench-verp-secret-0123456789"
  pregreet_wait_ms: 0
` : `bounces:
  enabled: false
`}api:
  enabled: false
`;
}
