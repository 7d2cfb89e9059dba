/**
 * SPF (RFC 7208) of the MAIL FROM domain mail from a sending domain uses (its VERP bounce domain when VERP
 * is on): a record exists, it does not pass every sender (`+all`), and a real evaluation (mailauth's, with
 * the 10-lookup and 2-void-lookup limits of §4.6.4) passes for each of the relay's public addresses. The
 * evaluation is run once more for an address no record lists, so that the whole record is walked: a record
 * that passes for us early can still exceed the lookup limit for everyone else.
 */
import { spf } from 'mailauth/lib/spf/index.js';
import { mailauthResolver, returnPathDomain, txt, type CheckResult, type DoctorContext } from './types.js';

/** TEST-NET-1 (RFC 5737): never a real sender, so nothing matches it before the record's end. */
const NOBODY = '192.0.2.1';

export async function checkSpf(ctx: DoctorContext, domain: string): Promise<CheckResult> {
  const rp = returnPathDomain(ctx.config, domain);
  const ips = ctx.config.doctor.public_ips;
  const via = rp === domain ? '' : ` (the bounce domain mail from ${domain} is sent with)`;
  const suggested = `v=spf1 ${ips.length ? ips.map((ip) => `${ip.includes(':') ? 'ip6' : 'ip4'}:${ip}`).join(' ') : "ip4:<this relay's public address>"} ~all`;
  const result = (status: CheckResult['status'], message: string, fix: string | null): CheckResult => ({ check: 'spf', domain, status, message, fix });

  let records: string[];
  try {
    records = (await txt(ctx.dns, rp)).filter((r) => /^v=spf1(\s|$)/i.test(r));
  } catch (err) {
    return result(
      'warn',
      `could not look up the SPF record of ${rp} (${(err as NodeJS.ErrnoException).code})`,
      'check the DNS servers in delivery.dns_servers and run doctor again',
    );
  }
  if (records.length === 0)
    return result('fail', `${rp}${via} has no SPF record: receivers cannot tell that this relay may send for it`, `publish TXT ${rp} "${suggested}"`);
  if (records.length > 1)
    return result(
      'fail',
      `${rp} has ${records.length} SPF records; RFC 7208 §4.5 makes that a permanent error`,
      `keep one TXT record at ${rp}: merge them into "${suggested}"`,
    );
  const record = records[0];
  if (/(^|\s)\+?all(\s|$)/i.test(record)) {
    return result(
      'fail',
      `the SPF record of ${rp} ends in +all: it passes mail from anyone, so it proves nothing and invites spoofing`,
      `replace "+all" (or a bare "all") with "~all" or "-all" in TXT ${rp} "${record}"`,
    );
  }

  const resolver = mailauthResolver(ctx.dns);
  const evaluate = (ip: string) =>
    spf({ sender: `postmaster@${rp}`, ip, helo: ctx.config.hostname, mta: ctx.config.hostname, resolver, maxResolveCount: 10, maxVoidCount: 2 });
  const walk = await evaluate(NOBODY);
  const lookups = walk.lookups?.count ?? 0;
  if (walk.status.result === 'permerror') {
    const why = walk.status.comment?.replace(/^[^:]*: /, '') ?? 'permanent error';
    return result(
      'fail',
      `the SPF record of ${rp} is broken: ${why} (a receiver's evaluation stops there: permerror)`,
      /void/i.test(why)
        ? `remove from TXT ${rp} "${record}" the include, a, mx or exists terms that name domains without records (at most 2 such lookups, RFC 7208 §4.6.4)`
        : /too many|limit/i.test(why)
          ? `simplify TXT ${rp} "${record}": at most 10 DNS-querying terms (include, a, mx, ptr, exists, redirect), for example "${suggested}"`
          : `correct the record (RFC 7208 §4.6 syntax) in TXT ${rp} "${record}", for example "${suggested}"`,
    );
  }
  // The whole record walked for an address nobody sends from: a pass means it passes everyone (ip4:0.0.0.0/0,
  // an include or redirect= of a record ending in +all), as a literal +all does.
  if (walk.status.result === 'pass') {
    return result(
      'fail',
      `the SPF record of ${rp} passes mail from any address (even ${NOBODY}, which nobody sends from), through its own terms or a record it includes: it proves nothing and invites spoofing`,
      `list only this relay's addresses, and the services that really send for ${rp}, in TXT ${rp}: for example "${suggested}"`,
    );
  }
  if (walk.status.result === 'temperror')
    return result(
      'warn',
      `could not evaluate the SPF record of ${rp}: ${walk.status.comment ?? 'DNS error'}`,
      'run doctor again; if it persists, check the records the SPF record includes',
    );
  if (ips.length === 0)
    return result(
      'warn',
      `${rp} has an SPF record (${lookups} of 10 DNS lookups) but this relay's addresses are not configured, so it was not evaluated for them`,
      'set doctor.public_ips to the addresses this relay sends from',
    );

  const failing: string[] = [];
  for (const ip of ips) {
    const r = await evaluate(ip);
    if (r.status.result !== 'pass') failing.push(`${ip}: ${r.status.result}`);
  }
  if (failing.length) {
    return result(
      'fail',
      `the SPF record of ${rp}${via} does not pass this relay (${failing.join(', ')}); receivers will treat its mail as unauthenticated`,
      `add ${ips.map((ip) => `${ip.includes(':') ? 'ip6' : 'ip4'}:${ip}`).join(' ')} to TXT ${rp} "${record}"`,
    );
  }
  return result('pass', `the SPF record of ${rp}${via} passes for ${ips.join(', ')} (${lookups} of 10 DNS lookups)`, null);
}
