/**
 * The Subject header as a person reads it, for search and display: RFC 2047 encoded-words decoded
 * (`=?UTF-8?B?…?=`, `=?iso-8859-1?Q?…?=`), whitespace folded, control characters dropped, at most
 * 300 characters. Never throws: an unknown charset or a broken word is kept as written.
 */

const MAX = 300;
const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
// Whitespace between two encoded-words is not part of the text (RFC 2047 §6.2).
const BETWEEN_WORDS = /(\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?)/g;

function decodeWord(charset: string, encoding: string, text: string): string | null {
  let bytes: Buffer;
  if (encoding.toUpperCase() === 'B') bytes = Buffer.from(text, 'base64');
  else
    bytes = Buffer.from(
      text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  try {
    // RFC 2231 language suffix: `utf-8*en`.
    return new TextDecoder(charset.split('*')[0].toLowerCase()).decode(bytes);
  } catch {
    return null;
  }
}

export function readableSubject(value: string): string {
  const decoded = value
    .replace(BETWEEN_WORDS, '$1')
    .replace(ENCODED_WORD, (word, charset: string, enc: string, text: string) => decodeWord(charset, enc, text) ?? word);
  const clean = decoded
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > MAX ? clean.slice(0, MAX - 1) + '…' : clean;
}
