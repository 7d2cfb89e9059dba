/**
 * limit: the load generator straight into Postfix's smtp-sink, no relay in between. What loopback,
 * this CPU and the generator itself allow: the ceiling the relay's figures are read against.
 */
import { runLoadgen } from '../lib/loadgen.js';
import { ADDR } from '../lib/net.js';
import { startCountingSink } from '../lib/sink.js';
import type { Scenario } from './types.js';

export const run: Scenario = async ({ flags, root, progress }) => {
  const sink = await startCountingSink(ADDR.limitSink);
  try {
    progress(`limit: ${flags.messages} messages, ${flags.sessions} sessions, ${flags.size} bytes → smtp-sink ${sink.host}:25`);
    const load = await runLoadgen({
      root,
      host: sink.host,
      port: 25,
      messages: flags.messages,
      sessions: flags.sessions,
      size: flags.size,
      from: 'bench@bench.test',
      to: 'sink@sink.test',
      runId: `limit-${Date.now()}`,
    });
    const received = await sink.waitFor(load.sent, 10_000);
    const seconds = (Math.max(received, load.last_ack_ms) - load.first_send_ms) / 1000;
    return {
      figures: {
        sent: load.sent,
        failed: load.failed,
        msgs_per_s: round(load.sent / seconds),
        submit_p50_ms: round(load.latencies_ms.p50, 2),
        submit_p99_ms: round(load.latencies_ms.p99, 2),
      },
      notes: [
        'Load generator → smtp-sink (no dump to disk, counters only) over loopback, no AUTH: the ceiling for any relay on this machine, load generator included.',
        ...(load.failed ? [`${load.failed} messages failed: ${JSON.stringify(load.failures)}`] : []),
      ],
    };
  } finally {
    await sink.stop();
  }
};

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
