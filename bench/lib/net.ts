/**
 * Loopback addresses for the benchmark's listeners. Linux routes all of 127/8 to lo, but Postfix's
 * inet_interfaces wants an address that is configured on an interface, so it is added (as root);
 * "File exists" and a non-root failure are both fine for the others.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';

/** Addresses of this benchmark (127.0.3.10–19); the other scenarios keep away from them. */
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
} as const;

export function ensureLoopbackAddress(ip: string): void {
  spawnSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo'], { encoding: 'utf8' });
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
