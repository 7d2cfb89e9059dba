/**
 * DKIM-Signature fields for a message (RFC 6376; Ed25519 per RFC 8463), relaxed/relaxed.
 *
 * The body hash is mailauth's body canonicaliser. The header part is ours because mailauth's signer cannot
 * do two things this relay needs: oversigning (h= names a field once more than it occurs, so that nobody
 * can add a second From after signing; RFC 6376 §8.15) and byte-exact relaxed canonicalisation of 8-bit
 * (RFC 6532) header fields: it collapses `\s`, which on its latin1 strings also eats byte 0xA0 (the second
 * byte of UTF-8 "à"), so an independent verifier rejects such a signature. Here only SP and HTAB are WSP.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { dkimBody } from 'mailauth/lib/dkim/body/index.js';
import { splitMessage, type HeaderField } from '../message/headers.js';
import type { DkimAlgorithm } from '../store/deliverability.js';

export interface SigningKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  key: KeyObject;
}

export interface SignOptions {
  /** Field names signed, each occurrence present. */
  headers: readonly string[];
  /** Field names listed once more than they occur. */
  oversign: readonly string[];
  /** Signature time (t=), ms. */
  now: number;
}

export interface SignedFields {
  /** The DKIM-Signature fields, folded, each ending in CRLF: prepend them to the message. */
  fields: Buffer;
  /** h= as signed, lower-case, for the record. */
  signedHeaders: string[];
}

/** node:crypto's sign with a callback runs on libuv's thread pool: an RSA-2048 signature (about 0.5 ms) leaves the event loop free. */
const signAsync = promisify(sign) as (algorithm: string | null, data: Buffer, key: KeyObject) => Promise<Buffer>;

/** Signs `raw` (CRLF line endings) once per key. All keys share one body hash (relaxed, SHA-256). */
export async function dkimSignatures(raw: Buffer, keys: readonly SigningKey[], opts: SignOptions): Promise<SignedFields> {
  const { fields, rest } = splitMessage(raw);
  // `rest` starts with the blank line that ends the header; the body is what follows it.
  const body = rest.subarray(0, 2).toString('latin1') === '\r\n' ? rest.subarray(2) : rest;
  const hasher = dkimBody('relaxed', 'sha256', false);
  hasher.update(body);
  const bh = hasher.digest('base64');

  const { names, canonical } = selectHeaders(fields, opts.headers, opts.oversign);
  const t = Math.floor(opts.now / 1000);
  const out = await Promise.all(
    keys.map(async (k) => {
      const head =
        `DKIM-Signature: v=1; a=${k.algorithm}; c=relaxed/relaxed; d=${k.domain}; s=${k.selector};\r\n` +
        `\tt=${t}; h=${foldList(names)};\r\n` +
        `\tbh=${bh};\r\n` +
        `\tb=`;
      // RFC 6376 §3.7: the signature field itself is hashed last, with b= empty and without its final CRLF.
      const data = Buffer.from(canonical + relaxedField(head).slice(0, -2), 'latin1');
      const b =
        k.algorithm === 'rsa-sha256'
          ? await signAsync('sha256', data, k.key)
          : // RFC 8463 §3: Ed25519 (PureEdDSA) signs the SHA-256 hash of the data, not the data.
            await signAsync(null, createHash('sha256').update(data).digest(), k.key);
      return head + foldBase64(b.toString('base64')) + '\r\n';
    }),
  );
  return { fields: Buffer.from(out.join(''), 'latin1'), signedHeaders: names.map((n) => n.toLowerCase()) };
}

/**
 * RFC 6376 §5.4.2: for each listed name, its occurrences from the bottom up; an oversigned name once more
 * (a name without an occurrence contributes nothing to the hash: a copy added later breaks the signature).
 */
function selectHeaders(fields: HeaderField[], headers: readonly string[], oversign: readonly string[]): { names: string[]; canonical: string } {
  const over = new Set([...oversign, 'From'].map((n) => n.toLowerCase()));
  const seen = new Set<string>();
  const names: string[] = [];
  let canonical = '';
  for (const name of headers) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    const present = fields.filter((f) => f.name.toLowerCase() === lower);
    for (let i = present.length - 1; i >= 0; i--) {
      names.push(present[i].name);
      canonical += relaxedField(present[i].raw);
    }
    if (over.has(lower)) names.push(name);
  }
  return { names, canonical };
}

/**
 * RFC 6376 §3.4.2 relaxed header canonicalisation of one field (latin1, CRLF-terminated): name lower-cased,
 * unfolded, runs of SP/HTAB to one SP, none around the colon or at the end.
 */
export function relaxedField(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw
    .slice(0, colon)
    .replace(/[ \t]+$/, '')
    .toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ /, '')
    .replace(/ $/, '');
  return `${name}:${value}\r\n`;
}

/** h= folded after a colon before a line grows past 72 characters (FWS is allowed there, §3.5). */
function foldList(names: string[]): string {
  let out = '';
  let line = 8;
  names.forEach((n, i) => {
    const piece = (i ? ':' : '') + n;
    if (line + piece.length > 72 && i) {
      out += ':\r\n\t  ' + n;
      line = 3 + n.length;
    } else {
      out += piece;
      line += piece.length;
    }
  });
  return out;
}

/** Base64 in lines of 72 (FWS is allowed anywhere in b=). */
function foldBase64(b64: string): string {
  return (b64.match(/.{1,72}/g) ?? []).join('\r\n\t  ');
}
