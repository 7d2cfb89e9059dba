/**
 * A real Postfix (Debian package, /usr/sbin/postfix) for end-to-end tests: a private instance with its own
 * config, queue and log under a temp directory, listening on one loopback address. It is a recipient MTA
 * that accepts mail for `relayDomains` and forwards it by transport map, so a test can make it accept a
 * message (250) and bounce it afterwards: the next hop refuses the recipient, and Postfix's bounce daemon
 * sends a DSN to the envelope sender, which the transport map routes to mailtrail's inbound listener.
 *
 * No DNS: every destination is a `[ip]:port` transport (no MX lookup) and smtp_dns_support_level is
 * `disabled`. No chroot (the 5th master.cf column is `n` everywhere), so the instance needs nothing from
 * /var/spool/postfix. The log goes to `DIR/maillog` through postlogd instead of syslog.
 *
 * Usage:
 *   const pf = await startPostfix({ host: '127.0.2.10', transports: { 'postfix.test': '[127.0.2.11]:25', 'bounces.test': '[127.0.2.12]:25' } });
 *   … send to pf.host:25 …
 *   pf.flush();                 // run the deferred queue now
 *   console.log(pf.maillog());
 *   await pf.stop();            // stops the instance and removes its directory
 *
 * Needs root (Postfix's master runs as root and drops to the `postfix` user the package created).
 * `postfixUnavailable()` says why it cannot run here, or null.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const POSTFIX = '/usr/sbin/postfix';

export interface PostfixOptions {
  /** Loopback address to listen on (port 25). */
  host: string;
  /** Domains accepted for relaying (the default: the keys of `transports`). */
  relayDomains?: string[];
  /** Domain → `[ip]:port` next hop (Postfix transport map, smtp transport). */
  transports: Record<string, string>;
  /** myhostname (also the DSN Reporting-MTA). */
  hostname?: string;
  /** Extra main.cf settings. */
  main?: Record<string, string>;
  /** Offer STARTTLS with a self-signed certificate made for the instance (tlsmgr keeps session tickets). */
  tls?: boolean;
}

export interface PostfixInstance {
  host: string;
  dir: string;
  /** The instance's log so far ('' if none yet). */
  maillog(): string;
  /** Attempts delivery of everything queued now (postqueue -f). */
  flush(): void;
  stop(): Promise<void>;
}

/** Why Postfix cannot run in this environment, or null when it can. */
export function postfixUnavailable(): string | null {
  if (!existsSync(POSTFIX)) return `${POSTFIX} is not installed (Debian package postfix)`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'Postfix needs root to start its master process';
  const user = spawnSync('getent', ['passwd', 'postfix'], { encoding: 'utf8' });
  if (user.status !== 0) return 'the postfix user does not exist (the Debian package creates it)';
  const group = spawnSync('getent', ['group', 'postdrop'], { encoding: 'utf8' });
  if (group.status !== 0) return 'the postdrop group does not exist (the Debian package creates it)';
  return null;
}

/** Makes sure the address exists on lo. Linux routes all of 127/8 to lo anyway, so failure is tolerated. */
function ensureLoopbackAddress(ip: string): void {
  spawnSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo'], { encoding: 'utf8' }); // "File exists" is fine
}

const MASTER_CF = `# service type  private unpriv  chroot  wakeup  maxproc command
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
`;

function run(args: string[], dir: string): string {
  try {
    return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const log = existsSync(path.join(dir, 'maillog')) ? readFileSync(path.join(dir, 'maillog'), 'utf8').slice(-2000) : '';
    throw new Error(`${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}\n${log}`);
  }
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`Postfix did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPostfix(opts: PostfixOptions): Promise<PostfixInstance> {
  const why = postfixUnavailable();
  if (why) throw new Error(`cannot start Postfix: ${why}`);
  ensureLoopbackAddress(opts.host);
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-postfix-'));
  // Postfix checks that its directories are not writable by others and belong to the right users.
  chmodSync(dir, 0o755);
  // Config apart from the queue: `postfix check` walks the whole config directory expecting root-owned files.
  const etc = path.join(dir, 'etc');
  mkdirSync(etc, { mode: 0o755 });
  const queue = path.join(dir, 'queue');
  const data = path.join(dir, 'data');
  mkdirSync(queue, { mode: 0o755 });
  mkdirSync(data, { mode: 0o700 });
  execFileSync('chown', ['postfix', data]);
  const transport = Object.entries(opts.transports)
    .map(([domain, hop]) => `${domain} smtp:${hop}`)
    .join('\n');
  writeFileSync(path.join(etc, 'transport'), transport + '\n');
  const relayDomains = opts.relayDomains ?? Object.keys(opts.transports);
  const main: Record<string, string> = {
    compatibility_level: '3.6',
    myhostname: opts.hostname ?? 'postfix.mailtrail.test',
    mydomain: 'mailtrail.test',
    myorigin: '$myhostname',
    mydestination: '',
    local_recipient_maps: '',
    alias_maps: '',
    alias_database: '',
    relay_domains: relayDomains.join(', '),
    transport_maps: `texthash:${path.join(etc, 'transport')}`,
    mynetworks: '127.0.0.0/8',
    smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    inet_interfaces: opts.host,
    inet_protocols: 'ipv4',
    smtp_bind_address: opts.host,
    queue_directory: queue,
    data_directory: data,
    maillog_file: path.join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    // No DNS at all: next hops are [ip]:port, and the SMTP client must not look anything up.
    smtp_dns_support_level: 'disabled',
    smtp_host_lookup: 'native',
    smtpd_peername_lookup: 'no',
    smtp_tls_security_level: 'none',
    smtpd_tls_security_level: 'none',
    smtputf8_enable: 'no',
    biff: 'no',
    // Fast queue runs: a test must not wait minutes for a retry.
    queue_run_delay: '1s',
    minimal_backoff_time: '1s',
    maximal_backoff_time: '2s',
    smtp_connect_timeout: '5s',
    delay_warning_time: '0',
    ...opts.main,
  };
  if (opts.tls) Object.assign(main, tlsSettings(etc, data));
  writeFileSync(
    path.join(etc, 'main.cf'),
    Object.entries(main)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n') + '\n',
  );
  writeFileSync(path.join(etc, 'master.cf'), MASTER_CF);

  let started = false;
  const instance: PostfixInstance = {
    host: opts.host,
    dir,
    maillog: () => (existsSync(path.join(dir, 'maillog')) ? readFileSync(path.join(dir, 'maillog'), 'utf8') : ''),
    flush: () => {
      run([POSTFIX, '-c', etc, 'flush'], dir);
    },
    async stop() {
      if (started) {
        spawnSync(POSTFIX, ['-c', etc, 'stop'], { encoding: 'utf8', timeout: 20_000 });
        // `postfix stop` returns before master has exited: wait for its pid file to go away (bounded).
        const pidFile = path.join(queue, 'pid', 'master.pid');
        const until = Date.now() + 10_000;
        while (existsSync(pidFile) && Date.now() < until) {
          const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
          if (!pid || !isAlive(pid)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        started = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // `start` runs postfix-script's checks, which create the queue subdirectories with their owners and
    // modes (a separate set-permissions/check costs seconds and adds nothing).
    run([POSTFIX, '-c', etc, 'start'], dir);
    started = true;
    await waitForPort(opts.host, 25, 15_000);
  } catch (err) {
    await instance.stop();
    throw err;
  }
  return instance;
}

/** A self-signed certificate for smtpd and the TLS session cache tlsmgr needs for tickets. */
function tlsSettings(etc: string, data: string): Record<string, string> {
  const key = path.join(etc, 'tls.key');
  const cert = path.join(etc, 'tls.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=postfix.mailtrail.test'],
    { stdio: 'ignore' },
  );
  return {
    smtpd_tls_security_level: 'may',
    smtpd_tls_cert_file: cert,
    smtpd_tls_key_file: key,
    smtpd_tls_session_cache_database: `btree:${path.join(data, 'smtpd_scache')}`,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
