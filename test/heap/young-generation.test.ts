/**
 * src/heap/young-generation.ts: the main thread's semi-spaces grow to the target and no further under
 * sustained allocation, and a thread started after the pin has its semi-spaces whole from its start. V8's
 * flags are process-wide, so each case runs in a node process of its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { growthFactor } from '../../src/heap/young-generation.js';

const MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/heap/young-generation.ts')).href;

/**
 * Runs `setup` in a fresh node (tsx for the module), then starts a thread as the delivery thread is made
 * (unless `thread` is false), then a workload that grows semi-spaces: objects that live across a few
 * scavenges, allocated in short tasks as the relay's are. Returns the main thread's semi-space sizes seen
 * during the workload and the thread's at its start (MB).
 */
function inFreshNode(setup: string, { thread = true } = {}): { main: number[]; worker: number | null } {
  const script = `
    import v8 from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import * as young from ${JSON.stringify(MODULE)};
    ${setup}
    // A thread made as the delivery thread is (a 24 MB young generation: at most 8 MB semi-spaces) reports its semi-space.
    const probe = "import v8 from 'node:v8'; import { parentPort } from 'node:worker_threads';" +
      "const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');" +
      "parentPort.postMessage(s.space_used_size + s.space_available_size);";
    const startThread = () => {
      const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(probe)), { resourceLimits: { maxYoungGenerationSizeMb: 24 } });
      return new Promise((resolve) => worker.once('message', (b) => resolve(Math.ceil(b / 1048576))));
    };
    const workerSemi = ${thread} ? await startThread() : null;
    const seen = [];
    const keep = [];
    for (let task = 0; task < 300; task++) {
      for (let i = 0; i < 20000; i++) {
        keep.push({ i, s: 'line ' + i });
        if (keep.length > 30000) keep.splice(0, 15000);
      }
      seen.push(young.semiSpaceMb());
      await new Promise((resolve) => setImmediate(resolve));
    }
    console.log(JSON.stringify({ main: [...new Set(seen)], worker: workerSemi }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { main: number[]; worker: number | null };
}

test('the growth factor lands on the target in one growth, and is 1 once there', () => {
  assert.equal(growthFactor(1, 4), 4);
  assert.equal(growthFactor(2, 4), 2);
  assert.equal(growthFactor(3, 8), 3);
  // Never below 2 while below the target: a factor of 1 would hold a semi-space short of it for good.
  assert.equal(growthFactor(3, 4), 2);
  assert.equal(growthFactor(4, 4), 1);
  assert.equal(growthFactor(16, 4), 1);
});

test('without a hold the workload grows the main thread past 4 MB (what the other cases are measured against)', () => {
  const { main } = inFreshNode('');
  assert.ok(Math.max(...main) > 4, `main thread's semi-space sizes seen: ${main.join(', ')} MB`);
});

test('pinned, the main thread keeps its semi-space, and a thread started later has its own maximum from its start', () => {
  // One size throughout: whatever loading tsx left it at (1 or 2 MB), never grown.
  const alone = inFreshNode('young.pinYoungGeneration({ threadSemiSpaceMb: 8 });', { thread: false }).main;
  assert.ok(alone.length === 1 && alone[0]! <= 2, `main thread's semi-space sizes seen: ${alone.join(', ')} MB`);
  const { main, worker } = inFreshNode('young.pinYoungGeneration({ threadSemiSpaceMb: 8 });');
  assert.equal(worker, 8);
  // What steering is for: V8 puts the growth factor back to its default when a thread starts.
  assert.ok(Math.max(...main) > 4, `main thread's semi-space sizes seen after a thread started: ${main.join(', ')} MB`);
});

test('steered to 4 MB, the main thread grows to 4 MB and stays there under the same workload, also after a thread started', () => {
  const { main, worker } = inFreshNode('young.pinYoungGeneration({ threadSemiSpaceMb: 8 }); young.steerMainYoungGeneration({ semiSpaceMb: 4 });');
  assert.equal(Math.max(...main), 4, `main thread's semi-space sizes seen: ${main.join(', ')} MB`);
  assert.equal(worker, 8);
});

test('sizes outside 1–64 MB are refused with the name of the setting', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `import * as y from ${JSON.stringify(MODULE)}; y.steerMainYoungGeneration({ semiSpaceMb: 0 });`],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /semiSpaceMb must be a whole number of MB from 1 to 64 \(got 0\)/);
});
