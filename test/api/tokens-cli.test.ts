import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApi } from '../../src/api/app.js';
import { hashToken } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempStore } from '../query/fixture.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailtrail.js');
const mailtrail = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, env: { ...process.env, MAILTRAIL_CONFIG: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const t = tempStore();
let config: string;
before(async () => {
  await t.store.close(); // the CLI opens the file itself
  config = path.join(t.dir, 'mailtrail.yaml');
  writeFileSync(
    config,
    `database:\n  path: ${JSON.stringify(t.dbPath)}\napi:\n  port: 0\n  tokens:\n    - { name: from-config, token: config-token-0123456789-0123456789abcdef, scope: read }\n`,
  );
});
after(() => t.cleanup());

test('tokens add prints a token once, stores only its hash, and the API accepts it with its scope', async () => {
  const added = await mailtrail(['tokens', 'add', 'grafana', '--scope', 'read', '--config', config]);
  assert.equal(added.code, 0, added.stderr);
  const token = added.stdout.trim();
  assert.match(token, /^mt_[A-Za-z0-9_-]{40,}$/);
  assert.match(added.stderr, /shown only this once/);

  const store = openSqliteStore({ path: t.dbPath, synchronous: 'NORMAL', busyTimeoutMs: 2000 });
  const api = createApi({ store, config: loadConfig(config), logger: silentLogger() });
  try {
    const rows = store.db.prepare('SELECT * FROM api_tokens').all() as { name: string; sha256: string }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.sha256]),
      [['grafana', hashToken(token)]],
    );
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is not stored');
    const { port } = await api.listen();
    const get = (tok: string) => fetch(`http://127.0.0.1:${port}/v1/queue`, { headers: { authorization: `Bearer ${tok}` }, signal: AbortSignal.timeout(5000) });
    assert.equal((await get(token)).status, 200);
    const post = await fetch(`http://127.0.0.1:${port}/v1/suppressions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"address":"a@example.com"}',
    });
    assert.equal(post.status, 403);

    const [listed, duplicate] = await Promise.all([
      mailtrail(['tokens', 'list', '--json', '--config', config]),
      mailtrail(['tokens', 'add', 'grafana', '--scope', 'admin', '--config', config]),
    ]);
    assert.deepEqual(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const j = JSON.parse(l);
          return [j.name, j.scope, j.source];
        }),
      [
        ['from-config', 'read', 'config'],
        ['grafana', 'read', 'database'],
      ],
    );
    assert.ok(!listed.stdout.includes(token));

    assert.equal(duplicate.code, 1, 'names are unique');
    const removed = await mailtrail(['tokens', 'remove', 'grafana', '--config', config]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await get(token)).status, 401, 'a removed token is refused at once');
    const [again, cfgRemove] = await Promise.all([
      mailtrail(['tokens', 'remove', 'grafana', '--config', config]),
      mailtrail(['tokens', 'remove', 'from-config', '--config', config]),
    ]);
    assert.equal(again.code, 1);
    assert.match(cfgRemove.stderr, /config file/);
  } finally {
    await api.close();
    await store.close();
  }
});

test('tokens add refuses a missing or unknown scope', async () => {
  const r = await mailtrail(['tokens', 'add', 'x', '--scope', 'write', '--config', config]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--scope must be read or admin/);
});
