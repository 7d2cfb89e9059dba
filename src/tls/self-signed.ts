/**
 * The submission listeners' certificate: the configured PEM pair, or a self-signed one generated
 * once beside the database (`<db dir>/tls/cert.pem`, and `key.pem` with mode 0600) and reused at every start.
 *
 * Node can sign nothing X.509 itself, so generation runs the `openssl` command line tool: present on
 * every system that has a TLS stack, and no npm dependency with its own crypto to audit.
 */
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { nodeStateDir } from '../config/database.js';
import type { DatabaseConfig } from '../config/schema.js';

export class TlsSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsSetupError';
  }
}

export interface Certificate {
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
  /** True when this call generated the pair (first start). */
  generated: boolean;
  selfSigned: boolean;
}

type TlsConfig = Pick<Config, 'hostname' | 'database'> & { submission: Pick<Config['submission'], 'tls'> };

export function ensureCertificate(config: TlsConfig): Certificate {
  const { cert, key } = config.submission.tls;
  if (cert || key) {
    if (!cert || !key) {
      throw new TlsSetupError('submission.tls: set both cert and key (PEM files), or neither to use a generated self-signed pair');
    }
    return {
      cert: readPem(cert, 'submission.tls.cert'),
      key: readPem(key, 'submission.tls.key'),
      certPath: cert,
      keyPath: key,
      generated: false,
      selfSigned: false,
    };
  }
  const dir = certificateDir(config.database);
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  let generated = false;
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    generateSelfSigned(dir, config.hostname);
    generated = true;
  }
  return { cert: readPem(certPath, certPath), key: readPem(keyPath, keyPath), certPath, keyPath, generated, selfSigned: true };
}

export function certificateDir(db: DatabaseConfig): string {
  const state = nodeStateDir(db);
  // An in-memory database has no "beside": use a fresh temporary directory (tests, experiments).
  if (state === null) return mkdtempSync(path.join(tmpdir(), 'mailtrail-tls-'));
  return path.join(state, 'tls');
}

/**
 * The TLS context of a certificate and its key, or a TlsSetupError that names the files and the fix (OpenSSL
 * says "key values mismatch" or "no start line" and nothing else).
 */
export function secureContextOf(c: Pick<Certificate, 'cert' | 'key'> & Partial<Pick<Certificate, 'certPath' | 'keyPath'>>): tls.SecureContext {
  try {
    return tls.createSecureContext({ key: c.key, cert: c.cert });
  } catch (err) {
    const m = (err as Error).message;
    const files = c.certPath ? ` (submission.tls.cert ${c.certPath}, submission.tls.key ${c.keyPath})` : '';
    const why = /key values mismatch/i.test(m)
      ? `the key is not the certificate's key${files}: give the key the certificate was issued for`
      : /no start line|PEM|bad base64|asn1|DECODER/i.test(m)
        ? `a file is not a PEM certificate or key${files}: the certificate file starts with "-----BEGIN CERTIFICATE-----", the key file with "-----BEGIN … PRIVATE KEY-----"`
        : `${m}${files}`;
    throw new TlsSetupError(`cannot use the submission certificate: ${why} (OpenSSL: ${m})`);
  }
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    // A configured file: say which keys to fix, and the alternative (a bare ENOENT left the operator guessing).
    const fix = what.startsWith('submission.tls.')
      ? '; point submission.tls.cert and submission.tls.key at PEM files the user running mailtrail can read, or set both to null for a generated self-signed pair'
      : '';
    throw new TlsSetupError(`cannot read ${what} (${file}): ${code}${fix}`);
  }
}

function generateSelfSigned(dir: string, hostname: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written in a scratch directory and renamed into place, so a crash never leaves half a pair.
  const scratch = mkdtempSync(path.join(dir, '.gen-'));
  try {
    const key = path.join(scratch, 'key.pem');
    const cert = path.join(scratch, 'cert.pem');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '3650',
          '-subj',
          `/CN=${hostname}`,
          '-addext',
          `subjectAltName=DNS:${hostname}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      const why = e.code === 'ENOENT' ? 'the openssl command is not installed' : e.stderr?.toString().trim() || e.message;
      throw new TlsSetupError(
        `cannot generate a self-signed certificate in ${dir}: ${why}. Install openssl, or set submission.tls.cert and submission.tls.key to PEM files`,
      );
    }
    chmodSync(key, 0o600);
    renameSync(key, path.join(dir, 'key.pem'));
    renameSync(cert, path.join(dir, 'cert.pem'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
