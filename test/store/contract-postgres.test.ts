/**
 * The store contract (test/store/contract) on the PostgreSQL backend, against a private cluster started for
 * this file (test/helpers/postgres.ts). A store is a database of its own, copied from one migrated once;
 * a database whose store was closed is emptied and handed out again (copying one costs far more).
 */
import { after } from 'node:test';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/store.js';
import { startPostgres, type PgCluster } from '../helpers/postgres.js';
import { storeContract } from './contract/index.js';

let cluster: Promise<PgCluster> | undefined;
/** The cluster and a migrated template database, made on first use. */
function template(): Promise<PgCluster> {
  cluster ??= (async () => {
    const c = await startPostgres();
    const s = await openPostgresStore({ url: c.url(await c.createDatabase('contract_template')), pool: 1 });
    await s.close();
    return c;
  })();
  return cluster;
}
after(async () => (await cluster)?.stop());

// Every table the migrations make, children first: what a fresh database holds (nothing).
const EMPTY = `DELETE FROM webhook_outbox; DELETE FROM webhook_cursor; DELETE FROM suppressions; DELETE FROM inbound;
  DELETE FROM messages; DELETE FROM users; DELETE FROM api_tokens; DELETE FROM dkim_keys; DELETE FROM mta_sts_policies;
  DELETE FROM destination_slots; DELETE FROM destination_waiters; DELETE FROM destination_throttles; DELETE FROM tls_sessions; DELETE FROM tls_reports`;
const free: string[] = [];
let made = 0;

async function emptyDatabase(c: PgCluster): Promise<string> {
  const reused = free.pop();
  if (reused === undefined) return c.createDatabase(`contract_${++made}`, 'contract_template');
  await c.sql(reused, EMPTY);
  return reused;
}

storeContract('postgres', async () => {
  const c = await template();
  const name = await emptyDatabase(c);
  const open = () => openPostgresStore({ url: c.url(name), pool: 4 });
  const handles: Store[] = [await open()];
  return {
    store: handles[0]!,
    async another() {
      handles.push(await open());
      return handles[handles.length - 1]!;
    },
    async cleanup() {
      for (const h of handles.splice(0)) await h.close();
      free.push(name);
    },
  };
});
