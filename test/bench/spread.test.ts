/**
 * The benchmark's reading of repeated runs (bench/lib/spread.ts): medians, spreads, ratios of medians and
 * the verdict that says "overlaps" when the runs do not settle a target.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, judgeFigure, judgeRatio, median, ratioOf, spreadOf, spreadText, summarise } from '../../bench/lib/spread.js';

test('the median of an odd count is the middle value, of an even count the mean of the middle two', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), /no values/);
});

test('a spread leaves out runs that gave no number (a failed run), and is null when none did', () => {
  assert.deepEqual(spreadOf([300, null, 500, 400, 'x', Number.NaN]), { median: 400, min: 300, max: 500, n: 3 });
  assert.equal(spreadOf([null, undefined]), null);
});

test('summarise gives each figure its spread over the runs, keeps texts, and takes keys from every run', () => {
  const s = summarise([
    { e2e: 500, level: 'warn' },
    { e2e: 300, level: 'warn', late: 1 },
    { e2e: 400, level: 'warn' },
  ]);
  assert.deepEqual(s.e2e, { median: 400, min: 300, max: 500, n: 3 });
  assert.equal(s.level, 'warn');
  assert.deepEqual(s.late, { median: 1, min: 1, max: 1, n: 1 });
});

test('a ratio of medians spans from the lowest numerator over the highest denominator to the reverse', () => {
  const a = { median: 1000, min: 900, max: 1200, n: 3 };
  const b = { median: 500, min: 400, max: 600, n: 3 };
  assert.deepEqual(ratioOf(a, b), { value: 2, low: 1.5, high: 3 });
  assert.equal(ratioOf(a, { median: 0, min: 0, max: 10, n: 3 }), null, 'no ratio over a zero');
});

test('a ratio is met only when its whole range meets the target, missed when none of it does, else overlaps', () => {
  const mailtrail = { median: 1000, min: 950, max: 1050, n: 3 };
  const slowPeer = { median: 300, min: 290, max: 310, n: 3 };
  const closePeer = { median: 330, min: 300, max: 400, n: 3 };
  const fastPeer = { median: 900, min: 850, max: 950, n: 3 };

  assert.equal(judgeRatio(mailtrail, slowPeer, { op: '>=', value: 3 })?.verdict, 'met'); // 3.06–3.62
  const close = judgeRatio(mailtrail, closePeer, { op: '>=', value: 3 })!; // 2.375–3.5, median 3.03
  assert.equal(close.verdict, 'overlaps');
  assert.equal(close.median_meets, true, 'the median alone would have said met: the range says overlaps');
  assert.equal(judgeRatio(mailtrail, fastPeer, { op: '>=', value: 3 })?.verdict, 'missed');
});

test('an upper bound (CPU per message ≤ 0.3× the peer) is judged the same way, the other way round', () => {
  const cpu = { median: 0.9, min: 0.8, max: 1.0, n: 3 };
  assert.equal(judgeRatio(cpu, { median: 4, min: 3.5, max: 4.5, n: 3 }, { op: '<=', value: 0.3 })?.verdict, 'met'); // 0.18–0.29
  const o = judgeRatio(cpu, { median: 3.1, min: 2.9, max: 3.2, n: 3 }, { op: '<=', value: 0.3 })!; // 0.25–0.34, median 0.29
  assert.equal(o.verdict, 'overlaps');
  assert.equal(o.median_meets, true);
  assert.equal(judgeRatio(cpu, { median: 2, min: 1.9, max: 2.1, n: 3 }, { op: '<=', value: 0.3 })?.verdict, 'missed');
});

test('a single figure against a bound: every run must meet it', () => {
  assert.equal(judgeFigure({ median: 30, min: 25, max: 45, n: 3 }, { op: '<=', value: 50 }).verdict, 'met');
  const o = judgeFigure({ median: 40, min: 25, max: 80, n: 3 }, { op: '<=', value: 50 });
  assert.deepEqual([o.verdict, o.median_meets], ['overlaps', true]);
  assert.equal(judgeFigure({ median: 0, min: 0, max: 0, n: 3 }, { op: '<=', value: 0 }).verdict, 'met', 'no refused connection in any run');
  // One run: no range, so met or missed.
  assert.equal(judge(2.9, 2.9, 2.9, { op: '>=', value: 3 }).verdict, 'missed');
});

test('a spread prints as median (min–max), and as one number when the runs agree', () => {
  assert.equal(spreadText({ median: 1023.4, min: 980, max: 1101, n: 3 }), '1,023 (980–1,101)');
  assert.equal(spreadText({ median: 1.234, min: 1.1, max: 1.5, n: 3 }), '1.23 (1.10–1.50)');
  assert.equal(spreadText({ median: 2000, min: 2000, max: 2000, n: 3 }), '2,000');
  assert.equal(spreadText({ median: 0, min: 0, max: 0, n: 3 }), '0');
});
