/**
 * The machine's CPU as the per-message scenario reads it around each run (bench/lib/proc.ts), to tell a busy
 * machine from a slow server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineCpuSeconds } from '../../bench/lib/proc.js';

test("the machine's busy CPU grows by at least what this process burns meanwhile", () => {
  const before = machineCpuSeconds();
  const own = process.cpuUsage();
  const until = Date.now() + 300;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  const burnt = (process.cpuUsage(own).user + process.cpuUsage(own).system) / 1e6;
  const after = machineCpuSeconds();
  assert.ok(x > 0, 'the loop ran');
  // /proc/stat counts in ticks of 10 ms: allow two ticks of rounding.
  assert.ok(after.busy - before.busy >= burnt - 0.02, `busy grew by ${(after.busy - before.busy).toFixed(2)} s while this process used ${burnt.toFixed(2)} s`);
  assert.ok(after.iowait >= before.iowait, 'iowait only grows');
});
