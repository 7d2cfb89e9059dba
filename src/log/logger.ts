/**
 * The structured delivery log: one pino JSON line per thing worth knowing, to stdout and optionally a
 * file. Field names are a public schema (README "Log schema"): ops build alerts on them, so they change
 * only with a note. Every line about a message carries `event` plus the ids that find it again.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Config } from '../config/schema.js';
import { colorWanted } from './format.js';
import { prettyLogLine, stdoutFormat } from './pretty.js';
import type { LogLine } from './records.js';

type LogMethod = {
  /** A line of the schema (./records.ts): its event, that event's fields, and a sentence. */
  (line: LogLine, msg?: string): void;
};

/**
 * pino, with its methods narrowed to the log schema: a line with an unknown event, or a field its event
 * does not carry, does not compile. `raw` is the pino logger, for libraries that log in their own words
 * (fastify).
 */
export interface Logger {
  fatal: LogMethod;
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  trace: LogMethod;
  /** The same log, every line also carrying these fields. */
  child(bindings: { component: string }): Logger;
  readonly raw: pino.Logger;
}

/** The schema's face on a pino logger (its methods bound, `raw` the pino logger itself). */
export function schemaLogger(log: pino.Logger): Logger {
  return {
    fatal: log.fatal.bind(log),
    error: log.error.bind(log),
    warn: log.warn.bind(log),
    info: log.info.bind(log),
    debug: log.debug.bind(log),
    trace: log.trace.bind(log),
    child: (bindings) => schemaLogger(log.child(bindings)),
    raw: log,
  };
}

/** What the logger reads of the config; `log.format` only matters for stdout, and is `auto` when not given. */
export interface LogConfig {
  log: Pick<Config['log'], 'level' | 'file'> & Partial<Pick<Config['log'], 'format'>>;
}

export function createLogger(config: LogConfig, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    base: undefined, // no pid/hostname noise on every line; the process is known
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Every line has an `event`, also those written by libraries in their own words (fastify's
    // "Server listening at …"): `<component>.log`, so a filter on `event` never drops a line.
    mixin: (line: object, _level: number, log: pino.Logger) =>
      'event' in line ? {} : { event: `${(log.bindings().component as string | undefined) ?? 'relay'}.log` },
  };
  return schemaLogger(pino(options, destination ?? createLogDestination(config)));
}

/**
 * Where log lines go: stdout, and `log.file` when set. Also the way in for lines written by the delivery
 * thread (src/queue/delivery-thread.ts), which sends its finished lines here so both threads' lines reach
 * one stream whole and in order, never interleaved mid-line. Lines arrive as JSON; stdout gets them as
 * `log.format` says (./pretty.ts), the file always as JSON. `terminal` is what stdout is (tests).
 */
export function createLogDestination(
  config: LogConfig,
  terminal: { isTTY: boolean; env: Record<string, string | undefined> } = { isTTY: process.stdout.isTTY === true, env: process.env },
): pino.DestinationStream {
  const json = pino.destination({ fd: 1, sync: false });
  const stdout = stdoutFormat(config.log.format ?? 'auto', terminal.isTTY) === 'json' ? json : prettyStream(json, colorWanted(terminal.env, terminal.isTTY));
  if (!config.log.file) return stdout;
  // Synchronous: an asynchronous write still in flight at exit would land after the lines flushed at
  // exit, and a delivery log out of order misleads. One write(2) per line costs microseconds.
  const filePath = config.log.file;
  let fd = openLogFile(filePath);
  let file = pino.destination({ fd, sync: true });
  // logrotate moves the file away and sends SIGHUP (`mailtrail start`): lines go to a new file at the path.
  reopeners.add(() => {
    const next = openLogFile(filePath);
    const old = fd;
    fd = next;
    file = pino.destination({ fd: next, sync: true });
    closeSync(old);
  });
  return {
    write(line: string) {
      stdout.write(line);
      file.write(line);
    },
  };
}

const reopeners = new Set<() => void>();

/**
 * Opens `log.file` again at its path (after logrotate moved it away), for every destination of this
 * process. Throws, keeping the old file, when the path cannot be opened. Returns how many were reopened.
 */
export function reopenLogFiles(): number {
  for (const reopen of reopeners) reopen();
  return reopeners.size;
}

/** Each JSON line written to it, written on as a pretty line (a write may hold several lines). */
function prettyStream(out: pino.DestinationStream, color: boolean): pino.DestinationStream {
  return {
    write(chunk: string) {
      const lines = chunk.split('\n').filter((l) => l !== '');
      if (lines.length) out.write(`${lines.map((l) => prettyLogLine(l, { color })).join('\n')}\n`);
    },
  };
}

/**
 * Opened here, synchronously, rather than by pino in the background: an unwritable `log.file` stops the
 * start with its name instead of crashing the relay later, and the file is ready before the first line,
 * so pino's exit hook can flush lines logged just before the process exits (it cannot while the open is
 * still pending, and those lines were lost).
 */
function openLogFile(file: string): number {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return openSync(file, 'a');
  } catch (err) {
    const e = new Error(
      `cannot open log.file ${file} for appending: ${(err as Error).message}. Fix its directory's permissions or set log.file to another path (or null: stdout only).`,
    );
    // The CLI prints errors of this name as one line (src/cli/main.ts).
    e.name = 'StartupError';
    throw e;
  }
}

/** A logger that writes nothing: for CLI commands and tests that do not watch the log. */
export function silentLogger(): Logger {
  return schemaLogger(pino({ level: 'silent' }));
}
