/**
 * The relay's log for a person at a terminal (`npm start`): each JSON line of the log schema becomes one
 * readable line, `time  LEVEL  event  sentence  key=value …`, with the same field names as the JSON (so
 * what is read here can be searched for there). Pure: no I/O, no clock, no environment; the caller
 * chooses the format (`stdoutFormat`) and the colour (`colorWanted`, as for `mailtrail tail`).
 */
import type { Config } from '../config/schema.js';
import { type Palette, palette } from './format.js';

/** What stdout gets: JSON lines (the schema, for machines) or pretty lines (for people). */
export type StdoutFormat = 'json' | 'pretty';

/**
 * `log.format`: `json` and `pretty` are what they say; `auto` is pretty on a terminal and JSON anywhere
 * else (a pipe, a file, journald), so whatever collects the log always gets the schema.
 */
export function stdoutFormat(setting: Config['log']['format'], stdoutIsTTY: boolean): StdoutFormat {
  if (setting === 'auto') return stdoutIsTTY ? 'pretty' : 'json';
  return setting;
}

/** The levels' names as pino writes them (`formatters.level` in ./logger.ts), padded to one width. */
const LEVEL_COLOR: Record<string, keyof Palette> = { trace: 'dim', debug: 'dim', info: 'green', warn: 'yellow', error: 'red', fatal: 'red' };
const LEVEL_WIDTH = 5;
/** Longest common event names (`delivery.attempt`, `submission.refused`) line up; longer ones push on. */
const EVENT_WIDTH = 18;

/**
 * One JSON log line → one pretty line, without its newline:
 * `2024-05-01 10:02:03.045Z  INFO   delivery.attempt    delivered  queue_id=QABC recipient=a@b.example code=250 text="2.0.0 Ok"`.
 * Null fields are left out (they mean "does not apply"); strings with spaces, quotes or `=` are quoted
 * as JSON strings, so one line stays one line. A line that is not a JSON object (it should not happen)
 * is shown as it is, made safe. An error's stack follows on indented lines: at a terminal the person
 * reading is the one who will fix it.
 */
export function prettyLogLine(line: string, opts: { color: boolean }): string {
  const p = palette(opts.color);
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    record = null;
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return safe(line.replace(/\n$/, ''));
  const { time, level, event, msg, err, ...fields } = record as Record<string, unknown>;
  const label = typeof level === 'string' ? level : 'info';
  const parts: string[] = [];
  if (typeof time === 'string') parts.push(p.dim(safe(time.replace('T', ' '))));
  parts.push(p[LEVEL_COLOR[label] ?? 'bold'](safe(label.toUpperCase()).padEnd(LEVEL_WIDTH)));
  parts.push(p.bold(safe(String(event ?? '')).padEnd(EVENT_WIDTH)));
  if (typeof msg === 'string' && msg !== '') parts.push(safe(msg.replace(/\s*\n\s*/g, ' ')));
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${p.dim(`${safe(k)}=`)}${value(v)}`);
  const error = errorParts(err);
  if (error.message !== null) pairs.push(`${p.dim('err=')}${p.red(value(error.message))}`);
  if (pairs.length) parts.push(pairs.join(' '));
  const head = parts.join('  ');
  return error.stack.length ? [head, ...error.stack.map((l) => p.dim(`    ${safe(l.trim())}`))].join('\n') : head;
}

/** pino writes an Error as `{ type, message, stack }` (its default `err` serializer); other values as they are. */
function errorParts(err: unknown): { message: unknown; stack: string[] } {
  if (err === null || err === undefined) return { message: null, stack: [] };
  if (typeof err !== 'object') return { message: err, stack: [] };
  const e = err as { type?: unknown; message?: unknown; stack?: unknown };
  if (typeof e.message !== 'string') return { message: err, stack: [] };
  // The stack's first line repeats the message; the frames are what the message does not say.
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  return { message: typeof e.type === 'string' && e.type !== 'Error' ? `${e.type}: ${e.message}` : e.message, stack: frames };
}

/** Bare when it reads unambiguously as one word, else a JSON string (escapes newlines and control characters). */
function value(v: unknown): string {
  if (typeof v === 'string') return /^[\x21-\x7e]+$/.test(v) && !/["=]/.test(v) ? v : safe(JSON.stringify(v));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return safe(JSON.stringify(v) ?? String(v));
}

/**
 * Replies, headers and addresses come from outside: no control character (escape sequences above all),
 * line separator or bidirectional override reaches the terminal as itself. JSON.stringify already
 * escapes C0 controls inside quoted values; this covers the rest, and text shown unquoted.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
function safe(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
