import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readableSubject } from '../../src/intake/subject.js';

test('RFC 2047 encoded-words are decoded, B and Q, in any charset Node knows; the space between two words goes', () => {
  assert.equal(readableSubject('=?UTF-8?B?SWhyZSBCZXN0ZWxsdW5nIMO8YmVy?= 40 =?utf-8?q?=E2=82=AC?='), 'Ihre Bestellung über 40 €');
  assert.equal(readableSubject('=?iso-8859-1?Q?Caf=E9_cr=E8me?='), 'Café crème');
  assert.equal(readableSubject('=?UTF-8?B?UmU6?=   =?UTF-8?B?IG9yZGVy?='), 'Re: order');
});

test('unknown charsets and broken words stay as written; whitespace and control characters are folded', () => {
  assert.equal(readableSubject('=?x-unknown?B?SGk=?= there'), '=?x-unknown?B?SGk=?= there');
  assert.equal(readableSubject('  two\r\n\t lines\x07 '), 'two lines');
  assert.equal(readableSubject('x'.repeat(400)).length, 300);
});
