/**
 * What the benchmark reads from /proc about the processes it measures: CPU time (user + system, as the
 * kernel accounts it, so nothing in the measured process has to cooperate) and memory, of one process or
 * of a whole tree (Postfix's master and its daemons, Haraka's cluster master and worker).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const TICKS = (() => {
  try {
    return Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself (all its threads), seconds. */
  own: number;
  /** cutime + cstime: children it has reaped, seconds. */
  reaped: number;
  /** Start time since boot (ticks): with the pid, names a process even after its pid is reused. */
  start: number;
}

function stat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited meanwhile
  }
  // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17, ppid 4.
  return {
    pid,
    ppid: Number(f[1]),
    own: (Number(f[11]) + Number(f[12])) / TICKS,
    reaped: (Number(f[13]) + Number(f[14])) / TICKS,
    // field 22
    start: Number(f[19]),
  };
}

/** CPU seconds the process has used so far (all threads, not its children). */
/**
 * The whole machine's CPU time so far from /proc/stat's `cpu` line, seconds summed over all cores: busy (user,
 * nice, system, irq, softirq, steal) and waiting for the disk (iowait). Read before and after a run, minus what the
 * measured server and the load generator used, it says how much of the machine other processes took meanwhile:
 * what separates "the machine was busy" from "the server was slow" when one run of several is slow.
 */
export function machineCpuSeconds(): { busy: number; iowait: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , iowait, irq, softirq, steal] = f;
  return { busy: (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / TICKS, iowait: iowait! / TICKS };
}

export function cpuSeconds(pid: number): number {
  return stat(pid)?.own ?? 0;
}

/**
 * CPU seconds of a whole process tree: every live process under `root` (itself included) with the
 * children each has reaped. A Postfix smtpd that served its 100 sessions and exited is counted through
 * master's cutime, so nothing is lost however the tree changes between two readings.
 */
export function treeCpuSeconds(root: number): number {
  let total = 0;
  for (const s of tree(root)) total += s.own + s.reaped;
  return total;
}

/** The live processes of the tree under `root`, itself first (empty when it is gone). */
function tree(root: number): Stat[] {
  const all: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) all.push(s);
  }
  const children = new Map<number, Stat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const top = all.find((s) => s.pid === root);
  if (!top) return [];
  const out: Stat[] = [];
  const walk = (s: Stat) => {
    out.push(s);
    for (const c of children.get(s.pid) ?? []) walk(c);
  };
  walk(top);
  return out;
}

/** Pids of the live tree under `root`, itself included. */
export function treePids(root: number): number[] {
  return tree(root).map((s) => s.pid);
}

/**
 * Memory of a process tree now, in MB: the sum of each process's PSS (proportional set size: pages shared
 * between Postfix's daemons, or Haraka's master and worker, are split among them instead of counted once
 * per process, as summing RSS would).
 */
export function treePssMb(root: number): number {
  let kb = 0;
  for (const s of tree(root)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${s.pid}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* exited meanwhile */
    }
  }
  return kb / 1024;
}

/**
 * Samples `read` every `everyMs` until stopped and keeps the highest value: the peak of a tree's memory,
 * which no kernel counter gives (VmHWM is per process). A peak shorter than the interval can be missed.
 */
export function peakSampler(read: () => number, everyMs = 200): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, read());
      return Math.round(peak);
    },
  };
}

/**
 * Stops a server the benchmark started, and everything it started: SIGTERM to it, then after `graceMs`
 * SIGKILL to whatever of its tree is still there (only the pids found under the child, never by name).
 */
export async function killTree(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined) return;
  const started = tree(child.pid);
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  }
  for (const s of started) {
    // Only the same process (same start time): a pid freed meanwhile may be someone else's now.
    if (stat(s.pid)?.start !== s.start) continue;
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Peak resident set (VmHWM) in MB, or null when the process is gone. */
export function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}
