import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ensureCertificate, secureContextOf, TlsSetupError } from '../../src/tls/self-signed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (over: { cert?: string | null; key?: string | null } = {}) => ({
  hostname: 'relay.test',
  database: {
    backend: 'sqlite' as const,
    path: path.join(dir, 'data', 'mailtrail.db'),
    synchronous: 'FULL' as const,
    fsync: 'background' as const,
    busy_timeout_ms: 1000,
  },
  submission: { tls: { cert: over.cert ?? null, key: over.key ?? null } },
});

test('without configured files a self-signed pair is generated beside the database once, key 0600, then reused', () => {
  const first = ensureCertificate(config());
  assert.equal(first.generated, true);
  assert.equal(first.certPath, path.join(dir, 'data', 'tls', 'cert.pem'));
  assert.equal(statSync(first.keyPath).mode & 0o777, 0o600);
  const x509 = new X509Certificate(first.cert);
  assert.match(x509.subjectAltName ?? '', /DNS:relay\.test/);
  assert.ok(x509.checkPrivateKey(createPrivateKey(first.key)));
  const second = ensureCertificate(config());
  assert.equal(second.generated, false);
  assert.deepEqual(second.cert, first.cert);
});

test('configured files are used as they are; one without the other, or a missing file, is a clear error', () => {
  const gen = ensureCertificate(config());
  const used = ensureCertificate(config({ cert: gen.certPath, key: gen.keyPath }));
  assert.equal(used.selfSigned, false);
  assert.deepEqual(used.cert, gen.cert);
  assert.throws(
    () => ensureCertificate(config({ cert: gen.certPath })),
    (e: unknown) => e instanceof TlsSetupError && /set both cert and key/.test(e.message),
  );
  assert.throws(
    () => ensureCertificate(config({ cert: '/nonexistent/c.pem', key: gen.keyPath })),
    (e: unknown) =>
      e instanceof TlsSetupError &&
      /^cannot read submission\.tls\.cert \(\/nonexistent\/c\.pem\): ENOENT; point submission\.tls\.cert and submission\.tls\.key at PEM files .* or set both to null/.test(
        e.message,
      ),
  );
});

test("a key that is not the certificate's, or a file that is not PEM, is named with the fix (not OpenSSL's words alone)", () => {
  const gen = ensureCertificate(config());
  const other = ensureCertificate({ ...config(), database: { ...config().database, path: path.join(dir, 'other', 'mailtrail.db') } });
  assert.throws(
    () => secureContextOf({ cert: gen.cert, key: other.key, certPath: gen.certPath, keyPath: other.keyPath }),
    (e: unknown) =>
      e instanceof TlsSetupError &&
      e.message.startsWith(
        `cannot use the submission certificate: the key is not the certificate's key (submission.tls.cert ${gen.certPath}, submission.tls.key ${other.keyPath})`,
      ),
  );
  assert.throws(
    () => secureContextOf({ cert: Buffer.from('not a certificate\n'), key: gen.key, certPath: '/etc/x.pem', keyPath: gen.keyPath }),
    (e: unknown) => e instanceof TlsSetupError && /a file is not a PEM certificate or key \(submission\.tls\.cert \/etc\/x\.pem/.test(e.message),
  );
  assert.ok(secureContextOf(gen));
});
