/**
 * Tests of whole notices read end to end: each case is a mail, the kind it should be read as (a bounce unless
 * said), its failed recipients and the one category and hard/soft they all share.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../src/bounces/parse/index.js';

export interface NoticeCase {
  name: string;
  mail: Buffer;
  kind?: string;
  recipients: string[];
  category: string;
  hard: boolean;
}

/** One test per case; a failure shows each recipient's deciding rule and diagnostic. */
export function noticeCases(cases: readonly NoticeCase[]): void {
  for (const c of cases) {
    test(c.name, async () => {
      const r = await parseBounce(c.mail);
      const got = { kind: r.kind, recipients: r.recipients.map((x) => ({ address: x.address, category: x.category, hard: x.hard })) };
      const want = { kind: c.kind ?? 'bounce', recipients: c.recipients.map((address) => ({ address, category: c.category, hard: c.hard })) };
      assert.deepEqual(got, want, r.recipients.map((x) => `${x.evidence?.rule}: ${x.diagnostic}`).join(' | '));
    });
  }
}
