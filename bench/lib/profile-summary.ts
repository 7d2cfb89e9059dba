/**
 * Reads a V8 .cpuprofile (node --cpu-prof, written by `npm run bench -- --profile`) and prints where the
 * time went: self time by function and by file (package), the summary a report quotes.
 *
 * usage: node --import tsx bench/lib/profile-summary.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = shorten(url);
    fn.set(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`, (fn.get(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`) ?? 0) + us);
    const group = where.includes('node_modules/') ? where.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : where || functionName;
    file.set(group, (file.get(group) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return `total sampled ${(total / 1000).toFixed(0)} ms\n\nby file or package (self time):\n${fmt(file)}\n\nby function (self time):\n${fmt(fn)}\n`;
}

function shorten(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules\/|src\/|bench\/)/, '$1');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  process.stdout.write(summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top) || 25));
}
