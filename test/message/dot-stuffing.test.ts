import assert from 'node:assert/strict';
import { test } from 'node:test';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import { dotStuffed } from '../../src/message/dot-stuffing.js';

/** What nodemailer's DataStream sends for `raw` written in one piece, as smtp-client used to send it. */
function throughDataStream(raw: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const out: Buffer[] = [];
    stream.on('data', (c: Buffer) => out.push(c));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    stream.end(raw);
  });
}

const ours = (raw: Buffer) => Buffer.concat(dotStuffed(raw));

test('dots at line starts are doubled and the closing line added, as DataStream does', async () => {
  const cases = [
    '',
    '.',
    '..',
    'a',
    'a\r\n',
    '.a\r\n.b\r\n..c\r\nd.\r\n.',
    'Subject: x\r\n\r\n.\r\n.\r\n',
    'x\r\n.\r\n',
    'ends with CR\r',
    'bare\nlf\n.dot\n',
    'bare\rcr\r.dot\r',
    '\r\r\n\n.\n\r.',
  ];
  for (const c of cases) {
    const raw = Buffer.from(c);
    assert.deepEqual(ours(raw), await throughDataStream(raw), JSON.stringify(c));
  }
  assert.equal(ours(Buffer.from('.a\r\nb\r\n.c\r\n')).toString(), '..a\r\nb\r\n..c\r\n.\r\n');
});

test('any bytes give exactly what DataStream gives (random bodies of CR, LF, dots and letters)', async () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = [0x0d, 0x0a, 0x2e, 0x61, 0x62, 0x0d, 0x0a, 0x2e];
  for (let n = 0; n < 500; n++) {
    const raw = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]!));
    assert.deepEqual(ours(raw), await throughDataStream(raw), JSON.stringify(raw.toString()));
  }
  // CRLF-only bodies take the fast path; they must agree too.
  for (let n = 0; n < 500; n++) {
    const lines = Array.from({ length: Math.floor(random() * 8) }, () => ['', '.', '..', 'a', '.a', 'a.'][Math.floor(random() * 6)]);
    const raw = Buffer.from(lines.join('\r\n') + (random() < 0.5 ? '\r\n' : ''));
    assert.deepEqual(ours(raw), await throughDataStream(raw), JSON.stringify(raw.toString()));
  }
});
