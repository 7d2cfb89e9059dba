/**
 * The pace at which one listener's DATA streams are read, shared by all its sessions: a byte budget per
 * turn of the event loop and a byte rate.
 *
 * Per turn: libuv reads a readable socket up to 32 times in one turn (64 KB each), so six senders
 * streaming large reports put megabytes in front of the SMTP parser in a single turn, and every other
 * session of the process (submissions included) waits for that turn to end.
 * Per second: receiving is not only the parser's work; the kernel's (on gVisor, the sandbox's) TCP stack
 * and the sender share the same cores. Reading tens of megabytes at loopback speed took the CPU that
 * submissions needed for as long as it lasted (issue 11, the large-DSN benchmark).
 *
 * A stream past either budget is paused: smtp-server then waits for it to drain, the socket stops being
 * read, and TCP backpressure makes the sender wait. Mail below the burst (every ordinary bounce) is
 * never delayed.
 */
import type { Readable } from 'node:stream';

export interface DataPaceOptions {
  /** Bytes all streams together hand on in one turn of the event loop. */
  bytesPerTurn: number;
  /** Bytes per second all streams together hand on over time; 0: no rate limit. */
  bytesPerSecond: number;
  /** Bytes that may pass at once after a quiet spell (default: a quarter second's worth, at least 1 MB). */
  burstBytes?: number;
  now?: () => number;
}

export interface DataPace {
  /** Counts `bytes` just read from `stream`; past a budget, pauses the stream until it is within it again. */
  spend(stream: Readable, bytes: number): void;
}

export function createDataPace(o: DataPaceOptions): DataPace {
  const now = o.now ?? (() => performance.now());
  const burst = o.burstBytes ?? Math.max(1024 * 1024, o.bytesPerSecond / 4);
  let spent = 0;
  let turnScheduled = false;
  let waitingForTurn: Readable[] = [];
  let tokens = burst;
  let refilledAt = now();

  const nextTurn = () => {
    turnScheduled = false;
    spent = 0;
    const resume = waitingForTurn;
    waitingForTurn = [];
    for (const s of resume) if (!s.destroyed && !rateWait.has(s)) s.resume();
  };
  // Streams waiting for the rate: resumed by their timer (and not by the next turn).
  const rateWait = new Set<Readable>();

  return {
    spend(stream, bytes) {
      spent += bytes;
      if (!turnScheduled) {
        turnScheduled = true;
        // setImmediate: after this turn's I/O callbacks, so other sockets' events run first.
        setImmediate(nextTurn);
      }
      if (o.bytesPerSecond > 0) {
        const t = now();
        tokens = Math.min(burst, tokens + ((t - refilledAt) / 1000) * o.bytesPerSecond);
        refilledAt = t;
        tokens -= bytes;
        if (tokens < 0 && !rateWait.has(stream)) {
          rateWait.add(stream);
          stream.pause();
          const waitMs = Math.ceil((-tokens / o.bytesPerSecond) * 1000);
          setTimeout(() => {
            rateWait.delete(stream);
            if (!stream.destroyed) stream.resume();
          }, waitMs);
          return;
        }
      }
      if (spent > o.bytesPerTurn && !stream.isPaused()) {
        stream.pause();
        waitingForTurn.push(stream);
      }
    },
  };
}
