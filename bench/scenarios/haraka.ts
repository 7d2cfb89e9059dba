/**
 * haraka: the same load, to the same kind of sink, through Haraka (npm `Haraka`, installed by the
 * benchmark into bench/peers/haraka), the peer written in the same language as mailtrail: an
 * authenticating relay (auth/flat_file) that writes each message to its outbound queue (a file, fsynced
 * before the 250) and delivers it from there to the sink (see bench/lib/haraka-process.ts). Figures:
 * accepted and end-to-end rate, latency, CPU and peak memory of Haraka's processes.
 */
import { ensureHaraka } from '../lib/haraka-install.js';
import { startHaraka } from '../lib/haraka-process.js';
import { runLoadgen } from '../lib/loadgen.js';
import { ADDR } from '../lib/net.js';
import { peakSampler, treeCpuSeconds, treePssMb } from '../lib/proc.js';
import { relayFigures } from '../lib/relay-figures.js';
import { startCountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Scenario, ScenarioResult } from './types.js';

export const run: Scenario = async ({ flags, dir, root, progress }): Promise<ScenarioResult> => {
  const installed = ensureHaraka(progress);
  if ('unavailable' in installed) return { figures: {}, notes: [`skipped: ${installed.unavailable}`] };
  const sink = await startCountingSink(ADDR.harakaSink);
  try {
    const haraka = await startHaraka({
      bin: installed.bin,
      dir,
      host: ADDR.haraka,
      port: 25,
      sinkDomain: 'sink.test',
      sinkHost: sink.host,
      sinkPort: sink.port,
    });
    try {
      progress(
        `haraka: ${flags.messages} messages, ${flags.sessions} sessions, ${flags.size} bytes → Haraka ${installed.version} ${haraka.host}:25 → smtp-sink ${sink.host}:25`,
      );
      const cpuBefore = treeCpuSeconds(haraka.pid);
      const memory = peakSampler(() => treePssMb(haraka.pid));
      const load = await runLoadgen({
        root,
        host: haraka.host,
        port: 25,
        messages: flags.messages,
        sessions: flags.sessions,
        size: flags.size,
        user: haraka.user,
        password: haraka.password,
        from: 'app@bench.test',
        to: 'someone@sink.test',
        runId: `haraka-${Date.now()}`,
      });
      progress(`haraka: ${load.sent} accepted (${round(load.per_second)}/s); waiting for the sink to receive them`);
      const received = await sink.waitFor(load.sent, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}; Haraka's last log lines:\n${haraka.log().slice(-3000)}`);
      });
      const cpu = treeCpuSeconds(haraka.pid) - cpuBefore;
      const peakMem = memory.stop();
      return {
        figures: {
          ...relayFigures({ load, receivedAt: received, delivered: sink.count(), cpuSeconds: cpu, peakMemMb: peakMem }),
          haraka_version: installed.version,
        },
        notes: [
          `Haraka ${installed.version} (npm), started with \`haraka -c DIR\` after \`haraka -i DIR\`: nodes=1 (its default: a cluster master and one worker), plugins auth/flat_file (AUTH PLAIN in cleartext on loopback, plain-text password file) and queue/smtp_forward with enable_outbound=false (it only routes sink.test to the sink through the outbound get_mx hook: a smart host, as Postfix's transport map), a local plugin that answers the rDNS lookup without DNS; log level warn (its default: info). Accepted mail goes to Haraka's outbound queue: one file per message, fsynced and renamed before the 250 (the queue directory itself is not fsynced), delivered over a new connection per message.`,
          "CPU = user+system time of Haraka's process tree (master and worker) from /proc. Peak memory = the highest sum of PSS over the tree, sampled every 200 ms.",
          ...(load.failed ? [`${load.failed} submissions failed: ${JSON.stringify(load.failures)}`] : []),
        ],
      };
    } finally {
      await haraka.stop();
    }
  } finally {
    await sink.stop();
  }
};
