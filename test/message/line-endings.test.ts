import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCrlf } from '../../src/message/line-endings.js';
import { DataLineCheck } from '../../src/submission/data-stream.js';

test('every bare CR and bare LF becomes CRLF; CRLF stays; clean input is returned untouched', () => {
  const cases: [string, string, number][] = [
    ['a\r\nb', 'a\r\nb', 0],
    ['a\nb', 'a\r\nb', 1],
    ['a\rb', 'a\r\nb', 1],
    ['\n.\n', '\r\n.\r\n', 2],
    ['\r.\r', '\r\n.\r\n', 2],
    ['\r\r\n\n', '\r\n\r\n\r\n', 2],
    ['end\r', 'end\r\n', 1],
  ];
  for (const [input, output, bare] of cases) {
    const r = toCrlf(Buffer.from(input));
    assert.equal(r.data.toString(), output, JSON.stringify(input));
    assert.equal(r.bare, bare, JSON.stringify(input));
  }
  const clean = Buffer.from('x\r\ny\r\n');
  assert.equal(toCrlf(clean).data, clean);
});

test('the data line check counts octets between any line endings, across chunk boundaries', () => {
  const check = new DataLineCheck(5);
  for (const chunk of ['12345\r', '\n1234', '5\n12\r', '3']) check.feed(Buffer.from(chunk));
  check.end();
  assert.equal(check.longest, 5);
  assert.equal(check.tooLong, false);
  assert.equal(check.bare, 2);
  const over = new DataLineCheck(5);
  over.feed(Buffer.from('123'));
  over.feed(Buffer.from('456\r\n'));
  assert.equal(over.tooLong, true);
});
