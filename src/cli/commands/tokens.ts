/**
 * `mailtrail tokens add|list|remove`: bearer tokens for the HTTP API. A new token is printed once and
 * only its SHA-256 is stored; a lost token is removed and replaced, never recovered.
 */
import { generateToken, hashToken } from '../../api/auth.js';
import { describeDatabase } from '../../config/database.js';
import { loadCliConfig, withStore } from '../context.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';

const USAGE = 'mailtrail tokens add NAME --scope read|admin | tokens list [--json] | tokens remove NAME  [--config FILE]';
const SPEC: CommandSpec = {
  name: 'tokens',
  usage: USAGE,
  help: 'read: GET endpoints (messages, search, queue, suppressions, metrics). admin: also retry, cancel, suppression changes.',
};

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, { config: { type: 'string' }, scope: { type: 'string' }, json: { type: 'boolean' } });
  const [action, name] = positionals;
  const config = loadCliConfig(values.config);
  switch (action) {
    case 'add': {
      if (!name || !/^[A-Za-z0-9._@+-]{1,64}$/.test(name))
        throw new UsageError(`tokens add: give a token name of letters, digits and . _ @ + - (got ${JSON.stringify(name ?? '')})\nusage: ${USAGE}`);
      if (values.scope !== 'read' && values.scope !== 'admin')
        throw new UsageError(`tokens add: --scope must be read or admin (got ${JSON.stringify(values.scope ?? '')})\nusage: ${USAGE}`);
      if (config.api.tokens.some((t) => t.name === name))
        throw new UsageError(`tokens add: the config file already has a token named ${name}; pick another name`);
      const scope = values.scope;
      const token = generateToken();
      return withStore(config, async (store) => {
        if ((await store.tokens.list()).some((t) => t.name === name)) {
          process.stderr.write(`mailtrail: a token named ${name} exists already; remove it first to replace it\n`);
          return 1;
        }
        await store.tokens.add({ name, sha256: hashToken(token), scope, createdAt: Date.now() });
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `added ${scope} token ${name} in ${describeDatabase(config.database)}. It is shown only this once: store it now (send it as "Authorization: Bearer <token>").\n`,
        );
        return 0;
      });
    }
    case 'list':
      return withStore(config, async (store) => {
        const rows = [
          ...config.api.tokens.map((t) => ({ name: t.name, scope: t.scope, source: 'config', created_at: null as string | null })),
          ...(await store.tokens.list()).map((t) => ({ name: t.name, scope: t.scope, source: 'database', created_at: new Date(t.createdAt).toISOString() })),
        ];
        if (values.json) for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
        else if (rows.length === 0) process.stdout.write('no API tokens yet: add one with `mailtrail tokens add NAME --scope read`\n');
        else for (const r of rows) process.stdout.write(`${r.name}\t${r.scope}\t${r.source}\t${r.created_at ?? '-'}\n`);
        return 0;
      });
    case 'remove': {
      if (!name) throw new UsageError(`tokens remove: give the token name\nusage: ${USAGE}`);
      return withStore(config, async (store) => {
        if (!(await store.tokens.remove(name))) {
          const inConfig = config.api.tokens.some((t) => t.name === name);
          process.stderr.write(
            inConfig ? `mailtrail: token ${name} is defined in the config file (api.tokens); remove it there\n` : `mailtrail: no token named ${name}\n`,
          );
          return 1;
        }
        process.stdout.write(`removed token ${name}; requests with it are refused from now on\n`);
        return 0;
      });
    }
    default:
      throw new UsageError(`tokens: expected add, list or remove\nusage: ${USAGE}`);
  }
}
