/**
 * The same notice in other bytes gives the same reading. Every real mail of the bounce corpus (and the
 * fixtures beside these tests) is rewritten as transports and mail stores rewrite mail — line endings, its
 * text parts re-sent quoted-printable or base64, DSN field names in lower case or with other blanks, a
 * Diagnostic-Code folded elsewhere, blanks appended to lines, longer addresses, header names in lower case, a
 * folded Subject, another From form, media types capitalised — and must parse to the same
 * kind, number of recipients, and per recipient the same action, status, category and hard/soft. Rules that
 * depend on incidental bytes of the mails they were written from fail here (issue 16: mails from the same
 * MTAs, written differently).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import type { ParseResult } from '../../../src/bounces/types.js';
import {
  contentTypeSpelling,
  dsnFieldSpacing,
  foldSubject,
  fromWithComment,
  lowerCaseHeaderNames,
  longerAddresses,
  lowerCaseDsnFields,
  reencodeTextParts,
  refoldDiagnostic,
  toggleLineEndings,
  trailingBlanks,
} from '../../helpers/reencode-mail.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.resolve(process.env.BOUNCE_CORPUS ?? path.join(here, '../../../../shared/corpus/bounces/dev'));
const fixtures = path.join(here, '../fixtures');

const REWRITES: Record<string, (mail: string) => string> = {
  'line endings': toggleLineEndings,
  'text parts quoted-printable': (m) => reencodeTextParts(m, 'quoted-printable'),
  'text parts base64': (m) => reencodeTextParts(m, 'base64'),
  'DSN field names in lower case': lowerCaseDsnFields,
  'no blank after DSN field names': (m) => dsnFieldSpacing(m, ''),
  'a tab after DSN field names': (m) => dsnFieldSpacing(m, '\t'),
  'Diagnostic-Code folded elsewhere': refoldDiagnostic,
  'a blank at the end of every line': trailingBlanks,
  'longer addresses': longerAddresses,
  'header field names in lower case': lowerCaseHeaderNames,
  'Subject folded': foldSubject,
  'From as address (name)': fromWithComment,
  'media types capitalised, boundary unquoted': contentTypeSpelling,
};

/** What must not change (addresses may: one rewrite lengthens them). */
function reading(r: ParseResult): string {
  return [r.kind, r.recipients.length, ...r.recipients.map((x) => `${x.action}/${x.status}/${x.category}/${x.hard}`)].join(' ');
}

function mails(): Array<[string, string]> {
  const out: Array<[string, string]> = readdirSync(fixtures)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => [`fixtures/${f}`, readFileSync(path.join(fixtures, f), 'latin1')]);
  if (existsSync(path.join(corpus, 'expected.jsonl'))) {
    const files = new Set(
      readFileSync(path.join(corpus, 'expected.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l).file as string),
    );
    for (const f of files) out.push([f, readFileSync(path.join(corpus, 'emails', f), 'latin1')]);
  }
  return out;
}

test('a notice rewritten as transports rewrite mail reads the same', () => {
  const all = mails();
  assert.ok(all.length >= 9, 'no mails to rewrite');
  const differ: string[] = [];
  const rewritten: Record<string, number> = {};
  for (const [name, mail] of all) {
    const before = reading(parseBounceSync(Buffer.from(mail, 'latin1')));
    for (const [how, rewrite] of Object.entries(REWRITES)) {
      const other = rewrite(mail);
      if (other === mail) continue;
      rewritten[how] = (rewritten[how] ?? 0) + 1;
      const after = reading(parseBounceSync(Buffer.from(other, 'latin1')));
      if (after !== before) differ.push(`${how}: ${name}\n  before ${before}\n  after  ${after}`);
    }
  }
  // Each rewrite changed some mails (else it tests nothing).
  for (const how of Object.keys(REWRITES)) assert.ok((rewritten[how] ?? 0) > 0, `${how} changed no mail`);
  assert.deepEqual(differ, []);
});
