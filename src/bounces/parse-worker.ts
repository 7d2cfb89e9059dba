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

const WARM_UP = Buffer.from(
  [
    'From: MAILER-DAEMON@mx.warm-up.invalid',
    'To: sender@warm-up.invalid',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="w"',
    '',
    '--w',
    '',
    '<kim@dest.invalid>: host mx.dest.invalid[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)',
    '--w',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.warm-up.invalid',
    '',
    'Final-Recipient: rfc822; kim@dest.invalid',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '--w--',
    '',
  ].join('\r\n'),
);

const port = parentPort!;
port.on('message', (req: ParseRequest) => {
  const result = parseBounceSync(Buffer.from(req.raw.buffer, req.raw.byteOffset, req.raw.byteLength), req.options);
  port.postMessage({ type: 'result', id: req.id, result } satisfies ParseReply);
});
// A fresh thread parses one small report before it says it is ready: the first parse compiles the parser's patterns,
// and that cost (tens of ms of CPU, far more on a loaded machine, where this thread runs at a lower priority) belongs to
// the thread's start, not to the first mail's bounces.parse_timeout_ms (a thread restarted after a stopped parse
// timed out the next, small mail).
parseBounceSync(WARM_UP);
port.postMessage({ type: 'ready' } satisfies ParseReply);
