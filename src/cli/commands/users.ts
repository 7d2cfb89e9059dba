/**
 * `mailtrail users add|list|remove`: the accounts apps authenticate with on the submission listener.
 * Passwords come from $MAILTRAIL_PASSWORD, --password-stdin, or a hidden prompt; never from argv
 * (which other local users can read in /proc).
 */
import { createInterface } from 'node:readline';
import { hashPassword } from '../../auth/password.js';
import { describeDatabase } from '../../config/database.js';
import { loadCliConfig, withStore } from '../context.js';
import { domainArg } from '../domain-arg.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';

const USAGE = 'mailtrail users add NAME --domains example.com[,other.org|*] [--password-stdin] | users list [--json] | users remove NAME  [--config FILE]';
const SPEC: CommandSpec = {
  name: 'users',
  usage: USAGE,
  help: [
    'add: the password (at least 12 characters) comes from $MAILTRAIL_PASSWORD, else from stdin (--password-stdin,',
    'or whenever stdin is not a terminal), else from a prompt; never from the command line. --domains: the domains',
    'this user may give in MAIL FROM, comma-separated, or * for any.',
    'Accounts live in the database of the config (--config FILE, else $MAILTRAIL_CONFIG, else the dev config).',
  ].join('\n'),
};

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, {
    config: { type: 'string' },
    domains: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const [action, name] = positionals;
  const config = loadCliConfig(values.config);
  switch (action) {
    case 'add': {
      if (!name || !/^[A-Za-z0-9._@+-]{1,128}$/.test(name))
        throw new UsageError(`users add: give a user name of letters, digits and . _ @ + - (got ${JSON.stringify(name ?? '')})\nusage: ${USAGE}`);
      if (!values.domains)
        throw new UsageError(`users add: --domains is required: the sender domains this user may use in MAIL FROM (or * for any)\nusage: ${USAGE}`);
      // As A-labels: MAIL FROM domains are compared so (bücher.de and xn--bcher-kva.de are one domain).
      const given = values.domains
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const bad = given.find((d) => d !== '*' && domainArg(d) === null);
      if (bad || given.length === 0) throw new UsageError(`users add: --domains: "${bad ?? values.domains}" is not a domain name (example.com) or *`);
      const domains = given.map((d) => (d === '*' ? d : domainArg(d)!));
      const password = await readPassword(values['password-stdin'] === true);
      if (password.length < 12) throw new UsageError('users add: the password must have at least 12 characters');
      const passwordHash = await hashPassword(password);
      return withStore(config, async (store) => {
        if (await store.users.get(name)) {
          process.stderr.write(`mailtrail: user ${name} exists already; remove it first to change its password or domains\n`);
          return 1;
        }
        await store.users.add({ name, passwordHash, senderDomains: domains, createdAt: Date.now() });
        // The database is named: a command run without --config writes to the dev config's, not the relay's.
        process.stdout.write(`added user ${name} (may send from: ${domains.join(', ')}) in ${describeDatabase(config.database)}\n`);
        return 0;
      });
    }
    case 'list':
      return withStore(config, async (store) => {
        const users = await store.users.list();
        if (values.json) {
          for (const u of users)
            process.stdout.write(JSON.stringify({ name: u.name, sender_domains: u.senderDomains, created_at: new Date(u.createdAt).toISOString() }) + '\n');
        } else if (users.length === 0) {
          process.stdout.write('no users yet: add one with `mailtrail users add NAME --domains example.com`\n');
        } else {
          for (const u of users) process.stdout.write(`${u.name}\t${u.senderDomains.join(',')}\t${new Date(u.createdAt).toISOString()}\n`);
        }
        return 0;
      });
    case 'remove': {
      if (!name) throw new UsageError(`users remove: give the user name\nusage: ${USAGE}`);
      return withStore(config, async (store) => {
        if (!(await store.users.remove(name))) {
          process.stderr.write(`mailtrail: no user named ${name}\n`);
          return 1;
        }
        process.stdout.write(`removed user ${name}\n`);
        return 0;
      });
    }
    default:
      throw new UsageError(`users: expected add, list or remove\nusage: ${USAGE}`);
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (process.env.MAILTRAIL_PASSWORD) return process.env.MAILTRAIL_PASSWORD;
  if (fromStdin || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  // Interactive: prompt without echo.
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stdout.write('password: ');
  muted._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}
