/**
 * One domain's daily TLS report (RFC 8460 §4): the JSON, its gzip, and the mail that carries it (§5.3).
 * Pure, from the day's counts.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { TlsSessionCount } from '../store/deliverability.js';

export interface ReportMeta {
  organizationName: string;
  contactInfo: string;
  /** The submitter: this relay's host name (TLS-Report-Submitter, the file name's sender). */
  submitter: string;
}

export interface TlsReport {
  'organization-name': string;
  'date-range': { 'start-datetime': string; 'end-datetime': string };
  'contact-info': string;
  'report-id': string;
  policies: {
    policy: { 'policy-type': 'sts' | 'no-policy-found'; 'policy-string'?: string[]; 'policy-domain': string; 'mx-host'?: string[] };
    summary: { 'total-successful-session-count': number; 'total-failure-session-count': number };
    'failure-details'?: {
      'result-type': string;
      'sending-mta-ip'?: string;
      'receiving-mx-hostname'?: string;
      'receiving-ip'?: string;
      'failed-session-count': number;
      'failure-reason-code'?: string;
    }[];
  }[];
}

/** The same for every try of one day's report of one domain, so a receiver can see a duplicate. */
export function reportId(day: string, domain: string, submitter: string): string {
  return `${day}T00:00:00Z_${domain}@${submitter}`;
}

/** The report of `domain` for `day` from that day's counts of that domain. */
export function buildReport(day: string, domain: string, counts: TlsSessionCount[], meta: ReportMeta): TlsReport {
  const byPolicy = new Map<string, TlsSessionCount[]>();
  for (const c of counts) byPolicy.get(c.policyId)?.push(c) ?? byPolicy.set(c.policyId, [c]);
  const policies = [...byPolicy.values()].map((rows) => {
    const p = rows[0];
    const failures = rows.filter((r) => r.result !== 'success');
    const policy: TlsReport['policies'][number]['policy'] =
      p.policyId && p.policyMode
        ? {
            'policy-type': 'sts',
            'policy-string': [
              'version: STSv1',
              `mode: ${p.policyMode}`,
              ...p.policyMx.map((m) => `mx: ${m}`),
              ...(p.policyMaxAge !== null ? [`max_age: ${p.policyMaxAge}`] : []),
            ],
            'policy-domain': domain,
            'mx-host': p.policyMx,
          }
        : { 'policy-type': 'no-policy-found', 'policy-domain': domain };
    const sum = (list: TlsSessionCount[]) => list.reduce((n, r) => n + r.sessions, 0);
    return {
      policy,
      summary: { 'total-successful-session-count': sum(rows) - sum(failures), 'total-failure-session-count': sum(failures) },
      ...(failures.length
        ? {
            'failure-details': failures.map((f) => ({
              'result-type': f.result,
              ...(f.sendingIp ? { 'sending-mta-ip': f.sendingIp } : {}),
              ...(f.receivingMx ? { 'receiving-mx-hostname': f.receivingMx } : {}),
              ...(f.receivingIp ? { 'receiving-ip': f.receivingIp } : {}),
              'failed-session-count': f.sessions,
              ...(f.reason ? { 'failure-reason-code': f.reason } : {}),
            })),
          }
        : {}),
    };
  });
  return {
    'organization-name': meta.organizationName,
    'date-range': { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` },
    'contact-info': meta.contactInfo,
    'report-id': reportId(day, domain, meta.submitter),
    policies,
  };
}

export function gzipReport(report: TlsReport): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(report), 'utf8'));
}

/** §5.3: sender!policy-domain!begin-timestamp!end-timestamp.json.gz (seconds since the epoch). */
export function reportFileName(day: string, domain: string, submitter: string): string {
  const start = Date.parse(`${day}T00:00:00Z`) / 1000;
  return `${submitter}!${domain}!${start}!${start + 86_399}.json.gz`;
}

/** The report as a mail (§5.3): multipart/report; report-type="tlsrpt", a text part and the gzip attachment. */
export function composeReportMail(opts: {
  report: TlsReport;
  gzip: Buffer;
  day: string;
  domain: string;
  meta: ReportMeta;
  from: string;
  to: string;
  now: number;
}): Buffer {
  const { report, domain, meta, day } = opts;
  const boundary = `tlsrpt-${randomBytes(12).toString('hex')}`;
  const sessions = report.policies.reduce((n, p) => n + p.summary['total-successful-session-count'] + p.summary['total-failure-session-count'], 0);
  const failed = report.policies.reduce((n, p) => n + p.summary['total-failure-session-count'], 0);
  const base64 = opts.gzip.toString('base64').replace(/.{76}/g, '$&\r\n');
  const lines = [
    `From: ${opts.from}`,
    `To: <${opts.to}>`,
    `Date: ${new Date(opts.now).toUTCString().replace('GMT', '+0000')}`,
    `Subject: Report Domain: ${domain} Submitter: ${meta.submitter} Report-ID: <${report['report-id']}>`,
    `TLS-Report-Domain: ${domain}`,
    `TLS-Report-Submitter: ${meta.submitter}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    '',
    'This is a multipart message in MIME format.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    `This is an SMTP TLS report (RFC 8460) for ${domain} from ${meta.submitter} (${meta.organizationName}),`,
    `covering ${day} UTC: ${sessions} TLS session(s), ${failed} failed. The report is attached.`,
    `Questions: ${meta.contactInfo}`,
    '',
    `--${boundary}`,
    `Content-Type: application/tlsrpt+gzip; name="${reportFileName(day, domain, meta.submitter)}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${reportFileName(day, domain, meta.submitter)}"`,
    '',
    base64,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
