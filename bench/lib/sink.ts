/**
 * Postfix's smtp-sink as the benchmark's recipient MTA. Unlike test/helpers/smtp-sink.ts it dumps
 * nothing to disk (which would make the sink, not the sender, the bottleneck): it runs with -c, whose
 * running counters (`sess=N quit=N mesg=N`, updated when a "." is received) are read from its stdout,
 * and the time at which the count reached a target is taken when that line arrives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { assertNothingListens, ensureLoopbackAddress, waitForPort } from './net.js';

export const SMTP_SINK = '/usr/sbin/smtp-sink';

export interface CountingSink {
  host: string;
  port: number;
  pid: number;
  /** Messages received so far (a "." answered 250). */
  count(): number;
  /** Resolves with the wall-clock time (ms) at which `n` messages had arrived; rejects after timeoutMs without progress. */
  waitFor(n: number, idleTimeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startCountingSink(host: string, port = 25): Promise<CountingSink> {
  ensureLoopbackAddress(host);
  await assertNothingListens(host, port, 'the counting sink');
  // -u nobody: smtp-sink refuses to run as root; 512 sessions and a 100 s command timeout.
  const args = ['-u', 'nobody', '-c', '-m', '512', '-t', '100', `inet:${host}:${port}`, '512'];
  const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let count = 0;
  let lastChange = Date.now();
  let errors = '';
  const waiters: { n: number; resolve: (at: number) => void }[] = [];
  let tail = '';
  child.stdout!.setEncoding('latin1');
  child.stdout!.on('data', (chunk: string) => {
    const now = Date.now();
    tail = (tail + chunk).slice(-200);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    const n = all.length ? Number(all[all.length - 1][1]) : count;
    if (n !== count) {
      count = n;
      lastChange = now;
      for (const w of waiters.filter((x) => count >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(now);
      }
    }
  });
  child.stderr!.on('data', (d) => (errors = (errors + d).slice(-2000)));
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? `smtp-sink exited: ${errors}` : null);
  try {
    await waitForPort(host, port, 5_000, exited);
  } catch (err) {
    await kill(child);
    throw err;
  }
  return {
    host,
    port,
    pid: child.pid!,
    count: () => count,
    waitFor(n, idleTimeoutMs) {
      if (count >= n) return Promise.resolve(lastChange);
      return new Promise((resolve, reject) => {
        const w = { n, resolve: (at: number) => (clearInterval(timer), resolve(at)) };
        waiters.push(w);
        const timer = setInterval(() => {
          if (Date.now() - lastChange > idleTimeoutMs) {
            clearInterval(timer);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`the sink on ${host} received ${count} of ${n} messages and nothing more for ${idleTimeoutMs / 1000} s`));
          }
        }, 250);
      });
    },
    async stop() {
      await kill(child);
    },
  };
}

/** Signals `child` and waits for it to exit, with SIGKILL after `graceMs`; resolves true when that was needed. */
export function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
  return new Promise((resolve) => {
    let killed = false;
    const t = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(killed);
    });
    child.kill(signal);
  });
}
