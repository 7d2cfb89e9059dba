/**
 * DKIM signatures checked by an independent verifier: dkimpy (Debian python3-dkim) fetches the public keys
 * from a real DNS server (dnsmasq) serving the TXT records `mailtrail dkim keygen` would print. Awkward
 * messages each get their own case: long lines, 8-bit bodies and headers, folded headers, an empty body,
 * dot-leading lines, trailing whitespace and blank lines.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKey, parsePrivateKey, publicKeyValue, recordName, txtValue } from '../../src/dkim/keys.js';
import { dkimSignatures, relaxedField, type SigningKey } from '../../src/dkim/sign.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { dkimpyUnavailable, dkimpyVerify } from '../helpers/dkim-verify.js';

const skip = dkimpyUnavailable();
const rsaPem = generateKey('rsa-sha256');
const edPem = generateKey('ed25519-sha256');
const keys: SigningKey[] = [
  { domain: 'shop.test', selector: 'mt1', algorithm: 'rsa-sha256', key: parsePrivateKey(rsaPem) },
  { domain: 'shop.test', selector: 'mt2', algorithm: 'ed25519-sha256', key: parsePrivateKey(edPem) },
];
const OPTS = {
  headers: ['From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding'],
  oversign: ['From', 'Subject'],
  now: Date.now(),
};
let dns: DnsServer;

before(async () => {
  if (skip) return;
  dns = await startDnsServer({
    txt: keys.map((k) => ({ name: recordName(k.domain, k.selector), text: txtValue(k.algorithm, publicKeyValue(k.key)) })),
  });
});
after(() => dns?.stop());

const HEAD =
  'From: Shop <news@shop.test>\r\nTo: alice@example.test\r\nSubject: hello\r\nDate: Tue, 04 Feb 2025 09:05:00 +0000\r\nMessage-ID: <a1@shop.test>\r\n';

async function signed(raw: string | Buffer): Promise<Buffer> {
  const message = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8');
  return Buffer.concat([(await dkimSignatures(message, keys, OPTS)).fields, message]);
}

async function assertVerifies(message: Buffer): Promise<void> {
  const verdicts = await dkimpyVerify(message, dns.address);
  assert.equal(verdicts.length, 2, 'one RSA and one Ed25519 signature');
  for (const v of verdicts) assert.ok(v.ok, `${v.a} s=${v.s} failed in dkimpy: ${v.error ?? 'signature did not verify'}`);
  assert.deepEqual(
    verdicts.map((v) => v.a),
    ['rsa-sha256', 'ed25519-sha256'],
  );
}

const cases: [string, string | Buffer][] = [
  ['a plain message', `${HEAD}\r\nHello.\r\n`],
  ['a 998-octet line and a line of spaces and tabs', `${HEAD}\r\n${'x'.repeat(998)}\r\n  \t  \r\nend \t \r\n`],
  [
    'an 8-bit body (UTF-8, with byte 0xA0 as in "à")',
    `${HEAD}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nVoilà, déjà vu — naïve café ½ €\r\n`,
  ],
  [
    'an 8-bit header field (RFC 6532) with byte 0xA0',
    `From: Frédéric à Paris <news@shop.test>\r\nTo: alice@example.test\r\nSubject: Voilà  le   résumé\r\n\r\nBody.\r\n`,
  ],
  [
    'folded header fields with odd whitespace',
    `From: Shop\r\n  <news@shop.test>\r\nTo: alice@example.test,\r\n\tbob@example.test\r\nSubject:   many    spaces \t\r\n  and a fold  \r\n\r\nBody.\r\n`,
  ],
  ['an empty body', `${HEAD}\r\n`],
  ['no body separator at all', HEAD],
  ['dot-leading lines', `${HEAD}\r\n.\r\n..two\r\n.leading dot\r\n. \r\n`],
  ['trailing blank lines in the body', `${HEAD}\r\nText.\r\n\r\n\r\n\r\n`],
  ['a body without a final CRLF', `${HEAD}\r\nno newline at the end`],
];
for (const [name, raw] of cases) {
  test(`dkimpy accepts both signatures: ${name}`, { skip: skip ?? false }, async () => {
    await assertVerifies(await signed(raw));
  });
}

test('From is oversigned: a second From added after signing breaks the signatures', { skip: skip ?? false }, async () => {
  const message = await signed(`${HEAD}\r\nHello.\r\n`);
  const sigs = await dkimpyVerify(message, dns.address);
  assert.match(sigs[0].h, /^From:/);
  assert.equal(sigs[0].h.split(':').filter((n) => n.toLowerCase() === 'from').length, 2, 'h= names From twice for one From field');
  // Appended below the signature, the way a forwarder would add a field.
  const text = message.toString('latin1');
  const tampered = Buffer.from(text.replace('To: alice', 'From: ceo@bank.test\r\nTo: alice'), 'latin1');
  for (const v of await dkimpyVerify(tampered, dns.address)) assert.equal(v.ok, false, `${v.a} must fail once a From is added`);
});

test('a changed body breaks the signatures (the verifier is not just saying yes)', { skip: skip ?? false }, async () => {
  const message = await signed(`${HEAD}\r\nPay 10 EUR.\r\n`);
  const tampered = Buffer.from(message.toString('latin1').replace('10 EUR', '99 EUR'), 'latin1');
  for (const v of await dkimpyVerify(tampered, dns.address)) assert.equal(v.ok, false);
});

test('a signature whose key is not published does not verify', { skip: skip ?? false }, async () => {
  const other: SigningKey = { domain: 'shop.test', selector: 'unpublished', algorithm: 'rsa-sha256', key: parsePrivateKey(rsaPem) };
  const raw = Buffer.from(`${HEAD}\r\nHello.\r\n`);
  const message = Buffer.concat([(await dkimSignatures(raw, [other], OPTS)).fields, raw]);
  const [v] = await dkimpyVerify(message, dns.address);
  assert.equal(v.ok, false);
});

test('relaxed header canonicalisation keeps 8-bit bytes and collapses only SP and HTAB', () => {
  const raw = Buffer.from('Subject: \t a\u00a0b  \r\n\t c \r\n', 'utf8').toString('latin1');
  assert.equal(Buffer.from(relaxedField(raw), 'latin1').toString('utf8'), 'subject:a\u00a0b c\r\n');
});
