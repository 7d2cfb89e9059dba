/**
 * Parses inbound mail in a worker thread, under a time and a memory limit, one mail at a time.
 *
 * Why a thread: parsing is CPU work on attacker-sized input (a 7 MB report took seconds), and the
 * main thread also serves every SMTP session and the queue's commits; a report must not stall a
 * submission. Why limits: a mail that the parser cannot finish within `timeoutMs`, or within
 * `memoryMb` of heap, is kept with an error (the thread is stopped and started afresh for the next
 * mail) instead of holding the processor, or the process's memory, for ever.
 */
import { Worker } from 'node:worker_threads';
import { threadEntry } from '../thread-entry.js';
import type { ParseOptions } from './parse/index.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';
import type { ParseFn } from './processor.js';
import { ParserUnavailable, type ParseResult } from './types.js';

export interface ParseThreadOptions {
  /** Time one parse may take once the thread has it (bounces.parse_timeout_ms). */
  timeoutMs: number;
  /** Old-generation heap of the thread, MB (bounces.parse_memory_mb). */
  memoryMb: number;
}

export interface ParseThread {
  parse: ParseFn;
  /** Stops the thread (a parse under way resolves with an error). */
  close(): Promise<void>;
}

interface Running {
  worker: Worker;
  ready: Promise<void>;
  /** The request in work, answered by the thread, its timer, or the thread's end. */
  pending: { id: number; settle(result: ParseResult): void } | null;
}

export function createParseThread(o: ParseThreadOptions): ParseThread {
  let running: Running | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  let closed = false;

  function start(): Running {
    const worker = new Worker(threadEntry('parse-worker', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: o.memoryMb } });
    const r: Running = { worker, ready: Promise.resolve(), pending: null };
    r.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: ParseReply) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'result' && r.pending?.id === m.id) r.pending.settle(m.result);
      });
      let failure: string | null = null;
      worker.on('error', (err: Error & { code?: string }) => {
        failure =
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `parsing stopped: it needed more than ${o.memoryMb} MB (bounces.parse_memory_mb)`
            : `the parse thread failed: ${err.message}`;
      });
      worker.on('exit', () => {
        if (running === r) running = null;
        const why = failure ?? 'the parse thread stopped';
        reject(new Error(why));
        r.pending?.settle(errorResult(why));
      });
    });
    r.ready.catch(() => {}); // reported through the request that was waiting, if any
    return r;
  }

  async function parseOne(raw: Buffer, options: ParseOptions): Promise<ParseResult> {
    if (closed) throw new ParserUnavailable('the parse thread is closed (the relay is stopping)');
    running ??= start();
    const r = running;
    // Held while a mail is in work (the caller awaits it); an idle thread does not keep the process up.
    r.worker.ref();
    try {
      await r.ready;
    } catch (err) {
      // The thread never became ready (its code missing, no memory for a thread): the mail was not read.
      r.worker.unref();
      throw new ParserUnavailable(`the parse thread could not start: ${(err as Error).message}`);
    }
    const id = nextId++;
    // A copy, moved to the thread: the caller keeps its buffer, and no 7 MB is copied twice.
    const copy = new Uint8Array(raw);
    return new Promise<ParseResult>((resolve) => {
      const timer = setTimeout(() => {
        // Terminating is the only way to stop synchronous work; the next mail gets a fresh thread.
        r.pending?.settle(errorResult(`parsing stopped after ${o.timeoutMs} ms (bounces.parse_timeout_ms)`));
        if (running === r) running = null;
        void r.worker.terminate();
      }, o.timeoutMs);
      r.pending = {
        id,
        settle(result) {
          clearTimeout(timer);
          r.pending = null;
          r.worker.unref();
          resolve(result);
        },
      };
      r.worker.postMessage({ id, raw: copy, options } satisfies ParseRequest, [copy.buffer]);
    });
  }

  return {
    parse(raw, limits) {
      const options: ParseOptions = { maxParts: limits.maxParts, maxDepth: limits.maxDepth, maxRecipients: limits.maxRecipients };
      const result = chain.then(() => parseOne(raw, options));
      chain = result.catch(() => {});
      return result;
    },
    async close() {
      closed = true;
      const r = running;
      running = null;
      if (r) await r.worker.terminate();
    },
  };
}

function errorResult(error: string): ParseResult {
  return { kind: 'not-a-bounce', format: null, recipients: [], original_message_id: null, envelope_id: null, reporting_mta: null, feedback_type: null, error };
}
