/**
 * A throw-away certificate authority for tests (openssl): a CA certificate the relay is told to trust through
 * `delivery.test_only_ca_file`, and server certificates it issues for given host names (SAN DNS names), for
 * local HTTPS policy servers and test MTAs that must present a certificate that verifies.
 *
 *   const ca = createTestCa(dir);
 *   const { key, cert } = ca.issue(['mta-sts.example.test']);
 *   config.delivery.test_only_ca_file = ca.file;
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCa {
  /** The CA certificate's PEM file. */
  file: string;
  /** A key and a certificate for these names, signed by the CA, valid from `fromDays` to `toDays` around now (default −1 … +2). */
  issue(names: string[], opts?: { fromDays?: number; toDays?: number }): { key: string; cert: string };
}

export function createTestCa(dir: string): TestCa {
  const caKey = path.join(dir, 'ca.key');
  const file = path.join(dir, 'ca.pem');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=mailtrail test CA',
    '-days',
    '400',
    '-keyout',
    caKey,
    '-out',
    file,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // `openssl ca` rather than `x509 -req`: only it sets both validity dates, and tests need expired certificates.
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  writeFileSync(
    path.join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nserial = serial\nnew_certs_dir = .\npolicy = p\ndefault_md = sha256\nunique_subject = no\ncopy_extensions = copy\n[p]\ncommonName = supplied\n',
  );
  let n = 0;
  return {
    file,
    issue(names, opts = {}) {
      n++;
      const key = path.join(dir, `s${n}.key`);
      const csr = path.join(dir, `s${n}.csr`);
      const cert = path.join(dir, `s${n}.pem`);
      run([
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        `/CN=${names[0]}`,
        '-keyout',
        key,
        '-out',
        csr,
        '-addext',
        `subjectAltName=${names.map((h) => `DNS:${h}`).join(',')}`,
      ]);
      run([
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-cert',
        file,
        '-keyfile',
        caKey,
        '-in',
        csr,
        '-out',
        cert,
        '-notext',
        '-startdate',
        stamp(opts.fromDays ?? -1),
        '-enddate',
        stamp(opts.toDays ?? 2),
      ]);
      return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    },
  };
}

/** YYYYMMDDHHMMSSZ, `days` from now. */
function stamp(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}
