/**
 * The `mailtrail` command as a subprocess, the way an operator runs it: `node bin/mailtrail.js …`
 * from the repository root. `runCli` runs a command to completion; `startRelayProcess` starts
 * `mailtrail start` and reads its JSON log lines as they come, so a test can wait for an event
 * (`relay.started`) and stop it with a signal like a service manager would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/mailtrail.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a child: the parent's, minus MAILTRAIL_* (a developer's overrides must not leak in). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MAILTRAIL_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `mailtrail ARGS` to completion; `input` is written to its stdin (then closed). */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mailtrail ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** One JSON log line of the relay (pino), as parsed. */
export type LogLine = Record<string, unknown> & { event?: string; msg?: string; level?: number | string };

export interface RelayProcess {
  child: ChildProcess;
  /** Every JSON line printed on stdout so far. */
  lines: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line (past or future) matching `pred`; rejects on timeout or exit. */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still running. Safe to call twice. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `mailtrail start --config FILE` (without waiting: use `waitForLine`). */
export function startRelayProcess(configFile: string, opts: { env?: Record<string, string> } = {}): RelayProcess {
  const child = spawn(process.execPath, [BIN, 'start', '--config', configFile], { cwd: ROOT, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let out = '';
  let err = '';
  let partial = '';
  const waiters = new Set<() => void>();
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
      for (const w of [...waiters]) w();
    });
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line (should not happen on stdout); kept in stdout() for the failure message.
      }
    }
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d));

  const relay: RelayProcess = {
    child,
    lines,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pred, timeoutMs = 30_000, what = 'a matching log line') {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`relay: no ${what} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const check = () => {
          const found = lines.find(pred);
          if (found) {
            done();
            resolve(found);
          } else if (exitInfo) {
            done();
            reject(new Error(`relay exited (${exitInfo.code ?? exitInfo.signal}) before ${what}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
  return relay;
}

/** Polls `fn` until it returns a truthy value; rejects with `what` (and the last error) on timeout. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
