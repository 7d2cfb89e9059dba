/**
 * postfix: the same load, to the same kind of sink, through a stock Postfix (Debian package) in a private
 * instance (its own config, queue and log; see test/helpers/postfix.ts), configured as a relay for
 * loopback clients with its default durability (every queue file fsynced before 250). Figures:
 * accepted and end-to-end rate, latency, and CPU of all of Postfix's processes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { postfixUnavailable, startPostfix } from '../../test/helpers/postfix.js';
import { runLoadgen } from '../lib/loadgen.js';
import { ADDR } from '../lib/net.js';
import { peakSampler, treeCpuSeconds, treePssMb } from '../lib/proc.js';
import { relayFigures } from '../lib/relay-figures.js';
import { startCountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Scenario, ScenarioResult } from './types.js';

export const run: Scenario = async ({ flags, root, progress }): Promise<ScenarioResult> => {
  const why = postfixUnavailable();
  if (why) return { figures: {}, notes: [`skipped: ${why}`] };
  const sink = await startCountingSink(ADDR.postfixSink);
  try {
    // startPostfix's test settings (fast retries, short timeouts) are put back to Postfix's defaults;
    // nothing is deferred in this run, so they would not change the figures, but the claim is "stock".
    const pf = await startPostfix({
      host: ADDR.postfix,
      hostname: 'postfix.bench.test',
      transports: { 'sink.test': `[${ADDR.postfixSink}]:25` },
      main: {
        queue_run_delay: '300s',
        minimal_backoff_time: '300s',
        maximal_backoff_time: '4000s',
        smtp_connect_timeout: '30s',
        delay_warning_time: '0h',
      },
    });
    try {
      const master = Number.parseInt(readFileSync(path.join(pf.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim(), 10);
      progress(`postfix: ${flags.messages} messages, ${flags.sessions} sessions, ${flags.size} bytes → Postfix ${pf.host}:25 → smtp-sink ${sink.host}:25`);
      const cpuBefore = treeCpuSeconds(master);
      const memory = peakSampler(() => treePssMb(master));
      const load = await runLoadgen({
        root,
        host: pf.host,
        port: 25,
        messages: flags.messages,
        sessions: flags.sessions,
        size: flags.size,
        from: 'app@bench.test',
        to: 'someone@sink.test',
        runId: `postfix-${Date.now()}`,
      });
      progress(`postfix: ${load.sent} accepted (${round(load.per_second)}/s); waiting for the sink to receive them`);
      const received = await sink.waitFor(load.sent, 60_000);
      const cpu = treeCpuSeconds(master) - cpuBefore;
      const peakMem = memory.stop();
      return {
        figures: relayFigures({ load, receivedAt: received, delivered: sink.count(), cpuSeconds: cpu, peakMemMb: peakMem }),
        notes: [
          "Stock Debian Postfix, private instance started with `postfix -c DIR start` (no chroot), default durability (queue files fsynced before 250), logging every message to its maillog through postlogd. Relay permission by mynetworks = 127.0.0.0/8 (no SASL: Postfix would need Dovecot or Cyrus for AUTH, so its figures include no authentication); next hop by transport map `sink.test smtp:[sink]:25` instead of an MX lookup (Postfix uses the system resolver, which cannot be pointed at the benchmark's DNS server).",
          "CPU = user+system time of every process in the master's tree (smtpd, cleanup, qmgr, smtp, trivial-rewrite, postlogd, …) including exited ones, from /proc. Peak memory = the highest sum of PSS over the live tree, sampled every 200 ms (an smtpd that lives less than that can be missed).",
          ...(load.failed ? [`${load.failed} submissions failed: ${JSON.stringify(load.failures)}`] : []),
        ],
      };
    } finally {
      await pf.stop();
    }
  } finally {
    await sink.stop();
  }
};
