/**
 * DKIM key material: making keys, the p= value a key publishes, and the DNS TXT record to publish.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DkimAlgorithm } from '../store/deliverability.js';

export const ALGORITHMS = { 'rsa-2048': 'rsa-sha256', ed25519: 'ed25519-sha256' } as const satisfies Record<string, DkimAlgorithm>;

/** A new private key as PKCS#8 PEM. RSA 2048 is what every receiver verifies; Ed25519 (RFC 8463) is short but not yet universal. */
export function generateKey(algorithm: DkimAlgorithm): string {
  const { privateKey } = algorithm === 'rsa-sha256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** The algorithm a private key signs with, or an error naming what is wrong with it. */
export function algorithmOf(key: KeyObject): DkimAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519-sha256';
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    // RFC 8301 §3.2: verifiers must not accept RSA keys under 1024 bits.
    if (bits < 1024) throw new Error(`the RSA key has ${bits} bits; receivers refuse under 1024 (use 2048)`);
    return 'rsa-sha256';
  }
  throw new Error(`a ${key.asymmetricKeyType} key cannot sign DKIM; use RSA or Ed25519`);
}

export function parsePrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/**
 * The p= value: base64 of the DER SubjectPublicKeyInfo for RSA (RFC 6376 §3.6.1), of the raw 32-byte
 * public key for Ed25519 (RFC 8463 §4).
 */
export function publicKeyValue(privateKey: KeyObject): string {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return (privateKey.asymmetricKeyType === 'ed25519' ? spki.subarray(spki.length - 32) : spki).toString('base64');
}

/** The TXT value to publish at `<selector>._domainkey.<domain>`. */
export function txtValue(algorithm: DkimAlgorithm, p: string): string {
  return `v=DKIM1; k=${algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${p}`;
}

export function recordName(domain: string, selector: string): string {
  return `${selector}._domainkey.${domain}`;
}

/**
 * The record in zone-file form. TXT strings are at most 255 octets (RFC 1035 §3.3), and an RSA 2048 p= is
 * about 400: the value is split into quoted strings, which receivers join.
 */
export function zoneRecord(domain: string, selector: string, algorithm: DkimAlgorithm, p: string): string {
  const parts = txtValue(algorithm, p).match(/.{1,250}/g) ?? [];
  return `${recordName(domain, selector)}. 3600 IN TXT ( ${parts.map((s) => `"${s}"`).join(' ')} )`;
}

/** Reads the tags of a DKIM key record (`v=DKIM1; k=rsa; p=…`), whitespace inside values removed. */
export function parseKeyRecord(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    tags[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).replace(/\s+/g, '');
  }
  return tags;
}
