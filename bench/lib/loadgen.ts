/**
 * Runs bench/loadgen.ts as its own process (so its CPU is not the measured server's) and returns what
 * it printed.
 */
import { runJsonChild } from './json-child.js';

export interface Summary {
  p50: number;
  p99: number;
  max: number;
}

export interface LoadgenResult {
  sent: number;
  failed: number;
  /** Connections refused (421 greeting or AUTH), each counted as a failed message too. */
  refused: number;
  failures: Record<string, number>;
  first_send_ms: number;
  last_ack_ms: number;
  latencies_ms: Summary;
  /** connect() → the 250 after DATA, for the first message of each connection. */
  connect_latencies_ms: Summary;
  tls: { handshakes: number; resumed: number; handshake_ms: Summary };
  /** A connection's steps (its first message), each from the end of the one before: tcp_connect, greeting, ehlo, [starttls_ehlo,] auth, mail_rcpt_data, body_to_250, quit. */
  phases_ms: Record<string, Summary>;
  per_second: number;
  /** The load generator's own CPU time in ms (user + system), start-up included. */
  cpu_ms: number;
  /** The same from the first connection on: what it took from the cores while the server worked. */
  cpu_load_ms: number;
  /** Of cpu_load_ms, the kernel's share (system time: the loopback TCP work of its sockets). */
  cpu_load_sys_ms: number;
}

export interface LoadgenOptions {
  root: string;
  host: string;
  port: number;
  messages: number;
  sessions: number;
  size: number;
  user?: string;
  password?: string;
  from: string;
  to: string;
  runId: string;
  /** Messages per connection before reconnecting (default 100; 1 = a connection per message). */
  perConnection?: number;
  starttls?: boolean;
  /** Offer no TLS session from the previous connection (every handshake is a full one). */
  noResume?: boolean;
  /** Offered messages per second in all, paced (open loop); absent = as fast as replies come. */
  rate?: number;
}

export function runLoadgen(o: LoadgenOptions): Promise<LoadgenResult> {
  const args = ['--host', o.host, '--port', String(o.port), '--messages', String(o.messages), '--sessions', String(o.sessions), '--size', String(o.size)];
  args.push('--from', o.from, '--to', o.to, '--run-id', o.runId);
  if (o.user) args.push('--user', o.user);
  if (o.perConnection) args.push('--per-connection', String(o.perConnection));
  if (o.starttls) args.push('--starttls');
  if (o.noResume) args.push('--no-resume');
  if (o.rate) args.push('--rate', String(o.rate));
  // The password travels in the environment, not argv (which any local user can read in /proc).
  const env = { ...process.env, ...(o.password ? { LOADGEN_PASSWORD: o.password } : {}) };
  // LOADGEN_NODE_ARGS: node flags for the load generator alone (e.g. `--cpu-prof --cpu-prof-dir=DIR`), to see where
  // its own CPU goes: it shares the cores with the server under test.
  const nodeArgs = (process.env.LOADGEN_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  return runJsonChild<LoadgenResult>(o.root, { script: 'bench/loadgen.ts', args, env, what: 'load generator', nodeArgs });
}
