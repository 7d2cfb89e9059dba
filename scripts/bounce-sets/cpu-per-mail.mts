// CPU time per mail of two checkouts' bounce parsers over the dev corpus, alternating in one process (steadier
// than wall-clock time on a shared machine). Usage, from a checkout (for tsx):
//   node --import tsx scripts/bounce-sets/cpu-per-mail.mts CHECKOUT_A CHECKOUT_B [rounds=10]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [a, b] = [process.argv[2], process.argv[3]];
const rounds = Number(process.argv[4] ?? 10);
const list = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(path.join(d, e.name)) : e.name.endsWith('.eml') ? [path.join(d, e.name)] : []));
const mails = list('/work/shared/corpus/bounces/dev/emails').sort().map((f) => readFileSync(f));
const A = (await import(path.join(path.resolve(a), 'src/bounces/parse/index.ts'))).parseBounceSync;
const B = (await import(path.join(path.resolve(b), 'src/bounces/parse/index.ts'))).parseBounceSync;
/** µs of CPU (user + system) per mail over n passes. */
const pass = (parse: (m: Buffer) => unknown, n: number) => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) for (const m of mails) parse(m);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (n * mails.length);
};
for (let i = 0; i < 3; i++) {
  pass(A, 1);
  pass(B, 1);
}
const ra: number[] = [];
const rb: number[] = [];
for (let r = 0; r < rounds; r++) {
  // Which goes first alternates, so a drift of the machine's speed favours neither.
  if (r % 2) {
    rb.push(pass(B, 3));
    ra.push(pass(A, 3));
  } else {
    ra.push(pass(A, 3));
    rb.push(pass(B, 3));
  }
}
const med = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1];
const ratios = ra.map((v, i) => rb[i] / v);
console.log(
  `µs CPU/mail median A ${med(ra).toFixed(1)} B ${med(rb).toFixed(1)}; B/A per round median ${med(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)} max ${Math.max(...ratios).toFixed(3)}); A ${a} B ${b}`,
);
