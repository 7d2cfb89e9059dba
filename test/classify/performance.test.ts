/**
 * classify() runs on the delivery hot path and thousands of times a second in the bounce parser. Its
 * speed is measured by the bench (bounces scenario); here only what load cannot fake: no call takes
 * pathological time (a loose ceiling, 25× the 20 µs budget, so a shared machine does not fail it), and
 * the cost grows linearly with the text (no expression that backtracks on long diagnostics).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/index.js';
import type { ResponseInput } from '../../src/classify/types.js';

const SAMPLES: ResponseInput[] = [
  { phase: 'rcpt', code: 250, enhanced: '2.1.5', text: 'Ok' },
  { phase: 'data', code: 250, enhanced: '2.0.0', text: 'Ok: queued as 4Vb1Qm2kX9z3' },
  {
    phase: 'rcpt',
    code: 550,
    enhanced: '5.1.1',
    text: "The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos or\n5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser - gsmtp",
  },
  {
    phase: 'rcpt',
    code: 450,
    enhanced: '4.2.0',
    text: '<jane@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html',
  },
  { phase: 'connect', code: 554, enhanced: '5.7.1', text: 'Service unavailable; Client host [198.51.100.23] blocked using zen.spamhaus.org' },
  { phase: 'rcpt', code: 550, enhanced: null, text: '<jane@example.org>: Recipient address rejected: User unknown in virtual mailbox table' },
  { phase: 'connect', code: null, enhanced: null, text: 'connect ECONNREFUSED 127.0.1.5:25' },
  { phase: 'dsn', code: null, enhanced: '5.2.2', text: 'smtp; 552 5.2.2 <jane@example.org>: user is over quota' },
  { phase: 'dsn', code: null, enhanced: '4.4.7', text: 'smtp; 421 4.4.7 Message expired' },
  { phase: 'data', code: 554, enhanced: '5.7.1', text: 'Message rejected as spam by Content Filtering.' },
  { phase: 'rcpt', code: 421, enhanced: '4.7.0', text: '[TSS04] Messages from 198.51.100.23 temporarily deferred due to unexpected volume or user complaints' },
  { phase: 'rcpt', code: 550, enhanced: null, text: 'Requested action not taken: the quick brown fox near mx42.example.net [192.0.2.1] id=ABCDEF' },
];

test('classify stays well under its time budget', () => {
  for (let i = 0; i < 5000; i++) classify(SAMPLES[i % SAMPLES.length]!);
  const n = 60_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) classify(SAMPLES[i % SAMPLES.length]!);
  const us = Number(process.hrtime.bigint() - t0) / n / 1000;
  console.log(`# classify: ${us.toFixed(2)} µs per call`);
  assert.ok(us < 500, `${us.toFixed(1)} µs per call`);
});

test('a long diagnostic costs time in proportion to its length', () => {
  // The fastest of several rounds, so a busy machine's pauses do not count; 10× the text may cost at most
  // about 10× (40× allowed), where a backtracking expression would cost 100× or more.
  const perCall = (kb: number) => {
    const input: ResponseInput = { phase: 'dsn', code: null, enhanced: '5.0.0', text: 'blah '.repeat(kb * 200) };
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 40; i++) classify(input);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 40 / 1000);
    }
    return best;
  };
  perCall(10); // warm up
  const short = perCall(10);
  const long = perCall(100);
  console.log(`# classify: ${short.toFixed(0)} µs on 10 kB, ${long.toFixed(0)} µs on 100 kB`);
  assert.ok(long < short * 40, `100 kB took ${long.toFixed(0)} µs per call, 10 kB ${short.toFixed(0)} µs: the cost grows faster than the text`);
  assert.ok(long < 50_000, `${long.toFixed(0)} µs per call on 100 kB of text`);
});
