/**
 * A real DNS server for tests: dnsmasq (Debian dnsmasq-base) on 127.0.0.1 and a random free port,
 * answering only from the records given here. Point `delivery.dns_servers` at `server.address`.
 *
 * Why dnsmasq and not a hand-written responder: it is an independent, real DNS implementation, and it
 * expresses everything the routing tests need:
 *   - `--local=/<tld>/` makes it answer NXDOMAIN for any unknown name under the test TLDs (without it,
 *     and with no upstream, it answers REFUSED), and NODATA for a known name without the asked type;
 *   - a null MX (RFC 7505, `MX 0 .`) is `--mx-host=<domain>,.,0` (node's resolver sees exchange '');
 *   - `--server=/<name>/127.0.0.1#<port>` forwards a name to another server, which is how the two
 *     failure modes are made: a UDP socket here that never answers (timeout) and one that answers
 *     every query with SERVFAIL (the only DNS wire code written by hand, 12 bytes of header).
 *
 * Usage:
 *   const dns = await startDnsServer({
 *     mx: [{ name: 'example.test', exchange: 'mx1.example.test', preference: 10 }],
 *     a: [{ name: 'mx1.example.test', address: '127.0.1.1' }],
 *     timeout: ['slow.test'], servfail: ['broken.test'],
 *   });
 *   config.delivery.dns_servers = [dns.address];   // '127.0.0.1:PORT'
 *   …
 *   await dns.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';

export interface DnsRecords {
  /** MX records. `exchange: '.'` makes a null MX (RFC 7505). */
  mx?: { name: string; exchange: string; preference: number }[];
  /** A or AAAA records (by the address's family). A name may appear several times. */
  a?: { name: string; address: string }[];
  txt?: { name: string; text: string }[];
  /** PTR: `name` is the reverse name (`1.1.0.127.in-addr.arpa`) or an IP address. */
  ptr?: { name: string; target: string }[];
  /** Names (and everything under them) whose queries are never answered: resolvers time out. */
  timeout?: string[];
  /** Names (and everything under them) answered with SERVFAIL. */
  servfail?: string[];
  /**
   * Domains for which the server is authoritative: unknown names under them get NXDOMAIN.
   * Default ['test'] (RFC 2606). Names outside them get REFUSED.
   */
  authoritative?: string[];
  /** TTL in seconds of the records served (dnsmasq's --local-ttl). Default 0: resolvers must not cache them. */
  ttl?: number;
}

export interface DnsServer {
  /** `127.0.0.1:PORT`, the form `delivery.dns_servers` and `Resolver.setServers` take. */
  address: string;
  host: '127.0.0.1';
  port: number;
  /** Everything dnsmasq printed (with query logging), for debugging a failing test. */
  log(): string;
  stop(): Promise<void>;
}

const DNSMASQ = '/usr/sbin/dnsmasq';

/** Starts dnsmasq with the given records; resolves once it answers queries. */
export async function startDnsServer(records: DnsRecords = {}): Promise<DnsServer> {
  const blackhole = await bindUdp();
  const servfail = await bindUdp();
  servfail.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    const reply = Buffer.from(msg);
    reply[2] = 0x80 | (msg[2] & 0x79); // QR=1, keep opcode and RD, AA=0, TC=0
    reply[3] = 0x80 | 2; // RA=1, RCODE=SERVFAIL
    reply.writeUInt16BE(0, 6); // no answer, authority or additional records (question echoed)
    reply.writeUInt16BE(0, 8);
    reply.writeUInt16BE(0, 10);
    servfail.send(reply, rinfo.port, rinfo.address);
  });
  const closeUdp = () => Promise.all([blackhole, servfail].map((s) => new Promise<void>((r) => s.close(() => r()))));

  let lastError: unknown;
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort();
    const args = [
      '--no-daemon',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--log-queries',
      '--log-facility=-',
      '--cache-size=0', // answers change between tests only by restarting, but never serve stale forwards
    ];
    if (records.ttl) args.push(`--local-ttl=${records.ttl}`);
    for (const d of records.authoritative ?? ['test']) args.push(`--local=/${d}/`);
    for (const r of records.mx ?? []) args.push(`--mx-host=${r.name},${r.exchange},${r.preference}`);
    for (const r of records.a ?? []) args.push(`--host-record=${r.name},${r.address}`);
    for (const r of records.txt ?? []) args.push(`--txt-record=${r.name},${r.text}`);
    for (const r of records.ptr ?? []) args.push(`--ptr-record=${reverseName(r.name)},${r.target}`);
    for (const n of records.timeout ?? []) args.push(`--server=/${n}/127.0.0.1#${blackhole.address().port}`);
    for (const n of records.servfail ?? []) args.push(`--server=/${n}/127.0.0.1#${servfail.address().port}`);

    const child = spawn(DNSMASQ, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    try {
      await waitUntilAnswering(child, port, () => output);
    } catch (err) {
      lastError = err;
      await killChild(child);
      if (/Address already in use/i.test(output)) continue; // lost the free-port race: try another
      break;
    }
    return {
      address: `127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      log: () => output,
      stop: async () => {
        await killChild(child);
        await closeUdp();
      },
    };
  }
  await closeUdp();
  throw lastError instanceof Error ? lastError : new Error('dnsmasq did not start');
}

function reverseName(name: string): string {
  if (net.isIPv4(name)) return `${name.split('.').reverse().join('.')}.in-addr.arpa`;
  return name;
}

function bindUdp(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 at the moment of asking (dnsmasq needs both). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

async function waitUntilAnswering(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const resolver = new dnsPromises.Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dnsmasq exited: ${output()}`);
    try {
      await resolver.resolve4('mailtrail-probe.invalid');
      return;
    } catch (err) {
      // Any DNS answer (REFUSED for a name outside our zones) proves it is serving.
      const code = (err as NodeJS.ErrnoException).code;
      if (code && code !== 'ETIMEOUT' && code !== 'ECONNREFUSED') return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dnsmasq did not answer within 5 s: ${output()}`);
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
