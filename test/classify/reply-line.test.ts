import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replyLine } from '../../src/classify/reply-line.js';

test('code, status and text are each written once, even when the text repeats them', () => {
  // What a server that puts the status in its text gives: code 250, status 2.1.0, text "2.1.0 Ok".
  assert.equal(replyLine({ code: 250, enhanced: '2.1.0', text: '2.1.0 Ok' }), '250 2.1.0 Ok');
  // A DSN's Diagnostic-Code as reported: type, code and status inside the text.
  assert.equal(
    replyLine({ code: 550, enhanced: '5.1.1', text: 'smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected' }),
    '550 5.1.1 <bob@example.org>: Recipient address rejected',
  );
  assert.equal(replyLine({ code: 550, enhanced: '5.1.1', text: 'User unknown' }), '550 5.1.1 User unknown');
});

test("codes only in the text are taken from it; codes that differ from the reply's own stay in the text", () => {
  assert.equal(replyLine({ code: null, enhanced: null, text: '552 5.2.2 Mailbox full' }), '552 5.2.2 Mailbox full');
  assert.equal(replyLine({ code: null, enhanced: '5.2.2', text: 'smtp; 552 5.2.2 Mailbox full' }), '552 5.2.2 Mailbox full');
  assert.equal(replyLine({ code: 550, enhanced: '5.7.1', text: '5.1.1 User unknown' }), '550 5.7.1 5.1.1 User unknown');
});

test('multi-line replies: the first line by default, or every line joined, each without its repeated status', () => {
  const r = { code: 550, enhanced: '5.1.1', text: '5.1.1 The email account that you tried to reach does not exist.\n5.1.1 Please try double-checking.' };
  assert.equal(replyLine(r), '550 5.1.1 The email account that you tried to reach does not exist.');
  assert.equal(replyLine(r, { join: ' / ' }), '550 5.1.1 The email account that you tried to reach does not exist. / Please try double-checking.');
  assert.equal(replyLine(r, { join: ' ', max: 30 }), '550 5.1.1 The email account t…');
});

test('no reply at all reads as such; a network error without a code is kept as it is', () => {
  assert.equal(replyLine({ code: null, enhanced: null, text: null }), '(no reply)');
  assert.equal(replyLine({ code: null, enhanced: null, text: 'connect ECONNREFUSED 127.0.9.9:25' }), 'connect ECONNREFUSED 127.0.9.9:25');
});

test('the first line of a multi-line reply ends at its line break, CRLF or LF, without its surrounding blanks', () => {
  assert.equal(replyLine({ code: 250, enhanced: null, text: '  mx.example.com Hello \r\nPIPELINING\r\nSIZE 10240000' }), '250 mx.example.com Hello');
  assert.equal(replyLine({ code: 250, enhanced: null, text: '250-mx.example.com\n250 SIZE 1000' }), '250 mx.example.com');
  assert.equal(replyLine({ code: 421, enhanced: '', text: '\nsecond line only' }), '421');
  assert.equal(replyLine({ code: null, enhanced: null, text: '\r\n' }), '(no reply)');
});
