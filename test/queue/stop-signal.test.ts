/**
 * src/queue/stop-signal.ts: the scheduler's stop signals behave as an AbortSignal does for delivery's use of
 * it; and the reason they are not one: listeners removed from an AbortSignal keep the ones added after them
 * alive through scavenges (Node 20), a StopSignal's do not.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StopSignal } from '../../src/queue/stop-signal.js';
import { promotedDuringChurn } from '../helpers/promoted.js';

const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/queue/stop-signal.ts');

test('abort runs each listener still added once, in the caller’s turn; removed ones do not run', () => {
  const stop = new StopSignal();
  const heard: string[] = [];
  const a = () => heard.push('a');
  const b = () => heard.push('b');
  const c = () => heard.push('c');
  stop.addEventListener('abort', a);
  stop.addEventListener('abort', a); // the same listener twice is one, as on an AbortSignal
  stop.addEventListener('abort', b);
  stop.addEventListener('abort', c);
  stop.removeEventListener('abort', b);
  stop.removeEventListener('abort', b); // removing it again changes nothing
  assert.equal(stop.aborted, false, 'not aborted before abort()');
  stop.abort();
  assert.equal(stop.aborted, true);
  assert.deepEqual(heard.sort(), ['a', 'c'], 'each listener still added ran once, synchronously');
  stop.abort();
  assert.equal(heard.length, 2, 'a second abort runs nothing');
  stop.addEventListener('abort', b);
  assert.equal(heard.length, 2, 'a listener added after the abort is not run, as on an AbortSignal');
});

test('a listener that throws does not keep the others from running; abort then throws its error', () => {
  const stop = new StopSignal();
  let ran = false;
  stop.addEventListener('abort', () => {
    throw new Error('listener failed');
  });
  stop.addEventListener('abort', () => {
    ran = true;
  });
  assert.throws(() => stop.abort(), /listener failed/);
  assert.equal(ran, true, 'the second listener ran');
});

/**
 * In a fresh node: 20 deliveries running at a time, each listening for the stop with a closure that holds
 * about 10 KB, each replaced by a new one 30,000 times; the listeners in flight when the churn starts are
 * promoted first (the harness ages them), as a delivery alive across two scavenges is in the relay.
 */
function promotedBytes(kind: 'AbortSignal' | 'StopSignal'): number {
  const script = `
    const kind = ${JSON.stringify(kind)};
    const signal = kind === 'AbortSignal' ? new AbortController().signal : new StopSignal();
    const fifo = [];
    const step = () => {
      const job = { recipients: Array.from({ length: 150 }, (_, i) => ({ i })) };
      const onAbort = () => job.recipients.length;
      signal.addEventListener('abort', onAbort, { once: true });
      fifo.push(onAbort);
      if (fifo.length > 20) signal.removeEventListener('abort', fifo.shift());
    };
  `;
  return promotedDuringChurn(SOURCE, script);
}

test('listeners churned on an AbortSignal are kept through scavenges; on a StopSignal they are not (Node 20 behaviour)', (t) => {
  const abortSignal = promotedBytes('AbortSignal');
  const stopSignal = promotedBytes('StopSignal');
  t.diagnostic(`promoted during the churn: AbortSignal ${abortSignal} bytes, StopSignal ${stopSignal} bytes`);
  // About 300 MB of jobs are made; an AbortSignal's removed listeners kept 25–31 MB of them here.
  assert.ok(
    abortSignal > 10e6,
    `the control: listeners churned on an AbortSignal promoted ${abortSignal} bytes; if Node no longer does, StopSignal is not needed`,
  );
  assert.ok(stopSignal < 2e6, `listeners churned on a StopSignal promoted ${stopSignal} bytes (AbortSignal: ${abortSignal})`);
});
