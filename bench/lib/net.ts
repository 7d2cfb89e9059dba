/**
 * Loopback addresses for the benchmark's listeners. Linux routes all of 127/8 to lo, but Postfix's
 * inet_interfaces wants an address that is configured on an interface, so it is added (as root);
 * "File exists" and a non-root failure are both fine for the others.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';

/** Addresses of this benchmark (127.0.3.10–24); the other scenarios keep away from them. */
export const ADDR = {
  limitSink: '127.0.3.10',
  relaySubmission: '127.0.3.11',
  relaySink: '127.0.3.12',
  postfix: '127.0.3.13',
  postfixSink: '127.0.3.14',
  haraka: '127.0.3.15',
  harakaSink: '127.0.3.16',
  relayBounces: '127.0.3.17',
  /** The second relay of relay-pg-2nodes (the first is relaySubmission). */
  relaySubmission2: '127.0.3.18',
  /** dead-destinations: the healthy domains' smtp-sink, and the addresses that accept and never greet. */
  deadSink: '127.0.3.19',
  deadTarpits: ['127.0.3.20', '127.0.3.21', '127.0.3.22', '127.0.3.23', '127.0.3.24'],
} as const;

export function ensureLoopbackAddress(ip: string): void {
  spawnSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo'], { encoding: 'utf8' });
}

/**
 * Rejects when something already accepts connections on host:port. A listener started there next could not
 * tell by its bind: smtp-sink binds with SO_REUSEPORT, so a second one (say, left running by an interrupted
 * run) starts without error and the kernel splits the connections between the two, each counting part of
 * the mail; and `waitForPort` is answered by whoever listens. Checked before starting one of ours.
 */
export async function assertNothingListens(host: string, port: number, what: string): Promise<void> {
  const answered = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(2_000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (answered)
    throw new Error(
      `cannot start ${what} on ${host}:${port}: something already listens there (left by an interrupted run? \`ss -ltnp\` in this network namespace names it); stop it first`,
    );
}

/** Resolves once something accepts TCP connections on host:port; rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs: number, alive: () => string | null = () => null): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive();
    if (dead) throw new Error(dead);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
