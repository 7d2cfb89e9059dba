/**
 * The submission listener's certificate (what apps see on 587/465): readable, matching its key, valid now,
 * not expiring within `doctor.certificate_warn_days`, for the relay's host name, and not self-signed.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { certificateDir } from '../tls/self-signed.js';
import type { CheckResult, DoctorContext } from './types.js';
import { nodeStateDir } from '../config/database.js';

const DAY = 86_400_000;

export function checkCertificate(ctx: DoctorContext): CheckResult | null {
  const { config, now } = ctx;
  if (!config.submission.starttls.enabled && !config.submission.implicit_tls.enabled) return null;
  const result = (status: CheckResult['status'], message: string, fix: string | null): CheckResult => ({
    check: 'certificate',
    domain: null,
    status,
    message,
    fix,
  });
  const given = config.submission.tls.cert;
  const certPath = given ?? (nodeStateDir(config.database) === null ? null : path.join(certificateDir(config.database), 'cert.pem'));
  const keyPath = given ? config.submission.tls.key : certPath && path.join(path.dirname(certPath), 'key.pem');
  const properFix = `set submission.tls.cert and submission.tls.key to a certificate for ${config.hostname} from a public CA (e.g. Let's Encrypt), then restart`;
  if (!certPath || (!given && !existsSync(certPath)))
    return result('warn', 'no certificate yet: a self-signed one is made at first start, which apps must be told to trust', properFix);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(certPath));
  } catch (err) {
    return result('fail', `cannot read the certificate ${certPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, properFix);
  }
  if (keyPath) {
    try {
      const key = createPrivateKey(readFileSync(keyPath));
      if (!cert.checkPrivateKey(key)) {
        // The chain in the wrong order (the CA first) reads as a wrong key: say which it is.
        const later = certificatesIn(readFileSync(certPath, 'utf8')).slice(1);
        if (later.some((c) => c.checkPrivateKey(key)))
          return result(
            'fail',
            `${certPath} starts with another certificate (${cert.subject.replace(/\n/g, ', ')}) than the one ${keyPath} belongs to: TLS handshakes will fail`,
            `put the relay's own certificate first in ${certPath}, then the intermediate certificates (fullchain.pem order)`,
          );
        return result(
          'fail',
          `${keyPath} is not the key of ${certPath}: TLS handshakes will fail`,
          `point submission.tls.key at the key ${certPath} was issued for`,
        );
      }
    } catch (err) {
      return result('fail', `cannot read the key ${keyPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, properFix);
    }
  }
  const notAfter = Date.parse(cert.validTo);
  const notBefore = Date.parse(cert.validFrom);
  const days = Math.floor((notAfter - now) / DAY);
  const renew = `renew it (certbot renew, or your CA), replace ${certPath} and send the relay SIGHUP (kill -HUP; it reads the files again) or restart it`;
  if (notAfter <= now)
    return result('fail', `the submission certificate expired on ${new Date(notAfter).toISOString().slice(0, 10)}: apps that verify it cannot connect`, renew);
  if (notBefore > now)
    return result(
      'fail',
      `the submission certificate is not valid before ${new Date(notBefore).toISOString().slice(0, 10)}`,
      'check the clock of this machine, or use a certificate valid now',
    );
  const selfSigned = cert.issuer === cert.subject && cert.verify(cert.publicKey);
  if (selfSigned)
    return result(
      'warn',
      `the submission certificate is self-signed (${certPath}, until ${new Date(notAfter).toISOString().slice(0, 10)})${cert.checkHost(config.hostname) ? '' : ` and for ${cert.subjectAltName ?? cert.subject}, not ${config.hostname}`}: apps must turn off verification or pin it`,
      properFix,
    );
  if (days < config.doctor.certificate_warn_days)
    return result(
      'warn',
      `the submission certificate expires in ${days} day${days === 1 ? '' : 's'} (${new Date(notAfter).toISOString().slice(0, 10)})`,
      renew,
    );
  if (!cert.checkHost(config.hostname))
    return result(
      'warn',
      `the submission certificate is for ${cert.subjectAltName ?? cert.subject}, not ${config.hostname}: apps connecting by that name will not verify it`,
      properFix,
    );
  return result(
    'pass',
    `the submission certificate for ${config.hostname} is valid until ${new Date(notAfter).toISOString().slice(0, 10)} (${days} days)`,
    null,
  );
}

/** Every certificate of a PEM file, in order. */
function certificatesIn(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}
