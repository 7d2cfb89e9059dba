/**
 * What one delivery attempt counts for SMTP TLS reporting (RFC 8460): its TLS sessions to the recipient
 * domain's MX hosts, each a success or a failure of an RFC 8460 §4.3 result type, read from the phases the
 * deliverer recorded. Pure; the queue writes the counts with the attempt (AttemptWrite.tlsSessions).
 *
 * A session is a new connection that got as far as EHLO. It counts as:
 *   success                    STARTTLS and the handshake worked (and, under a `testing` policy, the
 *                              certificate verified for a listed MX: otherwise the failure below)
 *   starttls-not-supported     EHLO did not offer STARTTLS, or STARTTLS was refused
 *   certificate-expired, certificate-host-mismatch, certificate-not-trusted, validation-failure
 *                              the handshake failed (or, under `testing`, the certificate did not verify)
 * plus, per attempt, a host skipped under an `enforce` policy (validation-failure, `mx-not-in-policy`) and
 * a failed policy fetch (sts-policy-fetch-error, sts-policy-invalid, sts-webpki-invalid).
 * Not counted: connections that failed before EHLO (no TLS was tried), a reused pooled connection (its
 * session was counted when it was opened), the cleartext retry after a failed handshake (the same
 * session), and a server offering STARTTLS to which the local tls_policy chose not to use it. Only
 * delivery found through MX counts: routes and the smarthost are not the recipient domain's hosts.
 */
import type { AttemptReport, PhaseRecord } from '../delivery/types.js';
import type { TlsSessionCount } from '../store/deliverability.js';

/** The UTC day of a time, as reports and counts name it. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** A TLS or certificate error code as an RFC 8460 result type. */
export function certificateResult(code: string | null | undefined): string {
  if (!code) return 'validation-failure';
  if (code === 'CERT_HAS_EXPIRED') return 'certificate-expired';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return 'certificate-host-mismatch';
  if (
    /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/.test(
      code,
    )
  )
    return 'certificate-not-trusted';
  return 'validation-failure';
}

interface StsDetail {
  mode?: string;
  id?: string | null;
  mx?: string[];
  max_age?: number | null;
  error_type?: string;
  not_matching?: string[];
}

export function tlsSessionsOf(report: AttemptReport): TlsSessionCount[] {
  const dns = report.phases.find((p) => p.phase === 'dns');
  const kind = dns?.detail?.kind;
  if (kind !== 'mx' && kind !== 'a-fallback') return [];
  const sts = (dns?.detail?.mta_sts ?? null) as StsDetail | null;
  const policy = sts && (sts.mode === 'enforce' || sts.mode === 'testing') && sts.id ? sts : null;
  const base = {
    day: utcDay(report.startedAt),
    domain: report.domain,
    policyId: policy?.id ?? '',
    policyMode: (policy?.mode ?? null) as TlsSessionCount['policyMode'],
    policyMx: policy?.mx ?? [],
    policyMaxAge: policy?.max_age ?? null,
  };
  const counts = new Map<string, TlsSessionCount>();
  const add = (result: string, where: { local: string; mx: string; ip: string }, reason = '') => {
    const c: TlsSessionCount = {
      ...base,
      result,
      sendingIp: where.local,
      receivingMx: where.mx,
      receivingIp: where.ip,
      reason: reason.slice(0, 100),
      sessions: 1,
    };
    const key = [c.result, c.sendingIp, c.receivingMx, c.receivingIp, c.reason].join('\0');
    const seen = counts.get(key);
    if (seen) seen.sessions++;
    else counts.set(key, c);
  };
  if (sts?.error_type) add(sts.error_type, { local: '', mx: '', ip: '' });

  let cur: { local: string; mx: string; ip: string; offered: boolean | null; done: boolean } | null = null;
  const close = () => {
    // EHLO without STARTTLS and nothing more tried: the receiver does not support it.
    if (cur && !cur.done && cur.offered === false) add('starttls-not-supported', cur);
    cur = null;
  };
  for (const p of report.phases) {
    if (p.phase === 'connect') {
      close();
      if (p.error === 'EMTASTS' && !p.remoteIp) add('validation-failure', { local: '', mx: p.remoteHost ?? '', ip: '' }, 'mx-not-in-policy');
      else if (p.code === 220 && !p.detail?.reused)
        cur = { local: String(p.detail?.local_ip ?? ''), mx: p.remoteHost ?? '', ip: p.remoteIp ?? '', offered: null, done: false };
      continue;
    }
    if (!cur || cur.done) continue;
    if ((p.phase === 'ehlo' || p.phase === 'helo') && cur.offered === null && p.code === 250) {
      cur.offered = p.phase === 'ehlo' && Object.keys((p.detail?.extensions as Record<string, unknown> | undefined) ?? {}).includes('STARTTLS');
    } else if (p.phase === 'starttls') {
      cur.done = true;
      countStarttls(p, cur, policy, add);
    }
  }
  close();
  return [...counts.values()];
}

function countStarttls(
  p: PhaseRecord,
  where: { local: string; mx: string; ip: string },
  policy: StsDetail | null,
  add: (result: string, where: { local: string; mx: string; ip: string }, reason?: string) => void,
): void {
  if (p.error === 'ETLSREQUIRED' || (p.code !== null && p.code !== 220)) return add('starttls-not-supported', where);
  const tlsError = p.detail?.tls_error as string | undefined;
  if (p.error) return add(certificateResult(tlsError), where, tlsError ?? p.error);
  if (policy?.mode === 'testing') {
    if (policy.not_matching?.includes(where.mx)) return add('validation-failure', where, 'mx-not-in-policy');
    if (p.detail?.verified === false) {
      const why = p.detail?.authorization_error as string | undefined;
      return add(certificateResult(why), where, why ?? '');
    }
  }
  add('success', where);
}
