/**
 * DMARC (RFC 7489): the record that applies to the domain (its own, else its organizational domain's), its
 * policy, and whether mail from this relay aligns: DKIM with d= in the same organizational domain (exactly
 * the domain under adkim=s), or SPF passing for a MAIL FROM domain (the VERP bounce domain) that is.
 * mailauth reads the record and says which domains share an organizational domain.
 */
import { dmarc } from 'mailauth/lib/dmarc/index.js';
import { getAlignment } from 'mailauth/lib/tools.js';
import type { SigningState } from './dkim.js';
import { mailauthResolver, returnPathDomain, txt, type CheckResult, type DoctorContext } from './types.js';

export interface AlignmentInputs {
  /** The d= of mail from the domain (its own key, or the fallback domain), null when unsigned. */
  dkimDomain: string | null;
  /** Whether signatures made with the active key(s) verify: `unknown` when a lookup failed. */
  dkim: SigningState;
  /** The SPF check passed for this relay's addresses. */
  spfOk: boolean;
}

export async function checkDmarc(ctx: DoctorContext, domain: string, inputs: AlignmentInputs): Promise<CheckResult[]> {
  const rp = returnPathDomain(ctx.config, domain);
  const out: CheckResult[] = [];
  // What mailauth takes for "no record" or a lax one, read first: two records (RFC 7489 §6.6.3: receivers then
  // apply none) and one whose tags are not separated by ";" ("v=DMARC1 p=reject" has no valid v= tag).
  const own = await txt(ctx.dns, `_dmarc.${domain}`)
    .then((rs) => rs.filter((r) => /^\s*v\s*=\s*DMARC1\b/i.test(r)))
    .catch(() => null);
  if (own && own.length > 1) {
    out.push({
      check: 'dmarc',
      domain,
      status: 'fail',
      message: `_dmarc.${domain} has ${own.length} DMARC records: receivers apply none of them (RFC 7489 §6.6.3)`,
      fix: `keep one TXT record at _dmarc.${domain}`,
    });
    return out;
  }
  if (own && own.length === 1 && !/^\s*v\s*=\s*DMARC1\s*(?:;|$)/i.test(own[0]!)) {
    out.push({
      check: 'dmarc',
      domain,
      status: 'fail',
      message: `the record at _dmarc.${domain} ("${own[0]}") is not valid: its tags must be separated by ";", so receivers ignore it`,
      fix: `write it as "${own[0]!
        .split(/[;\s]+/)
        .filter(Boolean)
        .join('; ')}" in TXT _dmarc.${domain}`,
    });
    return out;
  }
  const record = await dmarc({ headerFrom: `postmaster@${domain}`, resolver: mailauthResolver(ctx.dns) });
  const tags = Object.fromEntries(
    (record && record.rr ? record.rr : '')
      .split(';')
      .map((t) => t.trim().split('='))
      .filter((t) => t.length === 2)
      .map(([k, v]) => [k.trim().toLowerCase(), v.trim()]),
  );
  if (!record || record.status.result === 'temperror') {
    out.push({
      check: 'dmarc',
      domain,
      status: 'warn',
      message: `could not look up _dmarc.${domain}${record && record.error ? ` (${record.error})` : ''}`,
      fix: 'run doctor again; check delivery.dns_servers',
    });
  } else if (record.status.result === 'none') {
    out.push({
      check: 'dmarc',
      domain,
      status: 'fail',
      message: `no DMARC record for ${domain} (nor its organizational domain): bulk-sender rules of large mailbox providers require one`,
      fix: `publish TXT _dmarc.${domain} "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}" (then move to p=quarantine once reports show only your own mail)`,
    });
  } else {
    const where = record.domain === domain ? `_dmarc.${domain}` : `_dmarc.${record.domain} (the organizational domain)`;
    const policy = (record.policy || 'none').toLowerCase();
    const pct = typeof record.pct === 'number' && record.pct < 100 ? `, pct=${record.pct}` : '';
    out.push(
      ['none', 'quarantine', 'reject'].includes(policy)
        ? {
            check: 'dmarc',
            domain,
            status: 'pass',
            message: `${where}: p=${policy}${pct}${policy === 'none' ? ' (monitoring: receivers report failures but deliver them)' : ''}`,
            fix: policy === 'none' ? `when the aggregate reports show only your own mail, set p=quarantine in TXT ${where.split(' ')[0]}` : null,
          }
        : {
            check: 'dmarc',
            domain,
            status: 'fail',
            message: `${where} has no valid policy (p=${policy || 'missing'}): receivers ignore it`,
            fix: `set p=none, p=quarantine or p=reject in TXT ${where.split(' ')[0]}`,
          },
    );
  }

  const strictDkim = (tags.adkim ?? 'r').toLowerCase() === 's';
  const strictSpf = (tags.aspf ?? 'r').toLowerCase() === 's';
  const aligned = (other: string, strict: boolean) => (strict ? other === domain : getAlignment(domain, [{ domain: other }], false) !== false);
  const dkimAligned = inputs.dkimDomain !== null && inputs.dkim === 'ok' && aligned(inputs.dkimDomain, strictDkim);
  const spfAligned = inputs.spfOk && aligned(rp, strictSpf);
  const ways = [
    dkimAligned && `DKIM (d=${inputs.dkimDomain}${strictDkim ? ', strict' : ''})`,
    spfAligned && `SPF (MAIL FROM domain ${rp}${strictSpf ? ', strict' : ''})`,
  ].filter(Boolean);
  if (ways.length) {
    out.push({
      check: 'dmarc-alignment',
      domain,
      status: 'pass',
      message: `mail from ${domain} through this relay passes DMARC by ${ways.join(' and ')}`,
      fix: null,
    });
  } else if (inputs.dkimDomain !== null && inputs.dkim === 'unknown' && aligned(inputs.dkimDomain, strictDkim)) {
    // Not known to fail: the key's record could not be looked up.
    out.push({
      check: 'dmarc-alignment',
      domain,
      status: 'warn',
      message: `could not tell whether mail from ${domain} passes DMARC: the lookup of its DKIM key record failed (see the dkim check)${inputs.spfOk ? '' : ', and SPF does not pass for this relay'}`,
      fix: 'run doctor again; check delivery.dns_servers',
    });
  } else {
    const why = [
      inputs.dkimDomain === null
        ? 'it is not DKIM-signed'
        : inputs.dkim !== 'ok'
          ? `its DKIM key is not published correctly (see the dkim check)`
          : `it is signed with d=${inputs.dkimDomain}, which does not align${strictDkim ? ' (adkim=s)' : ''}`,
      !inputs.spfOk
        ? `SPF of ${rp} does not pass for this relay (see the spf check)`
        : `its MAIL FROM domain ${rp} does not align${strictSpf ? ' (aspf=s)' : ''}`,
    ];
    out.push({
      check: 'dmarc-alignment',
      domain,
      status: 'fail',
      message: `mail from ${domain} through this relay fails DMARC: ${why.join(', and ')}`,
      fix:
        inputs.dkimDomain === domain
          ? 'fix the dkim check above (publish the record mailtrail prints)'
          : `mailtrail dkim keygen ${domain} and publish the record it prints (DKIM alignment does not depend on the bounce domain)`,
    });
  }
  return out;
}
