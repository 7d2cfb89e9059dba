/**
 * `mailtrail parse-bounce` without --json: the lines a person reads say how certain a verdict is, where a
 * forwarded recipient failed, and which line decided when it was not the recipient's own diagnostic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarise } from '../../src/cli/commands/parse-bounce.js';
import type { ParseResult } from '../../src/bounces/types.js';

const result = (over: Partial<ParseResult['recipients'][number]>): ParseResult => ({
  file: 'x.eml',
  kind: 'bounce',
  format: 'rfc3464',
  recipients: [
    { address: 'jane@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 Unable to deliver', category: 'mailbox-unknown', hard: true, ...over },
  ],
  original_message_id: null,
  envelope_id: null,
  reporting_mta: null,
  feedback_type: null,
});

test('the verdict line carries the confidence; a forward shows where it failed; evidence from elsewhere is named', () => {
  const text = summarise(
    result({
      confidence: 'medium',
      final_recipient: 'jane.doe@elsewhere.example',
      evidence: { source: 'notice', rule: 'wording:user-unknown', text: 'The recipient mailbox does not exist.' },
    }),
  );
  assert.match(text, /jane@example\.com {2}failed 5\.1\.1 mailbox-unknown hard \(medium confidence\)/);
  assert.match(text, /failed at: jane\.doe@elsewhere\.example/);
  assert.match(text, /decided by \(notice\): The recipient mailbox does not exist\./);
});

test("the recipient's own diagnostic is not repeated as evidence, and an unforwarded recipient shows no forward", () => {
  const text = summarise(
    result({
      confidence: 'high',
      final_recipient: 'Jane@Example.com',
      evidence: { source: 'diagnostic', rule: 'enhanced:X.1.1', text: '550 Unable to deliver' },
    }),
  );
  assert.doesNotMatch(text, /decided by|failed at/);
});
