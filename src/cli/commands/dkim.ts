/**
 * `mailtrail dkim keygen|list|record|activate|remove`: DKIM signing keys. A key is made and stored in the
 * database (every node of a shared store signs with it) and the DNS TXT record to publish is printed.
 * The first key of a domain and algorithm signs at once; a later one waits until `activate`, so that a
 * rotation never signs with a key whose record is not published yet.
 */
import { ALGORITHMS, algorithmOf, generateKey, parsePrivateKey, publicKeyValue, recordName, zoneRecord } from '../../dkim/keys.js';
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/schema.js';
import type { DkimAlgorithm } from '../../store/deliverability.js';
import { loadCliConfig, withStore } from '../context.js';
import { domainArg } from '../domain-arg.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';

const USAGE =
  'mailtrail dkim keygen DOMAIN [--selector S] [--algorithm rsa-2048|ed25519] | dkim list [--json] | dkim record DOMAIN | dkim activate DOMAIN SELECTOR | dkim remove DOMAIN SELECTOR  [--config FILE]';
const SPEC: CommandSpec = {
  name: 'dkim',
  usage: USAGE,
  help: [
    'keygen prints the DNS record to stdout (and what to do next to stderr). Publish the record before mail leaves:',
    'receivers that find no key treat the signature as failed. Check with `mailtrail doctor DOMAIN`.',
    'Default selector: mt-YYYYMMDD-rsa or mt-YYYYMMDD-ed. Keys in files go in the config (dkim.keys) instead.',
  ].join('\n'),
};
const LABELS = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

interface KeyRow {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  state: 'active' | 'waiting';
  source: 'database' | 'config';
  created_at: string | null;
  record: string;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, {
    config: { type: 'string' },
    selector: { type: 'string' },
    algorithm: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [action, domainArg, selectorArg] = positionals;
  const config = loadCliConfig(values.config);
  const domain = domainArg ? asciiDomain(domainArg, action) : undefined;
  switch (action) {
    case 'keygen': {
      if (!domain) throw new UsageError(`dkim keygen: give the sending domain\nusage: ${USAGE}`);
      const algoName = values.algorithm ?? 'rsa-2048';
      if (!(algoName in ALGORITHMS)) throw new UsageError(`dkim keygen: --algorithm must be rsa-2048 or ed25519 (got ${JSON.stringify(algoName)})`);
      const algorithm = ALGORITHMS[algoName as keyof typeof ALGORITHMS];
      const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      const selector = (values.selector ?? `mt-${stamp}-${algorithm === 'rsa-sha256' ? 'rsa' : 'ed'}`).toLowerCase();
      if (!LABELS.test(selector) || selector.length > 63)
        throw new UsageError(`dkim keygen: --selector must be DNS labels of letters, digits and - (got ${JSON.stringify(selector)})`);
      const privateKey = generateKey(algorithm);
      const p = publicKeyValue(parsePrivateKey(privateKey));
      return withStore(config, async (store) => {
        const existing = await store.dkimKeys.list();
        if (existing.some((k) => k.domain === domain && k.selector === selector)) {
          process.stderr.write(`mailtrail: ${domain} already has a key with selector ${selector}; choose another --selector\n`);
          return 1;
        }
        const key = await store.dkimKeys.add({ domain, selector, algorithm, privateKey, publicKey: p, active: true, createdAt: Date.now() });
        process.stdout.write(zoneRecord(domain, selector, algorithm, p) + '\n');
        const shadowed = config.dkim.keys.some((k) => k.domain.toLowerCase() === domain);
        const next = key.active
          ? `It signs mail from ${domain} from now on: publish the record above first (receivers that find no key fail the signature).`
          : `${domain} already has an active ${algorithm} key, which keeps signing: publish the record above, wait for it to be visible, then run \`mailtrail dkim activate ${domain} ${selector}\`.`;
        process.stderr.write(
          `created ${algorithm} key ${selector} for ${domain}; the DNS TXT record to publish (name ${recordName(domain, selector)}) is on stdout.\n${next}\n` +
            (shadowed ? `Note: the config file has a key for ${domain} (dkim.keys), which is used before database keys of the same algorithm.\n` : '') +
            `Check with: mailtrail doctor ${domain}\n`,
        );
        return 0;
      });
    }
    case 'list':
      return withStore(config, async (store) => {
        const rows: KeyRow[] = [
          ...configKeys(config),
          ...(await store.dkimKeys.list()).map((k) => ({
            domain: k.domain,
            selector: k.selector,
            algorithm: k.algorithm,
            state: k.active ? ('active' as const) : ('waiting' as const),
            source: 'database' as const,
            created_at: new Date(k.createdAt).toISOString(),
            record: zoneRecord(k.domain, k.selector, k.algorithm, k.publicKey),
          })),
        ];
        if (values.json) for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
        else if (rows.length === 0) process.stdout.write('no DKIM keys yet: make one with `mailtrail dkim keygen example.com`\n');
        else for (const r of rows) process.stdout.write(`${r.domain}\t${r.selector}\t${r.algorithm}\t${r.state}\t${r.source}\t${r.created_at ?? '-'}\n`);
        return 0;
      });
    case 'record':
      if (!domain) throw new UsageError(`dkim record: give the domain\nusage: ${USAGE}`);
      return withStore(config, async (store) => {
        const rows = [
          ...configKeys(config),
          ...(await store.dkimKeys.list()).map((k) => ({ ...k, record: zoneRecord(k.domain, k.selector, k.algorithm, k.publicKey) })),
        ].filter((k) => k.domain === domain);
        if (rows.length === 0) {
          process.stderr.write(`mailtrail: no DKIM key for ${domain}; make one with mailtrail dkim keygen ${domain}\n`);
          return 1;
        }
        for (const r of rows) process.stdout.write(r.record + '\n');
        return 0;
      });
    case 'activate':
    case 'remove': {
      if (!domain || !selectorArg) throw new UsageError(`dkim ${action}: give the domain and the selector\nusage: ${USAGE}`);
      const selector = selectorArg.toLowerCase();
      return withStore(config, async (store) => {
        const removed = action === 'remove' ? (await store.dkimKeys.list()).find((k) => k.domain === domain && k.selector === selector) : undefined;
        const done = action === 'activate' ? await store.dkimKeys.activate(domain, selector) : await store.dkimKeys.remove(domain, selector);
        if (!done) {
          const inConfig = config.dkim.keys.some((k) => k.domain.toLowerCase() === domain && k.selector === selector);
          process.stderr.write(
            inConfig
              ? `mailtrail: key ${selector} of ${domain} is in the config file (dkim.keys); change it there\n`
              : `mailtrail: no DKIM key ${selector} for ${domain}\n`,
          );
          return 1;
        }
        process.stdout.write(
          action === 'activate'
            ? `key ${selector} now signs mail from ${domain} (within 10 seconds on running relays)\n`
            : `removed key ${selector} of ${domain}; mail from ${domain} is no longer signed with it (keep its DNS record a few days for mail still in transit)\n`,
        );
        // The active key of its algorithm gone: a waiting one does not take over by itself (its record may not be
        // published yet), so say which to activate, or that mail now goes without that signature.
        if (removed?.active) {
          const rest = (await store.dkimKeys.list()).filter((k) => k.domain === domain && k.algorithm === removed.algorithm);
          if (!rest.some((k) => k.active))
            process.stderr.write(
              rest.length > 0
                ? `mailtrail: mail from ${domain} now goes without an ${removed.algorithm} signature; once its DNS record is published, \`mailtrail dkim activate ${domain} ${rest[0]!.selector}\`\n`
                : `mailtrail: mail from ${domain} now goes without an ${removed.algorithm} signature (no other ${removed.algorithm} key); make one with \`mailtrail dkim keygen ${domain}\`\n`,
            );
        }
        return 0;
      });
    }
    default:
      throw new UsageError(`dkim: expected keygen, list, record, activate or remove\nusage: ${USAGE}`);
  }
}

function asciiDomain(value: string, action: string | undefined): string {
  const d = domainArg(value);
  if (!d) throw new UsageError(`dkim ${action ?? ''}: "${value}" is not a domain name such as example.com`);
  return d;
}

/** Keys from config files, as list rows (their files were checked when the config was loaded). */
function configKeys(config: Config): KeyRow[] {
  return config.dkim.keys.map((k) => {
    const key = parsePrivateKey(readFileSync(k.private_key_file, 'utf8'));
    const algorithm = algorithmOf(key);
    return {
      domain: k.domain.toLowerCase(),
      selector: k.selector,
      algorithm,
      state: 'active',
      source: 'config',
      created_at: null,
      record: zoneRecord(k.domain.toLowerCase(), k.selector, algorithm, publicKeyValue(key)),
    };
  });
}
