import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinMessage, splitMessage } from '../../src/message/headers.js';

const split = (text: string) => {
  const { fields, rest } = splitMessage(Buffer.from(text, 'latin1'));
  return { fields: fields.map((f) => [f.name, f.raw]), rest: rest.toString('latin1') };
};

test('a message splits into its fields (continuation lines joined) and the rest from the blank line on, body lines that look like fields included', () => {
  assert.deepEqual(split('From: a@b.example\r\nSubject: one\r\n two\r\n\r\nTo: not-a-field@x.example\r\nbody\r\n'), {
    fields: [
      ['From', 'From: a@b.example\r\n'],
      ['Subject', 'Subject: one\r\n two\r\n'],
    ],
    rest: '\r\nTo: not-a-field@x.example\r\nbody\r\n',
  });
});

test('a message that is all header, with or without its last CRLF, has an empty rest; joined again it gets its blank line', () => {
  assert.deepEqual(split('From: a@b.example\r\nX-A: 1\r\n'), {
    fields: [
      ['From', 'From: a@b.example\r\n'],
      ['X-A', 'X-A: 1\r\n'],
    ],
    rest: '',
  });
  assert.deepEqual(split('From: a@b.example\r\nX-A: 1'), {
    fields: [
      ['From', 'From: a@b.example\r\n'],
      ['X-A', 'X-A: 1\r\n'],
    ],
    rest: '',
  });
  const { fields, rest } = splitMessage(Buffer.from('X-A: 1\r\n'));
  assert.equal(joinMessage([], fields, rest).toString('latin1'), 'X-A: 1\r\n\r\n');
});

test('the header ends at the first line that is neither a field nor a continuation, even before the blank line', () => {
  assert.deepEqual(split('From: a@b.example\r\nthis is no field\r\nX-B: 2\r\n\r\nbody'), {
    fields: [['From', 'From: a@b.example\r\n']],
    rest: 'this is no field\r\nX-B: 2\r\n\r\nbody',
  });
  assert.deepEqual(split('\r\nFrom: a@b.example\r\n'), { fields: [], rest: '\r\nFrom: a@b.example\r\n' });
});

test('8-bit bytes in the header and the body survive the split and the join byte for byte', () => {
  const raw = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from('\r\n\r\n'), Buffer.from([0x80, 0xfe, 0x0d, 0x0a])]);
  const { fields, rest } = splitMessage(raw);
  assert.equal(fields.length, 1);
  assert.deepEqual(joinMessage([], fields, rest), raw);
});
