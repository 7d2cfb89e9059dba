/**
 * The DATA body as it goes on the wire (RFC 5321 §4.5.2): a dot at the start of a line doubled, bare CR
 * and bare LF turned into CRLF, and the closing `.` line. Byte for byte what nodemailer's DataStream sends
 * (test/message/dot-stuffing.test.ts compares the two), without its loop over every byte in JavaScript:
 * a stored message has only CRLF line ends (src/message/line-endings.ts), so the dots to double are found
 * with indexOf, and the body leaves as slices of the stored bytes.
 */
import { countBare } from './line-endings.js';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF_DOT = Buffer.from('\r\n.');
const DOT_ONLY = Buffer.from('.');

/** The pieces to write, in order: slices of `raw` and the inserted bytes, the closing line last. */
export function dotStuffed(raw: Buffer): Buffer[] {
  const pieces = countBare(raw) === 0 ? stuffCrlf(raw) : stuffAny(raw);
  pieces.push(Buffer.from(closing(raw.length ? raw[raw.length - 1] : null)));
  return pieces;
}

/** Only CRLF line ends: every line-starting dot follows CRLF, or is the first byte. */
function stuffCrlf(raw: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let from = 0;
  if (raw.length && raw[0] === DOT) pieces.push(DOT_ONLY);
  // Each "\r\n." keeps its own dot and gains one: the slice ends after the dot, the next starts at it.
  for (let i = raw.indexOf(CRLF_DOT); i >= 0; i = raw.indexOf(CRLF_DOT, i + 3)) {
    pieces.push(raw.subarray(from, i + 3));
    from = i + 2;
  }
  pieces.push(from === 0 ? raw : raw.subarray(from));
  return pieces;
}

/** Any line ends (not what intake stores; kept for byte-for-byte equality with DataStream). */
function stuffAny(raw: Buffer): Buffer[] {
  const out: number[] = [];
  let prev: number | null = null;
  for (const byte of raw) {
    if (prev === CR && byte !== LF) {
      out.push(LF);
      if (byte === DOT) out.push(DOT);
    } else if (byte === LF && prev !== CR) {
      out.push(CR);
    } else if (byte === DOT && (prev === LF || prev === null)) {
      out.push(DOT);
    }
    out.push(byte);
    prev = byte;
  }
  return [Buffer.from(out)];
}

/** The end of data after the body's last byte (null: an empty body). */
function closing(last: number | null): string {
  if (last === LF) return '.\r\n';
  if (last === CR) return '\n.\r\n';
  return '\r\n.\r\n';
}
