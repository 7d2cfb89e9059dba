/**
 * Bytes V8 promotes while a script churns a structure, measured in a node process of its own (V8's flags,
 * a heap of its own): for tests that pin why a structure is not a Map or Set (src/listener/roster.ts,
 * src/queue/running.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

/**
 * Runs `setup` (which defines `step()`) after the module at `source` (compiled here and given inline: under
 * tsx's loader the same churn ran with a fraction of the scavenges and showed nothing either way); calls
 * `step()` 20 times, ages what is alive into the old generation (the structure's table among it, as a
 * relay's are from its first idle seconds), then calls it 30,000 times: returns what the scavenges promote
 * during those.
 */
export function promotedDuringChurn(source: string, setup: string): number {
  const module = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'esm' }).code;
  const script = `
    ${setup}
    for (let i = 0; i < 20; i++) step();
    globalThis.gc({ type: 'minor' });
    globalThis.gc({ type: 'minor' });
    const from = performance.now();
    for (let i = 0; i < 30000; i++) step();
    console.log('churn from ' + from);
  `;
  const run = spawnSync(process.execPath, ['--max-semi-space-size=2', '--expose-gc', '--trace-gc-nvp', '--input-type=module', '-e', `${module}\n${script}`], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, run.stderr);
  // V8 prints its lines with the milliseconds since the isolate started, performance.now()'s origin too
  // (the order of the two kinds of output in the pipe is not the order they were written in).
  const from = Number(/churn from ([\d.]+)/.exec(run.stdout)?.[1]);
  assert.ok(Number.isFinite(from), `the script printed no "churn from": ${run.stdout.slice(-500)}`);
  let promoted = 0;
  for (const m of run.stdout.matchAll(/\s([\d.]+) ms: .*?gc=s .*? promoted=(\d+)/g)) if (Number(m[1]) >= from) promoted += Number(m[2]);
  return promoted;
}
