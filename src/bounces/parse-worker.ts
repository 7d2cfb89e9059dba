/**
 * The bounce-parse thread's side (started by src/bounces/parse-thread.ts): parses one raw mail per
 * request and posts the result back. Nothing else runs here, so a mail that takes seconds or hundreds
 * of MB to parse costs this thread, never the one serving SMTP.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { parseBounceSync, type ParseOptions } from './parse/index.js';
import type { ParseResult } from './types.js';

export interface ParseRequest {
  id: number;
  raw: Uint8Array;
  options: ParseOptions;
}

export type ParseReply = { type: 'ready' } | { type: 'result'; id: number; result: ParseResult };

// Parsing is background work: on Linux each thread has its own nice value, so with this one lowered the
// thread that serves SMTP sessions gets the CPU first on a busy machine. Elsewhere it stays as it is.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (tid > 0) setPriority(tid, 10);
} catch {
  // no /proc (not Linux), or not allowed: parse at normal priority
}

const port = parentPort!;
port.on('message', (req: ParseRequest) => {
  const result = parseBounceSync(Buffer.from(req.raw.buffer, req.raw.byteOffset, req.raw.byteLength), req.options);
  port.postMessage({ type: 'result', id: req.id, result } satisfies ParseReply);
});
port.postMessage({ type: 'ready' } satisfies ParseReply);
