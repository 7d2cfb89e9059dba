/**
 * DKIM: mailtrail has a key for the domain (so its mail is signed with d= the domain and aligns for DMARC),
 * and the TXT record at `<selector>._domainkey.<domain>` publishes exactly that key. A key that waits for
 * `dkim activate` is checked too: it may be activated once its record is visible.
 */
import { parseKeyRecord, recordName, txtValue, zoneRecord } from '../dkim/keys.js';
import { dnsCode, txt, type CheckResult, type DoctorContext } from './types.js';

/**
 * What the active keys' records come to, for DMARC alignment: `ok` when one verifies (a matching record,
 * t=y included: the key is right), `unknown` when none does but a lookup failed, else `broken`.
 */
export type SigningState = 'ok' | 'broken' | 'unknown';

export async function checkDkim(ctx: DoctorContext, domain: string): Promise<{ checks: CheckResult[]; signing: SigningState }> {
  const result = (status: CheckResult['status'], message: string, fix: string | null): CheckResult => ({ check: 'dkim', domain, status, message, fix });
  const keys = ctx.keys.filter((k) => k.domain === domain);
  const fallback = ctx.config.dkim.fallback_domain?.toLowerCase() ?? null;
  if (!ctx.config.dkim.enabled)
    return { checks: [result('warn', 'dkim.enabled is false: mailtrail signs nothing', 'set dkim.enabled: true')], signing: 'broken' };
  if (!keys.some((k) => k.active)) {
    const fb = fallback && ctx.keys.some((k) => k.domain === fallback && k.active);
    const checks = [
      fb
        ? result(
            'warn',
            `no DKIM key for ${domain}: its mail is signed by the fallback domain ${fallback}, which does not align with ${domain} for DMARC`,
            `mailtrail dkim keygen ${domain}, then publish the record it prints`,
          )
        : result(
            'fail',
            `no DKIM key for ${domain}: its mail leaves unsigned (large mailbox providers spam-folder or refuse it)`,
            `mailtrail dkim keygen ${domain}, then publish the record it prints`,
          ),
    ];
    return { checks, signing: 'broken' };
  }
  const out: CheckResult[] = [];
  const active: SigningState[] = [];
  for (const k of keys) {
    const name = recordName(domain, k.selector);
    if (k.unusable) {
      out.push(
        result(
          k.active ? 'fail' : 'warn',
          `${k.active ? '' : 'waiting '}key ${k.selector}: its stored private key cannot be read (${k.unusable})${k.active ? `, so mailtrail refuses mail from ${domain} for now (451 4.3.5)` : ''}`,
          `mailtrail dkim keygen ${domain}, publish and activate the new key, then mailtrail dkim remove ${domain} ${k.selector}`,
        ),
      );
      if (k.active) active.push('broken');
      continue;
    }
    const expected = zoneRecord(domain, k.selector, k.algorithm, k.publicKey);
    const label = `${k.active ? '' : 'waiting '}key ${k.selector} (${k.algorithm})`;
    let records: string[];
    try {
      records = (await txt(ctx.dns, name)).filter((r) => /(^|;)\s*p=/.test(r) || /^v=DKIM1/i.test(r));
    } catch (err) {
      out.push(result('warn', `could not look up ${name} (${dnsCode(err)})`, 'run doctor again; check delivery.dns_servers'));
      if (k.active) active.push('unknown');
      continue;
    }
    if (records.length === 0) {
      out.push(
        result(
          k.active ? 'fail' : 'warn',
          `${label}: nothing published at ${name}${k.active ? ', so receivers fail every signature made with it' : ''}`,
          `publish ${expected}`,
        ),
      );
      if (k.active) active.push('broken');
      continue;
    }
    const tags = parseKeyRecord(records[0]);
    const kind = (tags.k ?? 'rsa').toLowerCase();
    const wantKind = k.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519';
    const hashes = (tags.h ?? '')
      .split(':')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const services = (tags.s ?? '')
      .split(':')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean);
    const problem =
      records.length > 1
        ? `${records.length} key records at ${name}; receivers pick one at random`
        : tags.v !== undefined && tags.v !== 'DKIM1'
          ? `the record at ${name} says v=${tags.v}: verifiers accept only v=DKIM1 (RFC 6376 §3.6.1) and ignore it`
          : hashes.length > 0 && !hashes.includes('sha256')
            ? `the record at ${name} allows only h=${tags.h}, and mailtrail signs with sha256: verifiers refuse the signature`
            : services.length > 0 && !services.includes('*') && !services.includes('email')
              ? `the record at ${name} says s=${tags.s}: the key may not be used for email`
              : tags.p === ''
                ? `the record at ${name} has an empty p=: the key is revoked`
                : kind !== wantKind
                  ? `the record at ${name} says k=${kind}, the key is ${wantKind}`
                  : tags.p !== k.publicKey
                    ? `the record at ${name} publishes another key than mailtrail signs with`
                    : null;
    if (k.active) active.push(problem ? 'broken' : 'ok');
    if (problem) {
      out.push(result(k.active ? 'fail' : 'warn', `${label}: ${problem}`, `replace the TXT record at ${name} with "${txtValue(k.algorithm, k.publicKey)}"`));
    } else if (/y/i.test(tags.t ?? '')) {
      out.push(
        result(
          'warn',
          `${label}: the record at ${name} matches but is flagged t=y (testing): receivers may ignore failures and passes alike`,
          `remove t=y from the TXT record at ${name} once signatures verify`,
        ),
      );
    } else {
      out.push(
        k.active
          ? result('pass', `${label}: the record at ${name} publishes the key mailtrail signs with`, null)
          : result('pass', `${label}: published at ${name}, ready to sign`, `mailtrail dkim activate ${domain} ${k.selector}`),
      );
    }
  }
  // RFC 8463 keys verify only where receivers implement them (few large providers do yet): alone they align
  // with almost no one. docs/deliverability.md recommends RSA beside them.
  const activeKeys = keys.filter((k) => k.active && !k.unusable);
  if (activeKeys.length > 0 && activeKeys.every((k) => k.algorithm === 'ed25519-sha256'))
    out.push(
      result(
        'warn',
        `${domain} is signed with Ed25519 only: most receivers do not verify Ed25519 signatures yet (RFC 8463), so its mail reads as unsigned to them`,
        `mailtrail dkim keygen ${domain} --algorithm rsa-2048, publish and activate it beside the Ed25519 key`,
      ),
    );
  return { checks: out, signing: active.includes('ok') ? 'ok' : active.includes('unknown') ? 'unknown' : 'broken' };
}
