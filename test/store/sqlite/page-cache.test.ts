/**
 * Page cache per connection: the delivery thread's connection keeps SQLite's own 2 MB, the main thread's
 * the 16 MB of better-sqlite3's build (it answers the API's queries). Memory under a deferral burst
 * (docs/benchmarks.md, issue 17).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { openStore, type StoreRole } from '../../../src/store/index.js';
import type { SqliteStore } from '../../../src/store/sqlite/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-page-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cacheSizeOf(role: StoreRole): Promise<number> {
  const config = parseConfig({ hostname: 'relay.test', database: { path: path.join(dir, `${role}.db`) } });
  const store = (await openStore(config, { role })) as SqliteStore;
  try {
    return store.db.pragma('cache_size', { simple: true }) as number;
  } finally {
    await store.close();
  }
}

test("the delivery thread's connection caches 2,000 KiB of pages; the main thread's and a tool's keep 16,000", async () => {
  assert.equal(await cacheSizeOf('delivery'), -2_000);
  assert.equal(await cacheSizeOf('submission'), -16_000);
  assert.equal(await cacheSizeOf('single'), -16_000);
});
