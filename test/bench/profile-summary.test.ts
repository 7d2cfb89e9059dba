/** bench/lib/profile-summary.ts --parts: a CPU profile's busy time split by the part of the relay's work. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parts } from '../../bench/lib/profile-summary.js';

const frame = (id: number, functionName: string, url = '') => ({ id, callFrame: { functionName, url, lineNumber: 0 } });

test('busy time is split by part, idle left out, an unknown frame counted as other', () => {
  const profile = {
    nodes: [
      frame(1, '(idle)'),
      frame(2, 'writeUtf8String'),
      frame(3, '_onCommand', 'file:///x/node_modules/smtp-server/dist/esm/smtp-connection.js'),
      frame(4, 'get', 'file:///x/dist/abc/store/sqlite/users.js'),
      frame(5, 'somethingNew', 'file:///x/dist/abc/elsewhere.js'),
    ],
    samples: [1, 1, 2, 2, 3, 4, 5, 1],
    timeDeltas: [1000, 1000, 3000, 3000, 2000, 1000, 1000, 5000],
    startTime: 0,
    endTime: 17000,
  };
  const out = parts(profile);
  assert.match(out, /sampled 17 ms, busy 10 ms/);
  assert.match(out, /60\.0% +6 ms +socket writes/);
  assert.match(out, /20\.0% +2 ms +smtp-server/);
  assert.match(out, /10\.0% +1 ms +AUTH/);
  assert.match(out, /10\.0% +1 ms +other/);
  assert.doesNotMatch(out, /idle/);
});
