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

/**
 * The control's promoted bytes, measured again (up to three times in all) while it stays under the floor: on
 * a machine loaded by other work its scavenges came late enough once (6.6 MB beside a CI run and four busy
 * processes) to promote almost nothing. A V8 that no longer keeps deleted entries stays low every time.
 */
export function controlPromoted(measure: () => number): number {
  let most = measure();
  for (let i = 1; i < 3 && most <= 20e6; i++) most = Math.max(most, measure());
  return most;
}

/**
 * The claim both structures' tests make: churned through the built-in collection (the control), the deleted
 * entries are kept through scavenges and promoted; through the structure, only the few alive at each scavenge.
 * About 300 MB are made; the control promotes 65–80 MB of them here (alone or beside three busy cores), the
 * structures under 1 MB. The bounds are relative with a wide margin: an absolute 50 MB floor for the control
 * failed once under load.
 */
export function assertPromotedOnlyByControl(control: { name: string; bytes: number }, structure: { name: string; bytes: number }, why: string): void {
  assert.ok(
    control.bytes > 20e6,
    `the control: a churned ${control.name} promoted ${control.bytes} bytes (65–80 MB expected); if V8 no longer keeps deleted entries, ${why}`,
  );
  assert.ok(
    structure.bytes < 10e6 && structure.bytes * 5 < control.bytes,
    `a churned ${structure.name} promoted ${structure.bytes} bytes, the ${control.name} ${control.bytes}: it should keep only the few alive at each scavenge`,
  );
}
