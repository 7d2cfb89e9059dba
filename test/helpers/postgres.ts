/**
 * A private PostgreSQL cluster for one test file, from Debian's `postgresql` package (scripts/test-setup.sh
 * installs it): its own data directory in a temp dir, its own port on 127.0.0.1 and its socket in that dir,
 * stopped and removed when the file ends (also when it fails or is interrupted). `npm test` needs nothing
 * running beforehand, and a test never touches another PostgreSQL on the machine.
 *
 * One cluster per test file, not one shared by the whole run: node --test runs each file in its own
 * process with nothing that outlives them all, so a shared server would need a daemon nobody is sure to
 * stop. What costs is initdb (seconds on a loaded machine); it runs once per PostgreSQL version into a
 * cached template directory that later files copy (about a second), then the server starts in well under one.
 *
 * The server refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user, owning the dir.
 * It runs with fsync off: the cluster is thrown away, and durability is what the relay asks of a real
 * server (synchronous_commit, checked by the backend), not what these tests measure (`durable: true`
 * turns it back on, for the benchmark).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PgCluster {
  port: number;
  dir: string;
  /** The URL of a database of this cluster. */
  url(database: string): string;
  /** Creates a database (optionally a copy of `template`) and returns its name. */
  createDatabase(name: string, template?: string): Promise<string>;
  /** Runs one statement on a database of this cluster, as the superuser. */
  sql(database: string, text: string, params?: unknown[]): Promise<pg.QueryResultRow[]>;
  /**
   * The database going away under a running relay: stops the server (fast shutdown: open connections are
   * closed), keeping its data; `resume` starts it again on the same port.
   */
  halt(): void;
  resume(): void;
  /**
   * The server stops answering without closing anything (a frozen host, a network partition): every process
   * of the cluster is stopped with SIGSTOP; `thaw` continues them (SIGCONT).
   */
  freeze(): void;
  thaw(): void;
  stop(): void;
}

const PG_ROOT = '/usr/lib/postgresql';

function binDir(): { bin: string; version: string } {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => existsSync(path.join(PG_ROOT, v, 'bin', 'initdb'))) : [];
  const version = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error(`no PostgreSQL server in ${PG_ROOT}/*/bin: install Debian's postgresql package (npm run test:setup)`);
  return { bin: path.join(PG_ROOT, version, 'bin'), version };
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function run(bin: string, program: string, args: string[]): string {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]] : [path.join(bin, program), args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Sends a signal to the postmaster (first line of postmaster.pid) and to every process it started. */
function signalCluster(data: string, signal: 'STOP' | 'CONT'): void {
  const postmaster = readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  // The children first when stopping (none can notice its parent stopped), the parent first when continuing.
  const children = () => {
    try {
      execFileSync('pkill', [`-${signal}`, '-P', postmaster]);
    } catch {
      /* no child: pkill exits 1 */
    }
  };
  if (signal === 'STOP') children();
  process.kill(Number(postmaster), `SIG${signal}`);
  if (signal === 'CONT') children();
}

function ownByPostgres(dir: string): void {
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
}

/** An initdb'd data directory for this version, made once and copied by every cluster after. */
function template(bin: string, version: string): string {
  const dir = path.join(tmpdir(), `mailtrail-pg${version}-initdb-${process.getuid?.() ?? 0}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const staging = mkdtempSync(`${dir}.`);
  ownByPostgres(staging);
  // -N: no fsync of the new files (they are copied, then thrown away); C.UTF-8: byte order, any character.
  run(bin, 'initdb', ['-D', path.join(staging, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '-N']);
  try {
    renameSync(path.join(staging, 'data'), dir);
  } catch {
    // Another test file made it at the same moment: use theirs.
  }
  rmSync(staging, { recursive: true, force: true });
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PgClusterOptions {
  /**
   * Fsync and full-page writes on, as a production server runs (the benchmark compares the relay's
   * throughput on it with SQLite's synchronous=FULL). Off by default: tests measure no durability.
   */
  durable?: boolean;
  /** Further server settings (`-c name=value`), e.g. `{ shared_buffers: '256MB' }`; these win. */
  settings?: Record<string, string | number>;
}

export async function startPostgres(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const { bin, version } = binDir();
  const source = template(bin, version);
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-pg-'));
  ownByPostgres(dir);
  const data = path.join(dir, 'data');
  execFileSync('cp', ['-a', source, data]);
  const port = await freePort();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    try {
      signalCluster(data, 'CONT'); // a frozen server would never stop
    } catch {
      /* not running */
    }
    try {
      run(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Stopped on every way out: the file's after() hook, an exit after a failure, or an interrupt.
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(1);
    });
  }
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    ...(opts.durable ? {} : { fsync: 'off', full_page_writes: 'off' }),
    shared_buffers: '32MB',
    max_connections: 200,
    ...opts.settings,
  };
  const options = [`-p ${port}`, `-k ${dir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  const start = () => run(bin, 'pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  try {
    start();
  } catch (err) {
    const log = existsSync(path.join(dir, 'server.log')) ? execFileSync('tail', ['-n', '20', path.join(dir, 'server.log')], { encoding: 'utf8' }) : '';
    stop();
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  async function sql(database: string, text: string, params?: unknown[]) {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
  }
  return {
    port,
    dir,
    url,
    sql,
    async createDatabase(name, templateDb) {
      await sql('postgres', `CREATE DATABASE "${name}"${templateDb ? ` TEMPLATE "${templateDb}"` : ''}`);
      return name;
    },
    halt() {
      run(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    freeze() {
      signalCluster(data, 'STOP');
    },
    thaw() {
      signalCluster(data, 'CONT');
    },
    resume() {
      start();
    },
    stop,
  };
}
