/**
 * Back-to-back pairs of two load generators (two checkouts' bench/loadgen.ts) against the same servers, for a change
 * to the client itself (issue 18): on this 2-core machine the client shares the cores with the server under test,
 * so its CPU per message is a term in every server's throughput. One mailtrail relay (`--relay ROOT`) and one
 * Postfix, each warmed up first; then per pair, for each server, client A and client B back to back (the order
 * alternating between pairs), 20 workers, a connection per message, cleartext (AUTH PLAIN for mailtrail; Postfix
 * relays for loopback without it, as in the per-message scenario), each run after the last one's mail reached the sink.
 *
 * Per run: accepted msgs/s, the server's CPU ms per message, the client's CPU ms per message while it ran (start-up
 * left out: `cpu_load_ms`; an older client reports only `cpu_ms`). Per pair and client: mailtrail / Postfix msgs/s.
 *
 * `--sink-only`: the clients against Postfix's smtp-sink alone (no AUTH; the sink does next to nothing per message), to
 * see the clients' own difference with the least noise from a server.
 *
 * usage: node --import tsx bench/ab-loadgen.ts --a DIR --b DIR --relay DIR [--pairs 4] [--messages 3000] [--workers 20]
 *          [--sink-only]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { postfixUnavailable, startPostfix } from '../test/helpers/postfix.js';
import { startDnsServer } from '../test/helpers/dns-server.js';
import { runLoadgen } from './lib/loadgen.js';
import { ADDR } from './lib/net.js';
import { cpuSeconds, treeCpuSeconds } from './lib/proc.js';
import { startRelay } from './lib/relay-process.js';
import { startCountingSink } from './lib/sink.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    relay: { type: 'string', default: '.' },
    pairs: { type: 'string', default: '4' },
    messages: { type: 'string', default: '3000' },
    workers: { type: 'string', default: '20' },
    'sink-only': { type: 'boolean', default: false },
  },
});
if (!values.a || !values.b) throw new Error('give --a DIR and --b DIR (the checkouts whose bench/loadgen.ts to compare)');
const why = values['sink-only'] ? null : postfixUnavailable();
if (why) throw new Error(`Postfix is needed: ${why}`);
const clients = { A: path.resolve(values.a), B: path.resolve(values.b) };
const messages = Number(values.messages);
const workers = Number(values.workers);

const sink = await startCountingSink(ADDR.relaySink);
const dns = await startDnsServer({
  mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
  a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
  ttl: 300,
});
interface Server {
  name: string;
  host: string;
  port: number;
  user?: string;
  password?: string;
  cpu(): number;
}
const servers: Server[] = [];
const stops: (() => Promise<void>)[] = [];
if (values['sink-only']) {
  servers.push({ name: 'smtp-sink', host: sink.host, port: sink.port, cpu: () => cpuSeconds(sink.pid) });
} else {
  const dir = path.join(os.tmpdir(), `ab-loadgen-${process.pid}`);
  const relay = await startRelay({ root: path.resolve(values.relay), dir, host: ADDR.relaySubmission, port: 2587, dnsServer: dns.address });
  stops.push(() => relay.stop());
  const pf = await startPostfix({
    host: ADDR.postfix,
    hostname: 'postfix.bench.test',
    transports: { 'sink.test': `[${ADDR.relaySink}]:25` },
    main: { queue_run_delay: '300s', minimal_backoff_time: '300s', maximal_backoff_time: '4000s', delay_warning_time: '0h' },
  });
  stops.push(() => pf.stop());
  const master = Number.parseInt(readFileSync(path.join(pf.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim(), 10);
  servers.push(
    { name: 'mailtrail', host: relay.host, port: relay.port, user: relay.user, password: relay.password, cpu: () => cpuSeconds(relay.pid) },
    { name: 'postfix', host: pf.host, port: 25, cpu: () => treeCpuSeconds(master) },
  );
}

let delivered = 0;
async function run(server: Server, client: 'A' | 'B', id: string) {
  await sink.waitFor(delivered, 120_000);
  const before = server.cpu();
  const r = await runLoadgen({
    root: clients[client],
    host: server.host,
    port: server.port,
    messages,
    sessions: workers,
    size: 4096,
    user: server.user,
    password: server.password,
    from: 'app@bench.test',
    to: 'someone@sink.test',
    runId: `abl-${id}-${Date.now()}`,
    perConnection: 1,
  });
  delivered += r.sent;
  const cpu = server.cpu() - before;
  const seconds = (r.last_ack_ms - r.first_send_ms) / 1000;
  return {
    msgs_per_s: Math.round(r.sent / seconds),
    server_cpu_ms_per_msg: Number(((cpu * 1000) / r.sent).toFixed(3)),
    client_cpu_ms_per_msg: Number(((r.cpu_load_ms ?? r.cpu_ms) / r.sent).toFixed(3)),
    failed: r.failed,
  };
}

type Row = { pair: number; server: string; client: 'A' | 'B' } & Awaited<ReturnType<typeof run>> & { load: number };
const rows: Row[] = [];
try {
  // Warm-up, not measured: each server's first thousands of messages pay for its start.
  for (const server of servers) await run(server, 'A', `warm-${server.name}`);
  for (let pair = 1; pair <= Number(values.pairs); pair++) {
    const order: ('A' | 'B')[] = pair % 2 === 1 ? ['A', 'B'] : ['B', 'A'];
    for (const server of servers) {
      for (const client of order) {
        const row: Row = {
          pair,
          server: server.name,
          client,
          ...(await run(server, client, `${server.name}-${client}${pair}`)),
          load: Number(os.loadavg()[0].toFixed(2)),
        };
        rows.push(row);
        process.stdout.write(`${JSON.stringify(row)}\n`);
      }
    }
  }
} finally {
  for (const stop of stops) await stop();
  await sink.stop();
  await dns.stop();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[]) => `${Number(median(xs).toFixed(3))} (${Math.min(...xs)}–${Math.max(...xs)})`;
for (const client of ['A', 'B'] as const) {
  for (const server of servers) {
    const mine = rows.filter((r) => r.client === client && r.server === server.name);
    process.stdout.write(
      `${client} ${server.name}: msgs/s ${spread(mine.map((r) => r.msgs_per_s))}, server CPU ms/msg ${spread(mine.map((r) => r.server_cpu_ms_per_msg))}, client CPU ms/msg ${spread(mine.map((r) => r.client_cpu_ms_per_msg))}\n`,
    );
  }
  if (values['sink-only']) continue;
  const ratios = [...new Set(rows.map((r) => r.pair))].map((pair) => {
    const of = (name: string) => rows.find((r) => r.pair === pair && r.client === client && r.server === name)!.msgs_per_s;
    return Number((of('mailtrail') / of('postfix')).toFixed(2));
  });
  process.stdout.write(`${client} mailtrail / Postfix msgs/s per pair: ${ratios.join(' ')}; median ${median(ratios).toFixed(2)}\n`);
}
