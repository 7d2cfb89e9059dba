/**
 * dead-destinations: how fast mail to healthy domains drains while part of the backlog is for destinations
 * that cannot answer. The scheduler and the deliverer run in this process over a SQLite queue (production
 * delivery settings: 100 connections, 20 per domain and per address, 30 s connect, 5 minutes for a greeting,
 * 10 s for DNS), delivering through a local DNS server (dnsmasq) to Postfix's smtp-sink.
 *
 * Two runs on fresh queues, each timed from the scheduler's start until every healthy message arrived:
 * - control: only the healthy backlog (HEALTHY messages over HEALTHY_DOMAINS domains);
 * - mixed: the same, plus DEAD messages (a fifth of the backlog) interleaved in due order: half for domains
 *   whose MX is one of TARPITS addresses that accept TCP and never greet (tarpits, or hung servers), half for domains
 *   whose name servers never answer.
 * The figure that matters is the ratio: a relay whose slots all wait on dead destinations drains the healthy
 * mail many times slower (the scale audit of 2026-12-06 saw 12–25 deliveries a second instead of 650–900).
 */
import { configSchema } from '../../src/config/schema.js';
import { createDeliverer } from '../../src/delivery/deliverer.js';
import { silentLogger } from '../../src/log/logger.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { startDnsServer, type DnsServer } from '../../test/helpers/dns-server.js';
import { startSilentHost } from '../../test/helpers/silent-host.js';
import { newMessage } from '../../test/helpers/new-message.js';
import { prng } from '../../test/helpers/prng.js';
import { tempStore } from '../../test/queue/fixtures.js';
import { ADDR, ensureLoopbackAddress } from '../lib/net.js';
import { startCountingSink, type CountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Scenario } from './types.js';

const HEALTHY = 2_000;
const HEALTHY_DOMAINS = 250;
const DEAD = 500;
const DEAD_DOMAINS = 120;
/** Silent addresses the tarpit half of the dead domains is spread over. */
const TARPITS = 5;
/** A run that has not delivered every healthy message by then is reported as it stands. */
const CAP_MS = 240_000;

export const run: Scenario = async ({ progress }) => {
  const sink = await startCountingSink(ADDR.deadSink);
  // Several silent addresses, each with max_connections_per_host (20) sessions waiting on it: five of them
  // are every one of the 100 slots, unless a silent wait gives its slot back.
  const tarpitAddresses = ADDR.deadTarpits.slice(0, TARPITS);
  for (const a of tarpitAddresses) ensureLoopbackAddress(a);
  const tarpits = await Promise.all(tarpitAddresses.map((a) => startSilentHost(a)));
  const healthyDomains = Array.from({ length: HEALTHY_DOMAINS }, (_, i) => `h${i}.healthy.test`);
  const tarpitDomains = Array.from({ length: DEAD_DOMAINS / 2 }, (_, i) => `t${i}.tarpit.test`);
  const silentDnsDomains = Array.from({ length: DEAD_DOMAINS / 2 }, (_, i) => `d${i}.dnsdead.test`);
  const dns = await startDnsServer({
    mx: [
      ...healthyDomains.map((name) => ({ name, exchange: 'mx.sink.healthy.test', preference: 10 })),
      ...tarpitDomains.map((name, i) => ({ name, exchange: `mx${i % TARPITS}.tarpit.test`, preference: 10 })),
    ],
    a: [{ name: 'mx.sink.healthy.test', address: ADDR.deadSink }, ...tarpitAddresses.map((address, i) => ({ name: `mx${i}.tarpit.test`, address }))],
    timeout: ['dnsdead.test'],
    ttl: 300,
  });
  try {
    progress(`dead-destinations: control, ${HEALTHY} messages to ${HEALTHY_DOMAINS} healthy domains`);
    const control = await drain({ dns, sink, healthyDomains, dead: [] });
    progress(`dead-destinations: control ${control.seconds} s; mixed, + ${DEAD} to ${DEAD_DOMAINS} dead domains`);
    const mixed = await drain({ dns, sink, healthyDomains, dead: [...tarpitDomains, ...silentDnsDomains] });
    progress(`dead-destinations: mixed ${mixed.seconds} s (${mixed.delivered}/${HEALTHY} healthy)`);
    return {
      figures: {
        control_healthy_msgs_per_s: round(HEALTHY / control.seconds),
        mixed_healthy_msgs_per_s: round(mixed.delivered / mixed.seconds),
        mixed_over_control_time: round(mixed.seconds / control.seconds, 2),
        mixed_healthy_delivered: mixed.delivered,
        mixed_seconds: mixed.seconds,
        tarpit_connections: tarpits.reduce((n, t) => n + t.accepted, 0),
      },
      notes: [
        `Scheduler and deliverer in process (production delivery limits), SQLite queue, dnsmasq, Postfix's smtp-sink; ${HEALTHY} healthy messages over ${HEALTHY_DOMAINS} domains, alone (control) and with ${DEAD} more interleaved for ${DEAD_DOMAINS} dead domains (half behind ${TARPITS} addresses that never greet, half whose DNS never answers); time until every healthy message arrived, capped at ${CAP_MS / 1000} s.`,
      ],
    };
  } finally {
    await Promise.all([sink.stop(), ...tarpits.map((t) => t.stop()), dns.stop()]);
  }
};

async function drain(o: { dns: DnsServer; sink: CountingSink; healthyDomains: string[]; dead: string[] }): Promise<{ seconds: number; delivered: number }> {
  const t = tempStore();
  const config = configSchema.parse({ hostname: 'relay.bench.test', database: { path: t.path }, delivery: { dns_servers: [o.dns.address] } });
  const random = prng(7);
  const addresses = [
    ...Array.from({ length: HEALTHY }, (_, i) => `u${i}@${o.healthyDomains[i % o.healthyDomains.length]}`),
    ...o.dead
      .flatMap((domain, d) => Array.from({ length: Math.ceil(DEAD / o.dead.length) }, (_, i) => `x${d}.${i}@${domain}`))
      .slice(0, o.dead.length ? DEAD : 0),
  ];
  // Interleaved in due order: the dead destinations' mail is claimed among the healthy mail, as in a real backlog.
  const createdAt = Date.now() - 60_000;
  const order = addresses.map((a) => ({ a, k: random() })).sort((x, y) => x.k - y.k);
  for (const [i, { a }] of order.entries()) {
    await t.store.messages.enqueue(
      newMessage({
        messageId: `dd${i}@bench.test`,
        mailFrom: 'app@bench.test',
        createdAt: createdAt + i,
        raw: `From: app@bench.test\r\nTo: ${a}\r\nSubject: dead destinations ${i}\r\nMessage-ID: <dd${i}@bench.test>\r\n\r\nHello.\r\n`,
        recipients: [{ address: a, notify: null }],
      }),
    );
  }
  const deliverer = createDeliverer({ config, logger: silentLogger() });
  const scheduler = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
  const before = o.sink.count();
  const t0 = Date.now();
  scheduler.start();
  try {
    while (o.sink.count() - before < HEALTHY && Date.now() - t0 < CAP_MS) await new Promise((r) => setTimeout(r, 50));
    return { seconds: round((Date.now() - t0) / 1000, 2), delivered: o.sink.count() - before };
  } finally {
    await scheduler.stop(2_000);
    await deliverer.close();
    await t.cleanup();
  }
}
