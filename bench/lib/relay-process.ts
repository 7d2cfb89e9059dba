/**
 * mailtrail as it runs in production, for the benchmark: its own process started by `mailtrail start`
 * on a fresh SQLite database (synchronous=FULL) or on a PostgreSQL database, a submission account `bench`
 * with a random password, delivering to whatever the given DNS server says. Shared by the relay and
 * per-message scenarios.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertNothingListens, ensureLoopbackAddress, waitForPort } from './net.js';
import { kill } from './sink.js';

/** The relay's log level in the benchmark; production's default is `info` (a JSON line per message and attempt). */
export const BENCH_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';

export interface RelayProcess {
  pid: number;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The SQLite file; null on PostgreSQL. */
  dbPath: string | null;
  /** The last 20 KB the relay printed. */
  log(): string;
  /** On PostgreSQL: the queries (round trips) its threads have sent so far (bench/lib/count-round-trips.js); null on SQLite. */
  roundTrips(): number | null;
  /** SIGTERM, and wait for the exit (the database is checkpointed and closed then). */
  stop(): Promise<void>;
  /** After stop(): how long the relay took to exit, and whether it had to be killed (SIGKILL after the grace). */
  stopped(): { ms: number; killed: boolean } | null;
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
  /** A PostgreSQL database instead of a fresh SQLite file (database.pool at its default). */
  postgresUrl?: string;
  /** Add no submission account (another relay on the same database added it): give its password. */
  password?: string;
}

export async function startRelay(o: RelayOptions): Promise<RelayProcess> {
  ensureLoopbackAddress(o.host);
  if (o.bounces) ensureLoopbackAddress(o.bounces.host);
  // waitForPort below would take another process's listener for this relay's.
  await assertNothingListens(o.host, o.port, 'the relay');
  if (o.bounces) await assertNothingListens(o.bounces.host, o.bounces.port, "the relay's bounce listener");
  mkdirSync(o.dir, { recursive: true });
  const configFile = path.join(o.dir, 'mailtrail.yaml');
  const dbPath = o.postgresUrl ? null : path.join(o.dir, 'mailtrail.db');
  writeFileSync(configFile, relayConfig(dbPath, o));
  const password = o.password ?? randomBytes(18).toString('base64url');
  // The relay reads MAILTRAIL_* as config overrides: none leaks in from the operator's shell.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAILTRAIL_')));
  if (!o.password) {
    const add = spawnSync(
      process.execPath,
      [path.join(o.root, 'bin/mailtrail.js'), 'users', 'add', 'bench', '--domains', 'bench.test', '--config', configFile],
      {
        cwd: o.root,
        env: { ...clean, MAILTRAIL_PASSWORD: password },
        encoding: 'utf8',
      },
    );
    if (add.status !== 0) throw new Error(`mailtrail users add failed: ${add.stderr || add.stdout}`);
  }

  // --cpu-prof when asked (bench --profile): V8 writes the profile when the relay exits on SIGTERM.
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const nodeArgs = [...relayNodeArgs(), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  // On PostgreSQL every thread counts the queries it sends.
  const tripsDir = o.postgresUrl ? path.join(o.dir, 'round-trips') : null;
  if (tripsDir) {
    mkdirSync(tripsDir, { recursive: true });
    nodeArgs.push('--import', pathToFileURL(path.join(o.root, 'bench/lib/count-round-trips.js')).href);
  }
  const env = tripsDir ? { ...clean, BENCH_ROUND_TRIPS_DIR: tripsDir } : clean;
  const relay = spawn(process.execPath, [...nodeArgs, path.join(o.root, 'bin/mailtrail.js'), 'start', '--config', configFile], {
    cwd: o.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // BENCH_RELAY_LOG_DIR: every line the relay prints also goes to a file of its own there (the last 20 KB
  // kept here say nothing of what happened early in a run that failed late).
  const logDir = process.env.BENCH_RELAY_LOG_DIR;
  const logFile = logDir ? path.join(logDir, `relay-${o.host}-${relay.pid}.log`) : null;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const keep = (d: Buffer) => {
    log = (log + d).slice(-20_000);
    if (logFile) appendFileSync(logFile, d);
  };
  relay.stdout.on('data', keep);
  relay.stderr.on('data', keep);
  let stopping = false;
  let stopped: { ms: number; killed: boolean } | null = null;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const t0 = Date.now();
    const killed = await kill(relay, 'SIGTERM', 30_000);
    stopped = { ms: Date.now() - t0, killed };
  };
  try {
    await waitForPort(o.host, o.port, 30_000, () => (relay.exitCode !== null ? `the relay exited (${relay.exitCode}): ${log.slice(-2000)}` : null));
  } catch (err) {
    await stop();
    throw err;
  }
  const roundTrips = () =>
    tripsDir
      ? readdirSync(tripsDir).reduce((sum, f) => sum + (JSON.parse(readFileSync(path.join(tripsDir, f), 'utf8')) as { queries: number }).queries, 0)
      : null;
  return { pid: relay.pid!, host: o.host, port: o.port, user: 'bench', password, dbPath, log: () => log, roundTrips, stop, stopped: () => stopped };
}

function relayConfig(dbPath: string | null, o: RelayOptions): string {
  const limits = Object.entries(o.submissionLimits ?? {}).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  const database = dbPath
    ? `  path: ${JSON.stringify(dbPath)}\n  synchronous: FULL`
    : `  backend: postgres\n  url: ${JSON.stringify(o.postgresUrl)}\n  state_dir: ${JSON.stringify(path.join(o.dir, 'state'))}`;
  return `# written by bench/lib/relay-process.ts
hostname: relay.bench.test
database:
${database}
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
${
  o.bounces
    ? `  bounce_domains: { "*": bounces.bench.test }
bounces:
  enabled: true
  listener: { host: ${o.bounces.host}, port: ${o.bounces.port} }
  verp_secret: "bench-verp-secret-0123456789"
  pregreet_wait_ms: 0
`
    : `bounces:
  enabled: false
`
}api:
  enabled: false
`;
}

/**
 * Node flags for the relay's process from $BENCH_RELAY_NODE_ARGS (space-separated), to measure a V8
 * setting on the relay alone, e.g. `--max-semi-space-size=2`: NODE_OPTIONS would also change the
 * benchmark's own process and its load generator.
 */
export function relayNodeArgs(): string[] {
  return (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}
