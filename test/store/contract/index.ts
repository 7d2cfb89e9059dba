/**
 * The store contract: the behaviour of every Store method, written once against the interface (no SQL, no
 * backend handle) and run against every backend (test/store/contract-<backend>.test.ts). A backend is
 * correct when it passes all of it; what is particular to one backend (SQLite's group commit and WAL,
 * PostgreSQL's advisory locks and plans) is tested beside that backend.
 */
import { describe } from 'node:test';
import { accountsContract } from './accounts.js';
import { destinationsContract } from './destinations.js';
import { eventsContract } from './events.js';
import { messagesContract } from './messages.js';
import { inboundContract } from './inbound.js';
import { overviewContract } from './overview.js';
import { queryContract } from './query.js';
import { queueContract } from './queue.js';
import { retentionContract } from './retention.js';
import { suppressionsContract } from './suppressions.js';
import { tlsReportsContract } from './tls-reports.js';
import { webhooksContract } from './webhooks.js';
import type { OpenStore } from './support.js';

export type { OpenStore, OpenedStore } from './support.js';

export function storeContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    accountsContract(open);
    messagesContract(open);
    eventsContract(open);
    queueContract(open);
    queryContract(open);
    inboundContract(open);
    suppressionsContract(open);
    webhooksContract(open);
    retentionContract(open);
    overviewContract(open);
    destinationsContract(open);
    tlsReportsContract(open);
  });
}
