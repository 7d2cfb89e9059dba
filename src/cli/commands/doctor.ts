/**
 * `mailtrail doctor [DOMAIN…] [--json]`: checks SPF, DKIM, DMARC and alignment, the bounce domain's MX,
 * reverse DNS, DNS blocklists and the submission certificate (src/doctor), one line per check with what to
 * fix. Exit 0 when nothing fails (warnings allowed), 1 when something does.
 */
import { runDoctor, renderReport } from '../../doctor/index.js';
import { loadCliConfig, withStore } from '../context.js';
import { domainArg } from '../domain-arg.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';
import { printable } from '../../log/printable.js';

const USAGE = 'mailtrail doctor [DOMAIN…] [--json]  [--config FILE]';
const SPEC: CommandSpec = {
  name: 'doctor',
  usage: USAGE,
  help: [
    'Without DOMAIN: every sender domain of every user (except *) and every domain with a DKIM key.',
    "DNS goes to delivery.dns_servers; set doctor.public_ips to this relay's public addresses for complete SPF, PTR and DNSBL checks.",
    'Exit status: 0 when no check fails, 1 when one does, 2 for a bad config or usage.',
  ].join('\n'),
};

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, { config: { type: 'string' }, json: { type: 'boolean' } });
  const bad = positionals.find((d) => domainArg(d) === null);
  if (bad) throw new UsageError(`doctor: "${bad}" is not a domain name such as example.com\nusage: ${USAGE}`);
  const domains = positionals.map((d) => domainArg(d)!);
  const config = loadCliConfig(values.config);
  return withStore(config, async (store) => {
    const report = await runDoctor({ config, store, domains });
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : printable(renderReport(report)));
    return report.ok ? 0 : 1;
  });
}
