/**
 * relay-pg: the relay scenario on PostgreSQL, one node: the same load, the same sink and the same
 * measurements as `relay` (SQLite), in the same rounds, plus the database server's CPU and the transactions
 * and statements the relay asked of it per message (bench/scenarios/relay.ts).
 */
import { runRelay } from './relay.js';
import type { Scenario } from './types.js';

export const run: Scenario = (ctx) => runRelay(ctx, { backend: 'postgres', nodes: 1 });
