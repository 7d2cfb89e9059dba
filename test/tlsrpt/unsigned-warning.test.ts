/** TLS reports by mail need a DKIM signature of their From domain (RFC 8460 §5.3): the relay says so at start when it has none. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { generateKey, parsePrivateKey, publicKeyValue } from '../../src/dkim/keys.js';
import { startRelay } from '../../src/main.js';
import { captureLogger } from '../queue/fixtures.js';

test('TLS reporting on without a DKIM key for the hostname: a warning at start naming the command; with one, none', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-tlsrpt-warn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = parseConfig({
    hostname: 'relay.tlsrpt.test',
    database: { path: path.join(dir, 'q.db') },
    submission: { starttls: { enabled: false, port: 0 }, implicit_tls: { enabled: false, port: 0 } },
    delivery: { enabled: false, tls_reporting: { enabled: true, organization_name: 'Test', contact_info: 'ops@tlsrpt.test' } },
    api: { enabled: false },
  });
  const warnings = async () => {
    const { logger, lines } = captureLogger();
    const relay = await startRelay(config, { logger });
    await relay.stop();
    return lines.filter((l) => l.event === 'relay.config' && /tls_reporting/.test(String(l.msg)));
  };
  const [warned] = await warnings();
  assert.match(
    String(warned?.msg),
    /no DKIM key for relay\.tlsrpt\.test .*receivers ignore unsigned TLS reports \(RFC 8460 §5\.3\)\. Run: mailtrail dkim keygen relay\.tlsrpt\.test/,
  );
  // With a key for the hostname: no warning.
  const { openSqliteStore } = await import('../../src/store/sqlite/index.js');
  const store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 2_000 });
  const privateKey = generateKey('ed25519-sha256');
  await store.dkimKeys.add({
    domain: 'relay.tlsrpt.test',
    selector: 's1',
    algorithm: 'ed25519-sha256',
    privateKey,
    publicKey: publicKeyValue(parsePrivateKey(privateKey)),
    active: true,
    createdAt: Date.now(),
  });
  await store.close();
  assert.deepEqual(await warnings(), []);
});
