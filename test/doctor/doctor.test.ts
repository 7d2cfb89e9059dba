/**
 * `mailtrail doctor` against dnsmasq zones, one domain per planted mistake next to one that passes
 * everything, and relay addresses with good and bad reverse DNS and a blocklist listing. Each failure must
 * come with the right fix. The certificate check is run on certificates from a test CA (valid, expiring,
 * expired). Then the CLI (exit codes, --json) and GET /v1/doctor.
 *
 *   good.test       SPF -all with our address, DKIM key published, DMARC p=reject, bounces.good.test MX → us
 *   nospf.test      no SPF               plusall.test  v=spf1 +all          wrongip.test  SPF without our address
 *   toomany.test    SPF needing 11 lookups                                   nokey.test    no DKIM key
 *   badkey.test     DKIM record with another key                             nodmarc.test  no DMARC record
 *   badbounce.test  bounce domain MX points elsewhere                         listed.test   on the domain blocklist
 *   noauth.test     neither a DKIM key nor SPF: DMARC alignment fails
 *   relay addresses 127.0.14.60 good PTR; .61 no PTR and on the IP blocklist; .62 PTR ≠ EHLO name; .63 PTR not confirmed;
 *                   .64 PTR lookup fails (SERVFAIL); .65 PTR to a name whose address lookup fails
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createApi } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { generateKey, parsePrivateKey, publicKeyValue, txtValue } from '../../src/dkim/keys.js';
import { checkCertificate } from '../../src/doctor/certificate.js';
import { runDoctor, renderReport, type CheckResult, type DoctorReport } from '../../src/doctor/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { runCli } from '../e2e/cli.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { createTestCa } from '../helpers/test-ca.js';

const GOOD_IP = '127.0.14.60';
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-doctor-'));
let dns: DnsServer;
let store: SqliteStore;
let config: Config;
let report: DoctorReport;
const DOMAINS = [
  'good.test',
  'nospf.test',
  'plusall.test',
  'wrongip.test',
  'toomany.test',
  'nokey.test',
  'badkey.test',
  'nodmarc.test',
  'badbounce.test',
  'listed.test',
  'noauth.test',
  'rotating.test',
  'testflag.test',
  'dkimfail.test',
  'anyip.test',
  'inclall.test',
  'badsyntax.test',
  'twodmarc.test',
  'nosemicolon.test',
  'nullmx.test',
  'ipmx.test',
  'implicit.test',
  'dkimv2.test',
  'sha1only.test',
  'servicekey.test',
  'brokenkey.test',
  'edonly.test',
];
// One key pair serves every domain (RSA generation costs ~100 ms each); badkey.test publishes another.
const PRIVATE = generateKey('rsa-sha256');
const OTHER_PUBLIC = publicKeyValue(parsePrivateKey(generateKey('rsa-sha256')));
const ED_PRIVATE = generateKey('ed25519-sha256');
const key = (domain: string) =>
  domain === 'edonly.test'
    ? { domain, selector: 'mt1', algorithm: 'ed25519-sha256' as const, privateKey: ED_PRIVATE, active: true, createdAt: Date.now() }
    : { domain, selector: 'mt1', algorithm: 'rsa-sha256' as const, privateKey: PRIVATE, active: true, createdAt: Date.now() };

before(async () => {
  store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 2000 });
  const txt: { name: string; text: string }[] = [];
  const spf = `v=spf1 ip4:127.0.14.60/30 ip4:127.0.14.64/31 -all`; // all six relay addresses
  for (const d of DOMAINS) {
    // Everyone but nokey.test and noauth.test has a key; everyone but badkey.test publishes it.
    if (d !== 'nokey.test' && d !== 'noauth.test') {
      const k = key(d);
      const p = publicKeyValue(parsePrivateKey(k.privateKey));
      // brokenkey.test's stored private key is damaged (its record and public_key column are fine).
      await store.dkimKeys.add({ ...k, publicKey: p, privateKey: d === 'brokenkey.test' ? k.privateKey.replace(/[A-Za-z0-9]{20}\n/, 'AAAA\n') : k.privateKey });
      const record = txtValue(k.algorithm, d === 'badkey.test' ? OTHER_PUBLIC : p);
      // testflag.test flags its record t=y; dkimfail.test's record cannot be looked up (SERVFAIL).
      const variants: Record<string, string> = {
        'testflag.test': `${record}; t=y`,
        'dkimv2.test': record.replace('v=DKIM1', 'v=DKIM2'),
        'sha1only.test': record.replace('k=rsa;', 'k=rsa; h=sha1;'),
        'servicekey.test': record.replace('k=rsa;', 'k=rsa; s=tlsrpt;'),
      };
      if (d !== 'dkimfail.test') txt.push({ name: `mt1._domainkey.${d}`, text: variants[d] ?? record });
    }
    // rotating.test has a second key waiting for `dkim activate`, not published yet (the rotation's first step).
    if (d === 'rotating.test') await store.dkimKeys.add({ ...key(d), selector: 'mt2', active: false, publicKey: OTHER_PUBLIC, privateKey: PRIVATE });
    if (d === 'twodmarc.test') txt.push({ name: `_dmarc.${d}`, text: 'v=DMARC1; p=none' });
    if (d !== 'nodmarc.test')
      txt.push({ name: `_dmarc.${d}`, text: d === 'nosemicolon.test' ? 'v=DMARC1 p=reject' : 'v=DMARC1; p=reject; rua=mailto:d@good.test' });
    // Each domain's bounce domain carries its SPF (it is the MAIL FROM domain).
    const bounceSpf =
      d === 'nospf.test' || d === 'noauth.test' || d === 'dkimfail.test'
        ? null
        : d === 'plusall.test'
          ? 'v=spf1 +all'
          : d === 'wrongip.test'
            ? 'v=spf1 ip4:192.0.2.99 -all'
            : d === 'toomany.test'
              ? `v=spf1 ${Array.from({ length: 11 }, (_, i) => `include:i${i}.toomany.test`).join(' ')} -all`
              : d === 'anyip.test'
                ? 'v=spf1 ip4:0.0.0.0/0 -all'
                : d === 'inclall.test'
                  ? 'v=spf1 include:esp.inclall.test -all'
                  : d === 'badsyntax.test'
                    ? 'v=spf1 ip4:127.0.14.60/30 ip4:127.0.14.64/31 bogus:term -all'
                    : spf;
    if (bounceSpf) txt.push({ name: `bounces.${d}`, text: bounceSpf });
  }
  for (let i = 0; i < 11; i++) txt.push({ name: `i${i}.toomany.test`, text: 'v=spf1 -all' });
  txt.push({ name: 'esp.inclall.test', text: 'v=spf1 +all' });
  txt.push({ name: '61.14.0.127.zen.test', text: 'Listed: see https://zen.test/lookup' });
  dns = await startDnsServer({
    authoritative: ['test', '14.0.127.in-addr.arpa'],
    servfail: ['mt1._domainkey.dkimfail.test', '64.14.0.127.in-addr.arpa', 'flaky.good.test'],
    mx: DOMAINS.filter((d) => d !== 'implicit.test').map((d) => ({
      name: `bounces.${d}`,
      exchange: { 'badbounce.test': 'mx.elsewhere.test', 'nullmx.test': '.', 'ipmx.test': GOOD_IP }[d] ?? 'relay.good.test',
      preference: d === 'nullmx.test' ? 0 : 10,
    })),
    a: [
      { name: 'relay.good.test', address: GOOD_IP },
      { name: 'bounces.implicit.test', address: GOOD_IP },
      { name: 'mx.elsewhere.test', address: '127.0.14.99' },
      { name: 'other.good.test', address: '127.0.14.62' },
      { name: '61.14.0.127.zen.test', address: '127.0.0.2' },
      { name: 'listed.test.dbl.test', address: '127.0.1.2' },
    ],
    ptr: [
      { name: GOOD_IP, target: 'relay.good.test' },
      { name: '127.0.14.62', target: 'other.good.test' },
      { name: '127.0.14.63', target: 'ghost.good.test' },
      { name: '127.0.14.65', target: 'flaky.good.test' },
    ],
    txt,
  });
  config = parseConfig({
    hostname: 'relay.good.test',
    database: { path: path.join(dir, 'q.db') },
    submission: { starttls: { enabled: false, port: 0 }, implicit_tls: { enabled: false, port: 0 } },
    delivery: { dns_servers: [dns.address], dns_timeout_ms: 1500, bounce_domains: Object.fromEntries(DOMAINS.map((d) => [d, `bounces.${d}`])) },
    bounces: { enabled: true, listener: { host: '127.0.0.1', port: 25 }, verp_secret: 'doctor-test-secret-0123456789' },
    doctor: {
      public_ips: [GOOD_IP, '127.0.14.61', '127.0.14.62', '127.0.14.63', '127.0.14.64', '127.0.14.65'],
      dnsbl_zones: ['zen.test'],
      domain_dnsbl_zones: ['dbl.test'],
    },
  });
  report = await runDoctor({ config, store, domains: DOMAINS });
});

after(async () => {
  await dns?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const find = (check: string, domain: string | null, ip?: string): CheckResult[] =>
  report.checks.filter((c) => c.check === check && c.domain === domain && (ip === undefined || c.ip === ip));
const one = (check: string, domain: string | null, ip?: string): CheckResult => {
  const r = find(check, domain, ip);
  assert.equal(r.length, 1, `one ${check} line for ${domain ?? ip}: ${JSON.stringify(r)}`);
  return r[0];
};

test('a domain set up right passes every check', () => {
  const lines = report.checks.filter((c) => c.domain === 'good.test');
  assert.deepEqual(
    lines.map((c) => [c.check, c.status]),
    [
      ['spf', 'pass'],
      ['dkim', 'pass'],
      ['dmarc', 'pass'],
      ['dmarc-alignment', 'pass'],
      ['bounce-mx', 'pass'],
      ['dnsbl-domain', 'pass'],
    ],
  );
  assert.match(one('spf', 'good.test').message, /bounces\.good\.test .* passes for 127\.0\.14\.60.*\(\d of 10 DNS lookups\)/);
  assert.match(one('dmarc-alignment', 'good.test').message, /DKIM \(d=good\.test\) and SPF \(MAIL FROM domain bounces\.good\.test\)/);
});

test('SPF: missing, +all, without our address, over the 10-lookup limit: each fails with its fix', () => {
  assert.deepEqual(
    [one('spf', 'nospf.test').status, one('spf', 'nospf.test').fix],
    ['fail', `publish TXT bounces.nospf.test "v=spf1 ip4:${GOOD_IP} ip4:127.0.14.61 ip4:127.0.14.62 ip4:127.0.14.63 ip4:127.0.14.64 ip4:127.0.14.65 ~all"`],
  );
  const plus = one('spf', 'plusall.test');
  assert.equal(plus.status, 'fail');
  assert.match(plus.message, /\+all: it passes mail from anyone/);
  assert.match(plus.fix!, /replace "\+all" .* with "~all" or "-all"/);
  const wrong = one('spf', 'wrongip.test');
  assert.equal(wrong.status, 'fail');
  assert.match(wrong.message, /does not pass this relay \(127\.0\.14\.60: fail/);
  assert.match(wrong.fix!, /^add ip4:127\.0\.14\.60 .* to TXT bounces\.wrongip\.test/);
  const many = one('spf', 'toomany.test');
  assert.equal(many.status, 'fail');
  assert.match(many.message, /Too many DNS requests.*permerror/);
  assert.match(many.fix!, /at most 10 DNS-querying terms/);
  // Records that pass everyone without a literal +all: a range of every address, an included +all.
  for (const d of ['anyip.test', 'inclall.test']) {
    const any = one('spf', d);
    assert.equal(any.status, 'fail', d);
    assert.match(any.message, /passes mail from any address \(even 192\.0\.2\.1/);
  }
  const syntax = one('spf', 'badsyntax.test');
  assert.equal(syntax.status, 'fail');
  assert.match(syntax.fix!, /^correct the record/, 'a syntax error is not a lookup-limit problem');
});

test('DKIM: no key, and a published record that is not our key', () => {
  const nokey = one('dkim', 'nokey.test');
  assert.deepEqual([nokey.status, nokey.fix], ['fail', 'mailtrail dkim keygen nokey.test, then publish the record it prints']);
  const bad = one('dkim', 'badkey.test');
  assert.equal(bad.status, 'fail');
  assert.match(bad.message, /publishes another key than mailtrail signs with/);
  assert.match(bad.fix!, /^replace the TXT record at mt1\._domainkey\.badkey\.test with "v=DKIM1; k=rsa; p=MII/);
});

test('DKIM: records verifiers refuse (v=DKIM2, h=sha1 only, s= not email) and a stored key that cannot sign fail', () => {
  assert.match(one('dkim', 'dkimv2.test').message, /says v=DKIM2: verifiers accept only v=DKIM1/);
  assert.match(one('dkim', 'sha1only.test').message, /allows only h=sha1, and mailtrail signs with sha256/);
  assert.match(one('dkim', 'servicekey.test').message, /says s=tlsrpt: the key may not be used for email/);
  const broken = one('dkim', 'brokenkey.test');
  assert.equal(broken.status, 'fail');
  assert.match(broken.message, /its stored private key cannot be read .*mailtrail refuses mail from brokenkey\.test for now/);
  for (const d of ['dkimv2.test', 'sha1only.test', 'servicekey.test', 'brokenkey.test']) assert.equal(one('dkim', d).status, 'fail', d);
});

test('a domain signed with Ed25519 alone is warned: most receivers do not verify it yet', () => {
  const checks = find('dkim', 'edonly.test');
  assert.deepEqual(
    checks.map((c) => c.status),
    ['pass', 'warn'],
  );
  assert.match(checks[1]!.message, /signed with Ed25519 only: most receivers do not verify Ed25519/);
  assert.match(checks[1]!.fix!, /--algorithm rsa-2048/);
  assert.equal(find('dkim', 'good.test').length, 1, 'an RSA key alone: no such warning');
});

test('DMARC alignment reads the active key only: a waiting key not yet published, a t=y record and a failed lookup are no DKIM failure', () => {
  assert.deepEqual(
    find('dkim', 'rotating.test').map((c) => c.status),
    ['pass', 'warn'],
  );
  assert.equal(one('dmarc-alignment', 'rotating.test').status, 'pass', 'the active key verifies');
  assert.equal(one('dkim', 'testflag.test').status, 'warn');
  assert.match(one('dmarc-alignment', 'testflag.test').message, /passes DMARC by DKIM \(d=testflag\.test\)/);
  const unknown = one('dmarc-alignment', 'dkimfail.test');
  assert.equal(unknown.status, 'warn', unknown.message);
  assert.match(unknown.message, /could not tell whether mail from dkimfail\.test passes DMARC: the lookup of its DKIM key record failed/);
});

test('DMARC: two records, or tags without ";", are no policy to receivers', () => {
  const two = one('dmarc', 'twodmarc.test');
  assert.deepEqual([two.status, two.message], ['fail', '_dmarc.twodmarc.test has 2 DMARC records: receivers apply none of them (RFC 7489 §6.6.3)']);
  const bare = one('dmarc', 'nosemicolon.test');
  assert.equal(bare.status, 'fail');
  assert.match(bare.message, /is not valid: its tags must be separated by ";"/);
  assert.equal(bare.fix, 'write it as "v=DMARC1; p=reject" in TXT _dmarc.nosemicolon.test');
});

test('DMARC: a missing record fails with the record to publish; no aligned DKIM or SPF fails alignment', () => {
  const none = one('dmarc', 'nodmarc.test');
  assert.equal(none.status, 'fail');
  assert.match(none.fix!, /^publish TXT _dmarc\.nodmarc\.test "v=DMARC1; p=none; rua=mailto:dmarc-reports@nodmarc\.test"/);
  assert.equal(one('dmarc', 'good.test').message, '_dmarc.good.test: p=reject');
  // nokey.test: unsigned, and its bounce domain's SPF passes (so SPF alignment holds: bounces.nokey.test is under nokey.test).
  assert.equal(one('dmarc-alignment', 'nokey.test').status, 'pass');
  // nospf.test signs (aligned) but its SPF fails: alignment still passes through DKIM.
  assert.match(one('dmarc-alignment', 'nospf.test').message, /by DKIM \(d=nospf\.test\)$/);
  // badkey.test: its key is not published and its SPF passes: only SPF aligns.
  assert.match(one('dmarc-alignment', 'badkey.test').message, /by SPF \(MAIL FROM domain bounces\.badkey\.test\)$/);
  const noauth = one('dmarc-alignment', 'noauth.test');
  assert.equal(noauth.status, 'fail');
  assert.match(noauth.message, /fails DMARC: it is not DKIM-signed, and SPF of bounces\.noauth\.test does not pass for this relay/);
  assert.match(noauth.fix!, /^mailtrail dkim keygen noauth\.test/);
});

test('the bounce domain must have an MX that reaches this relay', () => {
  const bad = one('bounce-mx', 'badbounce.test');
  assert.equal(bad.status, 'fail');
  assert.match(bad.message, /MX of the bounce domain bounces\.badbounce\.test \(mx\.elsewhere\.test\) is not this relay/);
  assert.equal(bad.fix, `publish MX bounces.badbounce.test 10 relay.good.test. (and A relay.good.test → ${GOOD_IP})`);
  assert.equal(one('bounce-mx', 'good.test').status, 'pass');
  const nullMx = one('bounce-mx', 'nullmx.test');
  assert.deepEqual(
    [nullMx.status, nullMx.message],
    ['fail', 'the bounce domain bounces.nullmx.test publishes a null MX (RFC 7505): it says it accepts no mail, so no bounce can come back'],
  );
  const ipMx = one('bounce-mx', 'ipmx.test');
  assert.equal(ipMx.status, 'fail');
  assert.match(ipMx.message, /names an address \(127\.0\.14\.60\) instead of a host name/);
  // No MX at all, but the domain's own address is this relay: servers deliver there (implicit MX).
  const implicit = one('bounce-mx', 'implicit.test');
  assert.equal(implicit.status, 'warn');
  assert.match(implicit.message, /has no MX, but its own address is this relay/);
});

test('DNSBLs: a listed domain and a listed address fail, with the list and its reason', () => {
  const d = one('dnsbl-domain', 'listed.test');
  assert.equal(d.status, 'fail');
  assert.match(d.message, /listed\.test is listed in dbl\.test \(127\.0\.1\.2\)/);
  const ip = one('dnsbl', null, '127.0.14.61');
  assert.equal(ip.status, 'fail');
  assert.match(ip.message, /127\.0\.14\.61 is listed in zen\.test \(127\.0\.0\.2: Listed: see https:\/\/zen\.test\/lookup\)/);
  assert.match(ip.fix!, /request removal at zen\.test/);
  assert.equal(one('dnsbl', null, GOOD_IP).status, 'pass');
});

test('PTR: forward-confirmed and equal to the EHLO name passes; missing, other name, unconfirmed fail', () => {
  assert.equal(one('ptr', null, GOOD_IP).status, 'pass');
  const missing = one('ptr', null, '127.0.14.61');
  assert.deepEqual(
    [missing.status, missing.fix],
    ['fail', 'ask whoever runs 127.0.14.61 (the hosting provider) to set its PTR to relay.good.test, and publish A relay.good.test → 127.0.14.61'],
  );
  const other = one('ptr', null, '127.0.14.62');
  assert.equal(other.status, 'fail');
  assert.match(other.message, /127\.0\.14\.62 is other\.good\.test in reverse DNS, but the relay says EHLO relay\.good\.test/);
  assert.match(other.fix!, /^set hostname: other\.good\.test in the config, or ask/);
  const ghost = one('ptr', null, '127.0.14.63');
  assert.equal(ghost.status, 'fail');
  assert.deepEqual(ghost.fix, 'publish A ghost.good.test → 127.0.14.63');
  // A lookup that failed is no missing record: "could not", a warning.
  const down = one('ptr', null, '127.0.14.64');
  assert.deepEqual([down.status, down.message], ['warn', 'could not look up the PTR of 127.0.14.64 (ESERVFAIL)']);
  const flaky = one('ptr', null, '127.0.14.65');
  assert.deepEqual([flaky.status, flaky.message], ['warn', 'could not look up the address of flaky.good.test (ESERVFAIL), the PTR of 127.0.14.65']);
});

test('the text output: one line per check with status, subject, check, message and fix; ok is false', () => {
  assert.equal(report.ok, false);
  const text = renderReport(report);
  const lines = text.trim().split('\n');
  assert.equal(lines.length, report.checks.length + 2);
  assert.match(
    text,
    /^FAIL  nospf\.test +spf +bounces\.nospf\.test \(the bounce domain mail from nospf\.test is sent with\) has no SPF record.*\. Fix: publish TXT bounces\.nospf\.test "v=spf1 /m,
  );
  assert.match(text, /^PASS  relay\.good\.test|^PASS  127\.0\.14\.60 +ptr /m);
  assert.match(lines.at(-1)!, /^\d+ pass, \d+ warn, \d+ fail: fix the failures above$/);
});

test('the text output: a line feed or tab in a DNS answer quoted in a message cannot print a line of its own', () => {
  const forged: DoctorReport = {
    ...report,
    checks: [
      {
        ...one('dnsbl', null, '127.0.14.61'),
        message: '127.0.14.61 is listed in zen.test (127.0.0.2: Listed\nPASS  127.0.14.61  dnsbl           127.0.14.61 is listed in none of zen.test)',
        fix: 'request removal\r\nPASS\tforged',
      },
    ],
  };
  const lines = renderReport(forged).trim().split('\n');
  assert.equal(lines.length, 3, 'one line per check, the blank line, the counts');
  assert.match(
    lines[0]!,
    /^FAIL  127\.0\.14\.61  dnsbl +127\.0\.14\.61 is listed in zen\.test \(127\.0\.0\.2: Listed\?PASS .*Fix: request removal\?\?PASS\?forged$/,
  );
});

test('the submission certificate: valid passes, expiring within 14 days warns, expired and mismatched keys fail', () => {
  const ca = createTestCa(dir);
  const check = (cert: { cert: string; key: string }, keyPem = cert.key) => {
    writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
    writeFileSync(path.join(dir, 'key.pem'), keyPem);
    const c = {
      ...config,
      submission: {
        ...config.submission,
        starttls: { ...config.submission.starttls, enabled: true },
        tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') },
      },
    };
    return checkCertificate({ config: c, dns: null as never, keys: [], now: Date.now() })!;
  };
  const valid = check(ca.issue(['relay.good.test'], { toDays: 90 }));
  assert.equal(valid.status, 'pass', valid.message);
  const soon = check(ca.issue(['relay.good.test'], { toDays: 5 }));
  assert.equal(soon.status, 'warn');
  assert.match(soon.message, /expires in [45] days/);
  assert.match(soon.fix!, /^renew it/);
  const expired = check(ca.issue(['relay.good.test'], { fromDays: -30, toDays: -1 }));
  assert.equal(expired.status, 'fail');
  assert.match(expired.message, /expired on \d{4}-\d{2}-\d{2}/);
  const other = ca.issue(['relay.good.test']);
  assert.equal(check(ca.issue(['relay.good.test']), other.key).status, 'fail', "a key that is not the certificate's");
  assert.equal(check(ca.issue(['elsewhere.test'], { toDays: 90 })).status, 'warn', 'a certificate for another name');
  assert.match(soon.fix!, /send the relay SIGHUP/);
  // The chain in the wrong order (the CA's certificate first): said so, not "another key".
  const own = ca.issue(['relay.good.test'], { toDays: 90 });
  const reversed = check({ cert: readFileSync(ca.file, 'utf8') + own.cert, key: own.key });
  assert.equal(reversed.status, 'fail');
  assert.match(reversed.message, /starts with another certificate .* than the one .*key\.pem belongs to/);
  assert.match(reversed.fix!, /put the relay's own certificate first/);
});

test('CLI: exit 1 with failures, 0 when nothing fails; --json is the report; GET /v1/doctor returns the same shape', async () => {
  const file = path.join(dir, 'mailtrail.yaml');
  const yaml = (domains: string[]) =>
    `hostname: relay.good.test\ndatabase: { path: q.db }\nsubmission: { starttls: { enabled: false, port: 0 }, implicit_tls: { enabled: false, port: 0 } }\n` +
    `delivery: { dns_servers: ["${dns.address}"], bounce_domains: { ${domains.map((d) => `${d}: bounces.${d}`).join(', ')} } }\n` +
    `bounces: { enabled: true, listener: { host: 127.0.0.1, port: 25 }, verp_secret: doctor-test-secret-0123456789 }\n` +
    `doctor: { public_ips: [${GOOD_IP}], dnsbl_zones: [zen.test], domain_dnsbl_zones: [dbl.test] }\n`;
  writeFileSync(file, yaml(['good.test', 'nospf.test']));
  const good = await runCli(['doctor', 'good.test', '--config', file]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^PASS  good\.test +spf /m);
  const bad = await runCli(['doctor', 'nospf.test', '--json', '--config', file]);
  assert.equal(bad.code, 1);
  const json = JSON.parse(bad.stdout) as DoctorReport;
  assert.equal(json.ok, false);
  assert.deepEqual(json.domains, ['nospf.test']);
  assert.equal(json.checks.find((c) => c.check === 'spf')?.status, 'fail');
  assert.equal((await runCli(['doctor', 'not_a_domain', '--config', file])).code, 2);

  const api = createApi({
    store,
    config: {
      api: {
        ...config.api,
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        tokens: [{ name: 'r', token: 'read-token-0123456789-0123456789abcdef', scope: 'read' }],
      },
    },
    logger: silentLogger(),
    doctor: (domains) => runDoctor({ config, store, domains }),
  });
  const { port } = await api.listen();
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v1/doctor?domain=good.test&domain=listed.test`, {
      headers: { authorization: 'Bearer read-token-0123456789-0123456789abcdef' },
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as DoctorReport;
    assert.deepEqual(body.domains, ['good.test', 'listed.test']);
    assert.equal(body.checks.find((c) => c.check === 'dnsbl-domain' && c.domain === 'listed.test')?.status, 'fail');
    assert.equal((await fetch(`http://127.0.0.1:${port}/v1/doctor`)).status, 401);
    const invalid = await fetch(`http://127.0.0.1:${port}/v1/doctor?domain=bad_domain`, {
      headers: { authorization: 'Bearer read-token-0123456789-0123456789abcdef' },
    });
    assert.equal(invalid.status, 400);
    // `domain` is repeatable up to 100 times: more is refused for the count, not as "given more than once".
    const many = await fetch(`http://127.0.0.1:${port}/v1/doctor?${Array.from({ length: 101 }, (_, i) => `domain=d${i}.test`).join('&')}`, {
      headers: { authorization: 'Bearer read-token-0123456789-0123456789abcdef' },
    });
    assert.equal(many.status, 400);
    assert.deepEqual(await many.json(), { error: 'invalid request', field: 'domain', message: 'given 101 times; at most 100' });
  } finally {
    await api.close();
  }
});
