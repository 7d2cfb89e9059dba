/**
 * `npm run bench`: runs the scenarios in order (relay, postfix, per-message, limit, query, bounces, large-dsn, memory, signing), each in a
 * fresh temp directory, prints one table and writes bench/results/<timestamp>.json with the figures, the
 * machine and the command, so a result can be compared with another run on another day.
 *
 * usage: npm run bench -- [--messages 20000] [--sessions 20] [--size 4096] [--query-messages 1000000]
 *          [--memory-messages 100000] [--only relay,postfix,…] [--profile]
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchFlags, Scenario, ScenarioResult } from './scenarios/types.js';

const SCENARIOS = ['relay', 'postfix', 'per-message', 'limit', 'query', 'bounces', 'large-dsn', 'memory', 'signing'] as const;
type Name = (typeof SCENARIOS)[number];

const USAGE = `usage: npm run bench -- [--messages N] [--sessions K] [--size BYTES] [--query-messages N] [--memory-messages N] [--only ${SCENARIOS.join(',')}] [--profile]`;

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(benchDir);

function positive(name: string, value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`bench: --${name} must be a positive whole number (got ${JSON.stringify(value)})\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

function parseFlags(argv: string[]): { flags: BenchFlags; only: Name[]; profile: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        messages: { type: 'string', default: '20000' },
        sessions: { type: 'string', default: '20' },
        size: { type: 'string', default: '4096' },
        'query-messages': { type: 'string', default: '1000000' },
        'memory-messages': { type: 'string', default: '100000' },
        only: { type: 'string' },
        profile: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = (v.only ? v.only.split(',').map((s) => s.trim()).filter(Boolean) : [...SCENARIOS]) as Name[];
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}\n`);
    process.exit(2);
  }
  return {
    flags: {
      messages: positive('messages', v.messages),
      sessions: positive('sessions', v.sessions),
      size: positive('size', v.size),
      queryMessages: positive('query-messages', v['query-messages']),
      memoryMessages: positive('memory-messages', v['memory-messages']),
    },
    only: SCENARIOS.filter((s) => only.includes(s)),
    profile: v.profile === true,
  };
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

function machine(): Record<string, string | number | null> {
  const cpus = os.cpus();
  let sqlite: string | null = null;
  try {
    const db = new Database(':memory:');
    sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
  } catch {
    /* reported as null */
  }
  const postfix = tryRun('/usr/sbin/postconf', ['-d', '-h', 'mail_version']);
  return {
    cpu: cpus[0]?.model ?? null,
    cores: cpus.length,
    ram_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: tryRun('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
    node: process.version,
    sqlite,
    postfix,
    load_avg_at_start: os.loadavg().map((x) => Math.round(x * 100) / 100).join(' '),
  };
}

interface Outcome {
  status: 'ok' | 'skipped' | 'failed';
  seconds: number;
  figures: ScenarioResult['figures'];
  notes: string[];
}

const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function runScenario(name: Name, flags: BenchFlags): Promise<Outcome> {
  const file = path.join(benchDir, 'scenarios', `${name}.ts`);
  if (!existsSync(file)) return { status: 'skipped', seconds: 0, figures: {}, notes: [`skipped: bench/scenarios/${name}.ts does not exist yet`] };
  const mod = (await import(pathToFileURL(file).href)) as { run?: Scenario };
  if (typeof mod.run !== 'function') return { status: 'skipped', seconds: 0, figures: {}, notes: [`skipped: bench/scenarios/${name}.ts exports no run()`] };
  const dir = mkdtempSync(path.join(os.tmpdir(), `mailtrail-bench-${name}-`));
  const started = performance.now();
  try {
    const result = await mod.run({ flags, dir, root, progress });
    const skipped = Object.keys(result.figures).length === 0 && result.notes.some((n) => n.startsWith('skipped'));
    return { status: skipped ? 'skipped' : 'ok', seconds: Math.round((performance.now() - started) / 100) / 10, ...result };
  } catch (err) {
    progress(`${name} failed: ${(err as Error).stack ?? err}`);
    return { status: 'failed', seconds: Math.round((performance.now() - started) / 100) / 10, figures: {}, notes: [`failed: ${(err as Error).message}`] };
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true }); else progress(`kept ${dir}`);
  }
}

const num = (o: Outcome | undefined, key: string): number | null => {
  const v = o?.status === 'ok' ? o.figures[key] : null;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null);

const matching = (o: Outcome | undefined, re: RegExp): number[] =>
  o?.status === 'ok' ? Object.entries(o.figures).filter(([k, v]) => re.test(k) && typeof v === 'number').map(([, v]) => v as number) : [];
const sumOf = (o: Outcome | undefined, re: RegExp): number | null => (matching(o, re).length ? matching(o, re).reduce((a, b) => a + b, 0) : null);
const maxOf = (o: Outcome | undefined, re: RegExp): number | null => (matching(o, re).length ? Math.max(...matching(o, re)) : null);

/** mailtrail against Postfix and the loopback ceiling, with the issue's targets. */
function compare(results: Partial<Record<Name, Outcome>>): Record<string, { value: number | null; target: string; met: boolean | null }> {
  const { relay, postfix, limit } = results;
  const check = (value: number | null, target: string, ok: (v: number) => boolean) => ({ value, target, met: value === null ? null : ok(value) });
  return {
    e2e_mailtrail_over_postfix: check(ratio(num(relay, 'e2e_msgs_per_s'), num(postfix, 'e2e_msgs_per_s')), '>= 1.5', (v) => v >= 1.5),
    submit_mailtrail_over_postfix: check(ratio(num(relay, 'submit_msgs_per_s'), num(postfix, 'submit_msgs_per_s')), '>= 2', (v) => v >= 2),
    cpu_per_msg_mailtrail_over_postfix: check(ratio(num(relay, 'cpu_ms_per_msg'), num(postfix, 'cpu_ms_per_msg')), '<= 1', (v) => v <= 1),
    mailtrail_submit_p99_ms: check(num(relay, 'submit_p99_ms'), '<= 50', (v) => v <= 50),
    per_message_20w_mailtrail_over_postfix: check(num(results['per-message'], 'ratio_20w_none_mailtrail_over_postfix'), '>= 2', (v) => v >= 2),
    per_message_50w_mailtrail_over_postfix: check(num(results['per-message'], 'ratio_50w_none_mailtrail_over_postfix'), '>= 2', (v) => v >= 2),
    per_message_mailtrail_refused: check(sumOf(results['per-message'], /^mailtrail_.*_refused$/), '= 0', (v) => v === 0),
    per_message_mailtrail_p99_ms_no_tls: check(maxOf(results['per-message'], /^mailtrail_\d+w_none_p99_ms$/), '<= 20', (v) => v <= 20),
    large_dsn_submit_p99_during_over_idle: check(num(results['large-dsn'], 'large_dsn_p99_during_over_idle'), '<= 2', (v) => v <= 2),
    e2e_mailtrail_over_limit: check(ratio(num(relay, 'e2e_msgs_per_s'), num(limit, 'msgs_per_s')), '(fraction of the ceiling)', () => true),
    submit_mailtrail_over_limit: check(ratio(num(relay, 'submit_msgs_per_s'), num(limit, 'msgs_per_s')), '(fraction of the ceiling)', () => true),
  };
}

function printTable(results: Partial<Record<Name, Outcome>>, comparison: ReturnType<typeof compare>): void {
  const rows: [string, string, string][] = [['scenario', 'figure', 'value']];
  for (const [name, o] of Object.entries(results)) {
    if (o.status !== 'ok') {
      rows.push([name, o.status, o.notes[0] ?? '']);
      continue;
    }
    for (const [k, v] of Object.entries(o.figures)) rows.push([name, k, v === null ? '–' : String(v)]);
    rows.push([name, 'scenario_seconds', String(o.seconds)]);
  }
  for (const [k, c] of Object.entries(comparison)) {
    if (c.value === null) continue;
    rows.push(['compare', k, `${c.value}  ${c.target}${c.target.startsWith('(') ? '' : c.met ? '  met' : '  MISSED'}`]);
  }
  const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: [string, string, string]) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2]}`;
  process.stdout.write(`\n${line(rows[0])}\n${'-'.repeat(w[0] + w[1] + 24)}\n${rows.slice(1).map(line).join('\n')}\n`);
}

const { flags, only, profile } = parseFlags(process.argv.slice(2));
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
const resultsDir = path.join(benchDir, 'results');
if (profile) process.env.BENCH_PROFILE_DIR = path.join(resultsDir, `${stamp}-profile`);
const facts = machine();
progress(`machine: ${facts.cpu}, ${facts.cores} cores, ${facts.ram_gb} GB, ${facts.kernel}, Node ${facts.node}, SQLite ${facts.sqlite}, Postfix ${facts.postfix}; load ${facts.load_avg_at_start}`);
const results: Partial<Record<Name, Outcome>> = {};
for (const name of only) {
  progress(`${name}: starting`);
  results[name] = await runScenario(name, flags);
  progress(`${name}: ${results[name]!.status} in ${results[name]!.seconds} s`);
}
const comparison = compare(results);
printTable(results, comparison);
for (const [name, o] of Object.entries(results)) for (const n of o.notes) process.stdout.write(`\n[${name}] ${n}`);
process.stdout.write('\n');

mkdirSync(resultsDir, { recursive: true });
const out = path.join(resultsDir, `${stamp}.json`);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
writeFileSync(out, JSON.stringify({ started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), command, flags, machine: facts, results, comparison }, null, 2) + '\n');
process.stdout.write(`\nresults written to ${path.relative(process.cwd(), out)}\n`);
const failed = Object.values(results).some((o) => o.status === 'failed');
process.exit(failed ? 1 : 0);
