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

test('the header block ends at the first empty line, whatever ends it and wherever the chunks split it', () => {
  const header = 'A: 1\r\nB: 2\r\n'; // 12 octets before the empty line
  const cases: [string, string[]][] = [
    ['CRLF, one chunk', [`${header}\r\nbody\r\n`]],
    ['CRLF split between CR and LF', [`${header}\r`, '\nbody\r\n']],
    ['empty line in the next chunk', [header, '\r\nbody\r\n']],
    ['byte by byte', [...`${header}\r\nbody\r\n`]],
  ];
  for (const [name, chunks] of cases) {
    for (const [limit, tooLarge] of [
      [12, false],
      [11, true],
    ] as const) {
      const check = new DataLineCheck(998, limit);
      for (const c of chunks) check.feed(Buffer.from(c, 'latin1'));
      check.end();
      assert.equal(check.headerTooLarge, tooLarge, `${name}, limit ${limit}`);
    }
  }
  const bareLf = new DataLineCheck(998, 8);
  bareLf.feed(Buffer.from('A: 1\nB: 2\n\nbody that is long enough\n'));
  assert.equal(bareLf.headerTooLarge, true, 'bare LF: 10 octets of header');
  const noHeader = new DataLineCheck(998, 1024);
  noHeader.feed(Buffer.from(`\r\n${'x'.repeat(900)}\r\n`.repeat(3)));
  assert.equal(noHeader.headerTooLarge, false, 'an empty header and a large body');
  const endless = new DataLineCheck(998, 100);
  endless.feed(Buffer.from('X: y\r\n'.repeat(30)));
  assert.equal(endless.headerTooLarge, true, 'no empty line: all header');
});

test('the data line check and toCrlf agree with a byte-by-byte reading on any bytes, in any chunks', () => {
  let seed = 11;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = [0x0d, 0x0a, 0x61, 0x62, 0x63];
  for (let n = 0; n < 1000; n++) {
    const raw = Buffer.from(Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]!));
    // The reading the checks must match: a line ends at CRLF, a bare CR or a bare LF.
    let longest = 0;
    let bare = 0;
    let current = 0;
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === 0x0d) {
        if (raw[i + 1] === 0x0a) i++;
        else bare++;
        current = 0;
      } else if (raw[i] === 0x0a) {
        bare++;
        current = 0;
      } else longest = Math.max(longest, ++current);
    }
    const check = new DataLineCheck(10);
    for (let from = 0; from < raw.length; ) {
      const to = Math.min(raw.length, from + Math.floor(random() * 6));
      check.feed(raw.subarray(from, to));
      from = to;
    }
    check.end();
    const label = JSON.stringify(raw.toString());
    assert.equal(check.longest, longest, label);
    assert.equal(check.bare, bare, label);
    assert.equal(toCrlf(raw).bare, bare, label);
  }
});
