/**
 * What the benchmark reads from /proc about the processes it measures: CPU time (user + system, as the
 * kernel accounts it, so nothing in the measured process has to cooperate) and peak resident memory.
 */
import { execFileSync } from 'node:child_process';
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
  };
}

/** CPU seconds the process has used so far (all threads, not its children). */
export function cpuSeconds(pid: number): number {
  return stat(pid)?.own ?? 0;
}

/**
 * CPU seconds of a whole process tree: every live process under `root` (itself included) with the
 * children each has reaped. A Postfix smtpd that served its 100 sessions and exited is counted through
 * master's cutime, so nothing is lost however the tree changes between two readings.
 */
export function treeCpuSeconds(root: number): number {
  const all: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) all.push(s);
  }
  const children = new Map<number, Stat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const top = all.find((s) => s.pid === root);
  if (!top) return 0;
  let total = 0;
  const walk = (s: Stat) => {
    total += s.own + s.reaped;
    for (const c of children.get(s.pid) ?? []) walk(c);
  };
  walk(top);
  return total;
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
