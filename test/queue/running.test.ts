/**
 * src/queue/running.ts: the scheduler's running jobs with their runs, and the reason they are not in a Map:
 * jobs deleted from it are not kept alive through scavenges by hash tables V8 left behind (a Map's are).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunningJobs } from '../../src/queue/running.js';
import { assertPromotedOnlyByControl, controlPromoted, promotedDuringChurn } from '../helpers/promoted.js';

const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/queue/running.ts');

test('running jobs are added and deleted with their runs; the lists are snapshots', async () => {
  const running = new RunningJobs<{ n: number }>();
  const jobs = [0, 1, 2, 3].map((n) => ({ n }));
  for (const job of jobs) running.add(job, Promise.resolve());
  assert.equal(running.size, 4);
  assert.equal(running.delete(jobs[1]), true);
  assert.equal(running.delete(jobs[1]), false, 'a second delete finds nothing');
  assert.equal(running.delete({ n: 1 }), false, 'an equal job that was never added is not found');
  assert.deepEqual(
    running.jobs().map((j) => j.n),
    [0, 3, 2],
    'the last job moves into the hole',
  );
  const snapshot = running.jobs();
  running.delete(jobs[0]);
  assert.equal(snapshot.length, 3, 'a list taken before a delete keeps its entries');
  assert.equal(running.size, 2);
});

test('each job keeps its own run when another is deleted', async () => {
  const running = new RunningJobs<string>();
  running.add('a', Promise.resolve());
  running.add('b', new Promise(() => {}));
  running.add('c', Promise.reject(new Error('c failed')));
  running.delete('a');
  const settled = await Promise.race([Promise.allSettled(running.runs()), new Promise((r) => setTimeout(() => r('pending'), 50))]);
  assert.equal(settled, 'pending', "b's run, moved or not, is still awaited");
  running.delete('b');
  const [c] = await Promise.allSettled(running.runs());
  assert.equal(c.status, 'rejected', "what is left is c's run");
  assert.deepEqual(running.jobs(), ['c']);
});

/**
 * In a fresh node: 20 jobs of about 10 KB running at a time, each replaced by a new one 30,000 times, as with
 * a delivery per message; the structure is made first and left to age into the old generation, as the
 * scheduler's is. Returns the bytes V8 promoted during the churn.
 */
function promotedBytes(kind: 'Map' | 'RunningJobs'): number {
  const script = `
    const kind = ${JSON.stringify(kind)};
    const running = kind === 'Map' ? new Map() : new RunningJobs();
    const fifo = [];
    const step = () => {
      const job = { recipients: Array.from({ length: 150 }, (_, i) => ({ i })) };
      const run = Promise.resolve();
      if (kind === 'Map') running.set(job, run); else running.add(job, run);
      fifo.push(job);
      if (fifo.length > 20) running.delete(fifo.shift());
    };
  `;
  return promotedDuringChurn(SOURCE, script);
}

test('jobs deleted from the running list are not kept through scavenges; from a Map they are (V8 20.x behaviour)', (t) => {
  const map = controlPromoted(() => promotedBytes('Map'));
  const running = promotedBytes('RunningJobs');
  t.diagnostic(`promoted during the churn: Map ${map} bytes, RunningJobs ${running} bytes`);
  assertPromotedOnlyByControl({ name: 'Map', bytes: map }, { name: 'RunningJobs', bytes: running }, 'RunningJobs is not needed');
});
