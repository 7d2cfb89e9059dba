/**
 * The figures every server of the relay comparison (mailtrail, Postfix, Haraka) reports from one loaded
 * run, computed one way for all, so that a ratio between two of them compares like with like.
 */
import { round } from '../scenarios/limit.js';
import type { Figures } from '../scenarios/types.js';
import type { LoadgenResult } from './loadgen.js';

export interface RelayRun {
  load: LoadgenResult;
  /** Wall-clock ms at which the sink had received the last message. */
  receivedAt: number;
  /** Messages the server delivered (what CPU per message is divided by). */
  delivered: number;
  /** CPU seconds of the server's processes between just before the load and the last message received. */
  cpuSeconds: number;
  peakMemMb: number;
}

export function relayFigures({ load, receivedAt, delivered, cpuSeconds, peakMemMb }: RelayRun): Figures {
  // Accepted: first message sent → last 250; end to end: first message sent → the sink has them all.
  const submitSeconds = (load.last_ack_ms - load.first_send_ms) / 1000;
  const e2eSeconds = (receivedAt - load.first_send_ms) / 1000;
  return {
    sent: load.sent,
    failed: load.failed,
    delivered,
    submit_msgs_per_s: round(load.sent / submitSeconds),
    e2e_msgs_per_s: round(load.sent / e2eSeconds),
    submit_p50_ms: round(load.latencies_ms.p50, 2),
    submit_p99_ms: round(load.latencies_ms.p99, 2),
    submit_max_ms: round(load.latencies_ms.max, 2),
    cpu_s: round(cpuSeconds, 2),
    cpu_ms_per_msg: delivered ? round((cpuSeconds * 1000) / delivered, 3) : null,
    peak_mem_mb: peakMemMb,
  };
}
