/**
 * The structured delivery log: one pino JSON line per thing worth knowing, to stdout and optionally a
 * file. Field names are a public schema (README "Log schema"): ops build alerts on them, so they change
 * only with a note. Every line about a message carries `event` plus the ids that find it again.
 */
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'log'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    base: undefined, // no pid/hostname noise on every line; the process is known
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(options, destination);
  if (!config.log.file) return pino(options, pino.destination({ fd: 1, sync: false }));
  return pino(
    options,
    pino.multistream([
      { stream: pino.destination({ fd: 1, sync: false }), level: config.log.level === 'silent' ? 'fatal' : config.log.level },
      { stream: pino.destination({ dest: config.log.file, mkdir: true, sync: false }), level: config.log.level === 'silent' ? 'fatal' : config.log.level },
    ]),
  );
}

/** A logger that writes nothing: for CLI commands and tests that do not watch the log. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
