/**
 * The compact form of the events table (migration 009), written and read back here only:
 * - kind and phase as small numbers (generated columns give the names back);
 * - repeated texts once, in `texts`, referenced by id;
 * - the phases of one delivery attempt in one row (phase_code 0, "folded"): their common facts (message,
 *   attempt, time, remote host and address) once, and per phase only what differs, as a JSON array in
 *   detail_v. The row holds the ids of its phases: its own id is the last one's, the others are the ids
 *   just below it, kept free when the row is written. So ids stay unique and in commit order, and a cursor
 *   can stop in the middle of a row.
 * Reads go through the view event_records, then `EventReader.expand` turns each folded row back into its
 * phase events, so callers see one record per event, exactly as written.
 */
import type { NewEvent } from '../../types.js';
import type { EventRow, FeedRow } from '../rows.js';
import type { FeedTally } from '../store.js';
import type { Phase } from '../../types.js';
import type { Db } from './database.js';
import { afterEachGroupCommit } from './group-commit.js';
import { fingerprint, Sightings } from '../sightings.js';
import {
  FOLDED,
  KIND_CODES as CODES_OF_KINDS,
  PHASE_CODES as CODES_OF_PHASES,
  PHASE_NAMES,
  sameRun,
  unfoldPhases,
  withPhases,
  type FoldedPhase,
  type Reply,
} from '../event-codes.js';

/** Events are read through the view event_records (migration 009), which resolves the compact columns. */
export const EVENTS = 'event_records';

const COLUMNS = 'at, message_id, recipient_id, kind_code, attempt, phase_code, code, enhanced, text_v, remote_host_v, remote_ip_v, duration_ms, detail_v';

/** The stored columns of events (009), in the order of `EventWriter.params`. */
export const INSERT_EVENT_SQL = `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A folded row takes the id `count` above the newest: the ids below it are its phases'. */
const INSERT_FOLDED_SQL = `INSERT INTO events (id, ${COLUMNS}) VALUES ((SELECT COALESCE(MAX(id), 0) FROM events) + ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`;

// kind and phase as numbers (../event-codes.ts), the numbers of migration 009's generated columns; anything else is stored as its text.
const KIND_CODES: Record<string, number> = CODES_OF_KINDS;
const PHASE_CODES: Record<string, number> = CODES_OF_PHASES;

/** Shorter values cost less inline than as a reference. */
const MIN_SHARED_LENGTH = 8;
/** What a `texts` row costs besides its value: row and index overhead, the value's copy in the index. */
const TEXTS_ROW_COST = 64;
/** How many values not yet shared are counted while waiting to see whether they come again. */
const SEEN_LIMIT = 50_000;
/** How many shared values keep their id in memory (the usual replies, MX names and details of a relay are far fewer). */
const KNOWN_LIMIT = 10_000;

export interface EventWriter {
  /** The parameters of INSERT_EVENT_SQL for an event; may add rows to `texts` (call inside the event's transaction). */
  params(e: NewEvent): unknown[];
  /**
   * Writes the events of one attempt, in order, folding each run of two or more phases with the same
   * message, attempt, remote host and address into one row; returns the id of each event.
   */
  insertAttempt(events: NewEvent[]): number[];
}

const writers = new WeakMap<Db, EventWriter>();

/**
 * Writes texts once: a reply text, remote host, remote address or detail already in `texts` is stored as
 * the id of its row. A value not yet there is stored inline, and counted: once its copies written inline
 * would have paid for a `texts` row, it gets one. So an MX name, its address, a server's usual replies,
 * an EHLO extension list and an outcome's classification are shared after a few events, while one-off
 * values (a queue id in a reply, the recipient list of one transaction, a subject) stay inline.
 * An id found by value is kept in memory (texts rows are never deleted), except an id this writer added
 * since its connection's last group commit: a transaction rolled back can take a new row with it, and
 * that id kept in memory would then point at nothing (or at the next row given the same id). After a
 * group commit those rows are in for good, and the next lookup of their value keeps its id. An attempt
 * then costs a lookup only for the values not shared (about 10 lookups per attempt before), and a value
 * met for the first time costs none: it is written inline and looked up from its second sighting on.
 */
export function eventWriter(db: Db): EventWriter {
  let writer = writers.get(db);
  if (writer) return writer;
  const find = db.prepare('SELECT id FROM texts WHERE value = ?').pluck();
  const add = db.prepare('INSERT INTO texts (value) VALUES (?) RETURNING id').pluck();
  const insert = db.prepare(INSERT_EVENT_SQL + ' RETURNING id').pluck();
  const insertFolded = db.prepare(INSERT_FOLDED_SQL).pluck();
  const seen = new Sightings(SEEN_LIMIT);
  /** Ids of texts rows known to be committed, by value. */
  let known = new Map<string, bigint>();
  /** Ids this writer added since the last group commit of its connection (see above). */
  const added = new Set<number>();
  afterEachGroupCommit(db, () => added.clear());
  // Ids are bound as BigInt: a JS number is bound as REAL, which a column without affinity keeps (8 bytes).
  const shared = (value: string | null | undefined): string | bigint | null => {
    if (value == null || value.length < MIN_SHARED_LENGTH) return value ?? null;
    const cached = known.get(value);
    if (cached !== undefined) return cached;
    const key = fingerprint(value);
    const copies = seen.get(key);
    if (copies === 0) {
      // Met for the first time: inline, without looking it up. Most such values are one-offs (a queue id
      // in a reply or a MAIL line, a subject) and the lookup would miss; a value already in texts (from
      // the other thread or an earlier run) is found at its second sighting, one inline copy later.
      seen.set(key, 1);
      return value;
    }
    const id = find.get(value) as number | undefined;
    if (id !== undefined) {
      const ref = BigInt(id);
      if (!added.has(id)) {
        if (known.size >= KNOWN_LIMIT) known = new Map();
        known.set(value, ref);
      }
      return ref;
    }
    if (copies * value.length >= value.length + TEXTS_ROW_COST) {
      seen.set(key, copies + 1); // its next sighting looks it up (and keeps the id once committed)
      const newId = add.get(value) as number;
      added.add(newId);
      return BigInt(newId);
    }
    seen.set(key, copies + 1);
    return value;
  };
  const phaseCode = (phase: NewEvent['phase']) => (phase == null ? null : (PHASE_CODES[phase] ?? phase));
  const params = (e: NewEvent): unknown[] => [
    e.at,
    e.messageRowId,
    e.recipientId ?? null,
    KIND_CODES[e.kind] ?? e.kind,
    e.attempt ?? null,
    phaseCode(e.phase),
    e.code ?? null,
    e.enhanced ?? null,
    shared(e.text),
    shared(e.remoteHost),
    shared(e.remoteIp),
    e.durationMs ?? null,
    shared(e.detail ? JSON.stringify(e.detail) : null),
  ];
  const fold = (run: NewEvent[]): number => {
    const first = run[0]!;
    const details: (string | null)[] = [];
    const phases = run.map((e): FoldedPhase => {
      const triple: Reply = [e.code ?? null, e.enhanced ?? null, e.text ?? null];
      const reply = triple.every((v) => v === null) ? null : shared(JSON.stringify(triple));
      const json = e.detail ? JSON.stringify(e.detail) : null;
      const earlier = json === null ? -1 : details.indexOf(json);
      details.push(json);
      const detail = json === null ? null : earlier >= 0 ? -(earlier + 1) : shared(json);
      const p: FoldedPhase = [
        e.at - first.at,
        e.recipientId ?? null,
        phaseCode(e.phase),
        typeof reply === 'bigint' ? Number(reply) : reply === null ? null : triple,
        e.durationMs ?? null,
        typeof detail === 'bigint' ? Number(detail) : typeof detail === 'number' ? detail : (e.detail ?? null),
      ];
      while (p.length > 1 && p[p.length - 1] === null) p.pop();
      return p;
    });
    const row = [
      first.at,
      first.messageRowId,
      null,
      KIND_CODES.phase,
      first.attempt ?? null,
      FOLDED,
      null,
      null,
      null,
      shared(first.remoteHost),
      shared(first.remoteIp),
      null,
      JSON.stringify(phases),
    ];
    return insertFolded.get(run.length, ...row) as number;
  };
  writer = {
    params,
    insertAttempt(events) {
      const ids: number[] = [];
      for (let i = 0; i < events.length; ) {
        let j = i + 1;
        while (j < events.length && sameRun(events[i]!, events[j]!)) j++;
        if (j - i >= 2) {
          const last = fold(events.slice(i, j));
          for (let k = i; k < j; k++) ids.push(last - (j - 1 - k));
        } else {
          ids.push(insert.get(...params(events[i]!)) as number);
        }
        i = j;
      }
      return ids;
    },
  };
  writers.set(db, writer);
  return writer;
}

export interface EventReader {
  /** Rows of event_records (or the feed's, which add the message and recipient facts) with each folded row replaced by its phases. */
  expand<T extends EventRow>(rows: T[]): T[];
  /**
   * The feed's rows as counters see them (`EventStore.tallyAfter`): each folded row's phases with their
   * labels only. A phase's reply code is read from its shared text, once per text in a call; its texts and
   * details are not resolved (the bulk of `expand`'s work and allocation).
   */
  tally(rows: FeedRow[]): FeedTally[];
}

const readers = new WeakMap<Db, EventReader>();

export function eventReader(db: Db): EventReader {
  let reader = readers.get(db);
  if (reader) return reader;
  const text = db.prepare('SELECT value FROM texts WHERE id = ?').pluck();
  const recipient = db.prepare('SELECT address, domain FROM recipients WHERE id = ?');
  const resolve = (v: string | number | null): string | null => (typeof v === 'number' ? ((text.get(v) as string | undefined) ?? null) : v);
  const unfold = <T extends EventRow>(row: T): T[] =>
    unfoldPhases(row, (id) => resolve(id), 'm_queue_id' in row ? (id) => recipient.get(id) as { address: string; domain: string } | undefined : undefined);
  reader = {
    expand(rows) {
      return rows.some((r) => (r as { folded?: number }).folded) ? withPhases(rows, unfold) : rows;
    },
    tally(rows) {
      const codes = new Map<number, number | null>();
      const domains = new Map<number, string | null>();
      const codeOf = (id: number) => {
        let code = codes.get(id);
        if (code === undefined) codes.set(id, (code = (JSON.parse(resolve(id) ?? '[null]') as [number | null])[0] ?? null));
        return code;
      };
      const domainOf = (id: number) => {
        let domain = domains.get(id);
        if (domain === undefined) domains.set(id, (domain = (recipient.get(id) as { domain: string } | undefined)?.domain ?? null));
        return domain;
      };
      const out: FeedTally[] = [];
      for (const r of rows) {
        const common = { kind: r.kind, tag: r.m_tag, messageCreatedAt: r.m_created_at, own: r.m_origin === 'dsn' };
        if (!(r as { folded?: number }).folded) {
          out.push({ cursor: String(r.id), phase: r.phase, code: r.code, at: r.at, domain: r.r_domain, ...common });
          continue;
        }
        const phases = (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as FoldedPhase[];
        phases.forEach(([dt, recipientId = null, phase = null, reply = null], i) => {
          out.push({
            cursor: String(r.id - (phases.length - 1 - i)),
            phase: typeof phase === 'number' ? (PHASE_NAMES.get(phase) ?? null) : (phase as Phase | null),
            code: typeof reply === 'number' ? codeOf(reply) : (reply?.[0] ?? null),
            at: r.at + dt,
            domain: recipientId !== null ? domainOf(recipientId) : null,
            ...common,
          });
        });
      }
      return out;
    },
  };
  readers.set(db, reader);
  return reader;
}

/** Feed rows after a cursor: the phases of a folded row at or below the cursor were read before. */
export function feedAfter(reader: EventReader, rows: FeedRow[], cursor: number, limit: number): FeedRow[] {
  return reader
    .expand(rows)
    .filter((r) => r.id > cursor)
    .slice(0, limit);
}
