/** The store contract (test/store/contract) on the SQLite backend: a fresh database file per store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { storeContract } from './contract/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeContract('sqlite', async () => {
  const file = path.join(dir, `s${++n}.db`);
  const open = () => openSqliteStore({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 5_000 });
  const handles: Store[] = [open()];
  return {
    store: handles[0]!,
    async another() {
      handles.push(open());
      return handles[handles.length - 1]!;
    },
    async cleanup() {
      for (const h of handles.splice(0)) await h.close();
    },
  };
});
