/**
 * The read model's remembered classifier (src/query/remembered-classify.ts) answers exactly as classify()
 * does, for inputs that differ in one field only, and from memory the second time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../../src/classify/index.js';
import type { ResponseInput } from '../../src/classify/types.js';
import { rememberedClassify } from '../../src/query/remembered-classify.js';

// Same texts with other codes, statuses, phases, errors and reported phases: each a different question.
const INPUTS: ResponseInput[] = [
  { phase: 'rcpt', code: 250, enhanced: '2.1.5', text: 'Ok' },
  { phase: 'mail', code: 250, enhanced: '2.1.0', text: 'Ok' },
  { phase: 'data', code: 250, enhanced: '2.0.0', text: 'Ok' },
  { phase: 'rcpt', code: 550, enhanced: '5.1.1', text: 'Ok' },
  { phase: 'rcpt', code: 550, enhanced: null, text: 'The email account that you tried to reach does not exist' },
  { phase: 'rcpt', code: 550, enhanced: '5.1.1', text: 'The email account that you tried to reach does not exist' },
  { phase: 'rcpt', code: 451, enhanced: '4.7.1', text: 'Greylisted, try again later' },
  { phase: 'connect', code: null, enhanced: null, text: null, error: 'ECONNREFUSED' },
  { phase: 'connect', code: null, enhanced: null, text: null, error: 'ETIMEDOUT' },
  { phase: 'connect', code: null, enhanced: null, text: null },
  { phase: null, code: null, enhanced: null, text: null },
  { phase: null, code: null, enhanced: null, text: '' },
  { phase: 'dsn', code: 550, enhanced: '5.1.1', text: 'smtp; 550 5.1.1 User unknown' },
  { phase: 'dsn', code: 550, enhanced: '5.1.1', text: 'smtp; 550 5.1.1 User unknown', reportedPhase: 'data' },
  { phase: 'dsn', code: 552, enhanced: '5.2.2', text: 'Mailbox full' },
];

test('every answer is the one classify() gives, asked once or again', () => {
  for (let round = 0; round < 2; round++)
    for (const input of INPUTS) assert.deepEqual(rememberedClassify(input), classify(input), `round ${round + 1}: ${JSON.stringify(input)}`);
});

test('a text seen before gets its answer kept, which nobody can change; a text seen once is not kept', () => {
  const input = { phase: 'rcpt', code: 250, enhanced: '2.1.5', text: 'Recipient OK (remembered test)' } as const;
  const first = rememberedClassify(input);
  assert.ok(!Object.isFrozen(first), 'the first sighting is answered, not kept');
  const second = rememberedClassify({ ...input });
  assert.ok(Object.isFrozen(second), 'the second sighting is kept, frozen');
  assert.equal(rememberedClassify({ ...input }), second, 'the third answer is the kept object');
});

test('more questions than it keeps: it starts again and still answers right', () => {
  for (let i = 0; i < 6_000; i++) {
    const input: ResponseInput = { phase: 'data', code: 250, enhanced: '2.0.0', text: `Ok: queued as Q${i}` };
    if (i % 997 === 0) assert.deepEqual(rememberedClassify(input), classify(input), `question ${i}`);
    else rememberedClassify(input);
  }
  assert.deepEqual(rememberedClassify(INPUTS[5]!), classify(INPUTS[5]!), 'an early question after the restart');
});
