/**
 * relay-pg-2nodes: two relays on one PostgreSQL database, the load generator's sessions alternating
 * between them, against one sink: the same load as `relay` and `relay-pg`, in the same rounds. On one
 * machine both relays and the database share its cores (bench/scenarios/relay.ts).
 */
import { runRelay } from './relay.js';
import type { Scenario } from './types.js';

export const run: Scenario = (ctx) => runRelay(ctx, { backend: 'postgres', nodes: 2 });
