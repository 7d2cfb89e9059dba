/**
 * `mailtrail tail`: the live delivery log, read from the events table through the store's feed rather
 * than from a log file, so it works whether or not the relay logs to a file, from another process (SQLite
 * WAL lets a reader follow a live writer), and shows the same events as `mailtrail trace`.
 */
import { existsSync } from 'node:fs';
import { domainToASCII } from 'node:url';
import { createFeedMatcher } from '../../log/feed-filter.js';
import { colorWanted, formatJson, formatPretty } from '../../log/format.js';
import { bareMessageId } from '../../intake/message-id.js';
import type { FeedEvent, FeedFilter, Store } from '../../store/store.js';
import { EVENT_KINDS, type EventKind } from '../../types.js';
import { loadCliConfig, withStore } from '../context.js';
import { parseCommandArgs, UsageError, type CommandSpec } from '../usage.js';

const USAGE = 'mailtrail tail [--domain D] [--event KIND[,KIND…]] [--message-id ID] [--json] [-n N] [--follow|--no-follow] [--config FILE]';

const SPEC: CommandSpec = {
  name: 'tail',
  usage: USAGE,
  help: `Prints the last N events (default 20), then follows new ones until Ctrl-C. Reads the database, so it
works from any process on the relay's host, whether or not the relay logs to a file.

  --domain D        only events about recipients at D (message-level events of messages with one)
  --event KIND      only these event kinds, comma-separated:
                    ${EVENT_KINDS.join(', ')}
  --message-id ID   only events of this message (header Message-ID, with or without <>, or queue id)
  --json            one JSON object per line, with the log schema's field names
  -n, --lines N     how many past events to print first (0: only new ones)
  --no-follow       print the past events and exit
  --config FILE     the relay's config (for database.path)

Colour: on a terminal unless NO_COLOR is set; FORCE_COLOR=1 or 0 turns it on or off; never with --json.`,
};

/** Poll interval while following: new events show within about half a second. */
export const POLL_MS = 500;
/** Events read per query; a full batch means more are waiting, so the next read follows at once. */
const BATCH = 500;
const MAX_LINES = 100_000;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(SPEC, argv, {
    config: { type: 'string' },
    domain: { type: 'string' },
    event: { type: 'string', multiple: true },
    'message-id': { type: 'string' },
    json: { type: 'boolean' },
    lines: { type: 'string', short: 'n' },
    follow: { type: 'boolean' },
    'no-follow': { type: 'boolean' },
  });
  const filter = parseFilter(values);
  const lines = parseLines(values.lines);
  const follow = !values['no-follow'];
  const config = loadCliConfig(values.config);
  const db = config.database;
  if (db.backend === 'sqlite' && db.path !== ':memory:' && !existsSync(db.path)) {
    process.stderr.write(`mailtrail: no database at ${db.path}: start the relay first, or pass the relay's --config\n`);
    return 1;
  }
  const color = !values.json && colorWanted(process.env, process.stdout.isTTY === true);
  const format = values.json ? formatJson : (e: FeedEvent) => formatPretty(e, { color });
  return withStore(config, (store) => tail(store, { filter, lines, follow, format }));
}

interface TailOptions {
  filter: FeedFilter;
  lines: number;
  follow: boolean;
  format: (e: FeedEvent) => string;
}

async function tail(store: Store, opts: TailOptions): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // `mailtrail tail | head` closes the pipe: that is the reader saying "enough", not an error.
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`mailtrail: cannot write to stdout: ${err.message}\n`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  try {
    // The cursor is read before the backlog: an event committed in between is either in the backlog or
    // after the cursor, never lost; the backlog's ids are remembered so that none is printed twice.
    let cursor = await store.events.head();
    // A shared phase (connect, EHLO…) has no recipient of its own, so no domain; under --domain D it was shown
    // because its transaction is about D: it says so, as the log line does (jq filters on .domain keep it).
    const show = (e: FeedEvent) => opts.format(opts.filter.domain && e.domain === null && e.kind === 'phase' ? { ...e, domain: opts.filter.domain } : e);
    const backlog = opts.lines > 0 ? await store.events.recent(opts.filter, opts.lines) : [];
    for (const e of backlog) await write(show(e) + '\n', stop.signal);
    const shown = new Set(backlog.map((e) => e.id));
    if (!opts.follow) return 0;

    const matches = createFeedMatcher(opts.filter, (id) => store.messages.recipients(id));
    let failing = false;
    while (!stop.signal.aborted) {
      let batch: FeedEvent[];
      try {
        batch = await store.events.after(cursor, BATCH);
        if (failing) process.stderr.write('mailtrail: reading the event feed again\n');
        failing = false;
      } catch (err) {
        // A locked or briefly unavailable database is waited out, as the metrics follower does.
        if (!failing) process.stderr.write(`mailtrail: reading the event feed failed (${(err as Error).message}); retrying\n`);
        failing = true;
        batch = [];
      }
      for (const e of batch) {
        if (stop.signal.aborted) break;
        cursor = e.cursor;
        if (shown.delete(e.id)) continue;
        if (await matches(e)) await write(show(e) + '\n', stop.signal);
      }
      if (batch.length < BATCH) await sleep(POLL_MS, stop.signal);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
}

function parseFilter(values: { domain?: string; event?: string[]; 'message-id'?: string }): FeedFilter {
  const filter: FeedFilter = {};
  if (values.domain !== undefined) {
    // Recipients' domains are stored lower-cased and in ASCII (A-labels), so an IDN is matched in either form.
    const domain = domainToASCII(values.domain.trim().replace(/\.$/, '').toLowerCase());
    if (!domain) throw new UsageError(`tail: --domain "${values.domain}" is not a domain name\nusage: ${USAGE}`);
    filter.domain = domain;
  }
  if (values.event?.length) {
    const kinds = values.event
      .flatMap((v) => v.split(','))
      .map((k) => k.trim())
      .filter(Boolean);
    const unknown = kinds.filter((k) => !(EVENT_KINDS as readonly string[]).includes(k));
    if (unknown.length || kinds.length === 0) {
      throw new UsageError(
        `tail: unknown event kind${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ') || '""'}; use one of: ${EVENT_KINDS.join(', ')}`,
      );
    }
    filter.kinds = [...new Set(kinds)] as EventKind[];
  }
  if (values['message-id'] !== undefined) {
    const key = bareMessageId(values['message-id']) ?? '';
    if (!key) throw new UsageError(`tail: --message-id needs a Message-ID or queue id\nusage: ${USAGE}`);
    filter.message = key;
  }
  return filter;
}

function parseLines(value: string | undefined): number {
  if (value === undefined) return 20;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > MAX_LINES) {
    throw new UsageError(`tail: -n must be a whole number from 0 to ${MAX_LINES} (got "${value}")`);
  }
  return n;
}

/** Writes with backpressure, so a slow pipe slows the reader instead of filling memory. */
async function write(chunk: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted || process.stdout.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    process.stdout.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
