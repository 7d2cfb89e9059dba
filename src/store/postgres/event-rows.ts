/**
 * The compact form of the events table on PostgreSQL (migrations/postgres/001_init.sql), written and read
 * back here only, as SQLite's src/store/sqlite/event-rows.ts does for its migration 009:
 * - kind and phase as small numbers (../event-codes.ts; the view event_records names them again);
 * - repeated texts once, in `texts`, referenced by id from the *_ref columns;
 * - the phases of one delivery attempt in one row (phase_code 0, "folded"): their common facts once, and
 *   per phase only what differs, as a JSON array in detail. Ids come in blocks of 64 (sequence
 *   event_blocks): a row's id is its last phase's, block × 64 + phases - 1, and the ids below it in the
 *   block are its other phases'. So every event keeps an id of its own, the ids written by one transaction
 *   ascend in the order written (the feed's order within a transaction, ./feed.ts), and a cursor can stop
 *   inside a row. A run longer than 64 phases takes several rows.
 * Reads go through the view event_records, then `EventReader.expand` turns each folded row back into its
 * phase events, so callers see one record per event, exactly as written.
 *
 * Unlike SQLite, where a lookup is a function call, a texts lookup here would be a round trip: the writer
 * keeps the texts it knows in memory (a texts row is never changed or deleted, so an id once read stays
 * right), counts the values it has not shared yet, and creates the rows for those whose copies now pay in
 * one statement of its own, committed before the events that use them. An event write itself stays one
 * statement, and a value another relay shared already is written inline a few times until this one shares it too.
 */
import type { NewEvent } from '../../types.js';
import { FOLDED, KIND_CODES, PHASE_CODES, sameRun, unfoldPhases, withPhases, type FoldedPhase, type Reply } from '../event-codes.js';
import type { EventRow } from '../rows.js';
import type { QueryResultRow } from 'pg';
import type { Params, Pg, Queryable } from './database.js';
import { fingerprint, Sightings } from '../sightings.js';

/** Events are read through the view event_records, which names kind and phase and resolves shared texts. */
export const EVENTS = 'event_records';

/** Ids per block (the sequence event_blocks): the most phases one row holds. */
export const BLOCK = 64;

/** Shorter values cost less inline than as a reference. */
const MIN_SHARED_LENGTH = 8;
/** texts.value has a unique B-tree index, which takes entries of up to about 2,700 bytes: longer values stay inline. */
const MAX_SHARED_LENGTH = 1_000;
/** What a `texts` row costs besides its value: row header, item pointer, the value's copy in the index. */
const TEXTS_ROW_COST = 64;
/** How many values not yet shared are counted, and texts known, before the count starts again. */
const SEEN_LIMIT = 50_000;
const KNOWN_LIMIT = 100_000;

/** The columns of one events row, as the writer fills them. `n`: the phases it holds (1 for an unfolded event). */
interface EventColumns {
  n: number;
  at: number;
  message_id: number;
  recipient_id: number | null;
  attempt: number | null;
  duration_ms: number | null;
  text_ref: number | null;
  remote_host_ref: number | null;
  remote_ip_ref: number | null;
  detail_ref: number | null;
  kind_code: number;
  phase_code: number | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  remote_host: string | null;
  remote_ip: string | null;
  detail: string | null;
  /**
   * For recordAttempt, where which recipients are still ours is known only inside the statement: `run` is the
   * index of the run of phases a row comes from, and each run is written two ways, folded (variant 1) and
   * one row per event (variant 2); the statement keeps the folded form when every recipient its phases name
   * was ours, else the other. 0 for a row written as it is.
   */
  run: number;
  variant: 0 | 1 | 2;
}

const COLUMN_TYPES: [keyof EventColumns, string][] = [
  ['n', 'integer'],
  ['at', 'bigint'],
  ['message_id', 'bigint'],
  ['recipient_id', 'bigint'],
  ['attempt', 'integer'],
  ['duration_ms', 'integer'],
  ['text_ref', 'integer'],
  ['remote_host_ref', 'integer'],
  ['remote_ip_ref', 'integer'],
  ['detail_ref', 'integer'],
  ['kind_code', 'smallint'],
  ['phase_code', 'smallint'],
  ['code', 'smallint'],
  ['enhanced', 'text'],
  ['text', 'text'],
  ['remote_host', 'text'],
  ['remote_ip', 'text'],
  ['detail', 'json'],
  ['run', 'integer'],
  ['variant', 'smallint'],
];

/** The stored columns of events, in the order `insertSelect` gives them (after id). */
export const STORED_COLUMNS = COLUMN_TYPES.map(([c]) => c)
  .filter((c) => c !== 'n' && c !== 'run' && c !== 'variant')
  .join(', ');

/** Encoded rows, ready to be written by one INSERT … SELECT from `unnest`. */
export interface EncodedEvents {
  rows: EventColumns[];
  /** Per run (for variants 1 and 2): the recipients its phases name, as pairs. */
  runRecipients: { run: number[]; recipient: number[] };
}

/**
 * `unnest(…) WITH ORDINALITY AS e(<columns>, ord)` over the encoded rows, each column bound as one array
 * parameter. Select `id` as `eventId('e')`, then STORED_COLUMNS, `ORDER BY e.ord`: ids follow the order given.
 */
export function unnestRows(p: Params, rows: EventColumns[]): string {
  const arrays = COLUMN_TYPES.map(([c, type]) => `${p.add(rows.map((r) => r[c]))}::${type}[]`).join(', ');
  return `unnest(${arrays}) WITH ORDINALITY AS e(${COLUMN_TYPES.map(([c]) => c).join(', ')}, ord)`;
}

/** The id of an encoded row `t`: a new block, and in it the id of the row's last phase. */
export const eventId = (t: string) => `nextval('event_blocks') * ${BLOCK} + ${t}.n - 1`;

/** `INSERT INTO events … SELECT … FROM unnest(…)` for encoded rows, in the given order; `where` filters them (alias e). */
export function insertSelect(p: Params, rows: EventColumns[], where = 'true'): string {
  return `INSERT INTO events (id, ${STORED_COLUMNS})
    SELECT ${eventId('e')}, ${STORED_COLUMNS.split(', ')
      .map((c) => `e.${c}`)
      .join(', ')} FROM ${unnestRows(p, rows)} WHERE ${where} ORDER BY e.ord`;
}

export interface EventWriter {
  /** Events encoded one row each (no folding), for appends. May create texts rows first (their own statement). */
  encode(events: NewEvent[]): Promise<EncodedEvents>;
  /**
   * The events of one attempt, in order: each run of two or more phases with the same message, attempt,
   * remote host and address is written both folded (variant 1) and unfolded (variant 2), the rest as they are.
   */
  encodeAttempt(events: NewEvent[]): Promise<EncodedEvents>;
}

const writers = new WeakMap<Pg, EventWriter>();

/**
 * Writes texts once: a reply text, remote host, remote address or detail already known to be in `texts` is
 * stored as the id of its row. A value not yet shared is stored inline, and counted: once its copies
 * written inline would have paid for a `texts` row, it gets one (created, or found when another relay made
 * it). So an MX name, its address, a server's usual replies, an EHLO extension list and an outcome's
 * classification are shared after a few events, while one-off values (a queue id in a reply, the
 * recipient list of one transaction, a subject) stay inline.
 */
export function eventWriter(db: Pg): EventWriter {
  let writer = writers.get(db);
  if (writer) return writer;
  let known = new Map<string, number>();
  const seen = new Sightings(SEEN_LIMIT);

  /** A pass over values: first `want` each, then `share` the ones due, then `ref` reads the outcome. */
  const want = (value: string | null | undefined, due: Set<string>) => {
    if (value == null || value.length < MIN_SHARED_LENGTH || value.length > MAX_SHARED_LENGTH || known.has(value)) return;
    const key = fingerprint(value);
    const copies = seen.get(key);
    if (copies * value.length >= value.length + TEXTS_ROW_COST) {
      seen.delete(key);
      due.add(value);
      return;
    }
    seen.set(key, copies + 1);
  };
  const share = async (due: Set<string>) => {
    if (!due.size) return;
    const values = [...due];
    // DO NOTHING, then read what another writer had: a row committed by a transaction this statement waited
    // for is not in its snapshot, hence the second read for what is still missing.
    const found = await db.rows<{ id: number; value: string }>(
      `WITH made AS (INSERT INTO texts (value) SELECT unnest($1::text[]) ON CONFLICT (value) DO NOTHING RETURNING id, value)
       SELECT id, value FROM made UNION ALL SELECT id, value FROM texts WHERE value = ANY($1::text[])`,
      [values],
    );
    if (found.length < values.length)
      found.push(...(await db.rows<{ id: number; value: string }>('SELECT id, value FROM texts WHERE value = ANY($1::text[])', [values])));
    for (const r of found) known.set(r.value, r.id);
  };
  const ref = (value: string | null | undefined): [string | null, number | null] => {
    if (value == null) return [null, null];
    const id = known.get(value);
    return id === undefined ? [value, null] : [null, id];
  };
  const phaseCode = (phase: NewEvent['phase']) => (phase == null ? null : (PHASE_CODES[phase] ?? null));
  // An attempt's event is looked at up to four times (want and write, plain and folded): its detail is
  // made JSON once. Weak: the events go when their attempt is written.
  const details = new WeakMap<NewEvent, string | null>();
  const detailJson = (e: NewEvent) => {
    let json = details.get(e);
    if (json === undefined) details.set(e, (json = e.detail ? JSON.stringify(e.detail) : null));
    return json;
  };
  const replyJson = (e: NewEvent) => {
    const triple: Reply = [e.code ?? null, e.enhanced ?? null, e.text ?? null];
    return triple.every((v) => v === null) ? null : JSON.stringify(triple);
  };

  const plain = (e: NewEvent, run: number, variant: 0 | 2): EventColumns => {
    const [text, text_ref] = ref(e.text);
    const [remote_host, remote_host_ref] = ref(e.remoteHost);
    const [remote_ip, remote_ip_ref] = ref(e.remoteIp);
    const [detail, detail_ref] = ref(detailJson(e));
    return {
      n: 1,
      at: e.at,
      message_id: e.messageRowId,
      recipient_id: e.recipientId ?? null,
      attempt: e.attempt ?? null,
      duration_ms: e.durationMs ?? null,
      text_ref,
      remote_host_ref,
      remote_ip_ref,
      detail_ref,
      kind_code: KIND_CODES[e.kind],
      phase_code: phaseCode(e.phase),
      code: e.code ?? null,
      enhanced: e.enhanced ?? null,
      text,
      remote_host,
      remote_ip,
      detail,
      run,
      variant,
    };
  };
  const wantPlain = (e: NewEvent, due: Set<string>) => {
    want(e.text, due);
    want(e.remoteHost, due);
    want(e.remoteIp, due);
    want(detailJson(e), due);
  };

  const fold = (chunk: NewEvent[], run: number): EventColumns => {
    const first = chunk[0]!;
    const details: (string | null)[] = [];
    const phases = chunk.map((e): FoldedPhase => {
      const json = replyJson(e);
      const replyId = json === null ? undefined : known.get(json);
      const d = detailJson(e);
      const earlier = d === null ? -1 : details.indexOf(d);
      details.push(d);
      const detailId = d === null ? undefined : known.get(d);
      const p: FoldedPhase = [
        e.at - first.at,
        e.recipientId ?? null,
        phaseCode(e.phase) ?? e.phase ?? null,
        json === null ? null : (replyId ?? [e.code ?? null, e.enhanced ?? null, e.text ?? null]),
        e.durationMs ?? null,
        d === null ? null : earlier >= 0 ? -(earlier + 1) : (detailId ?? e.detail ?? null),
      ];
      while (p.length > 1 && p[p.length - 1] === null) p.pop();
      return p;
    });
    const [remote_host, remote_host_ref] = ref(first.remoteHost);
    const [remote_ip, remote_ip_ref] = ref(first.remoteIp);
    return {
      n: chunk.length,
      at: first.at,
      message_id: first.messageRowId,
      recipient_id: null,
      attempt: first.attempt ?? null,
      duration_ms: null,
      text_ref: null,
      remote_host_ref,
      remote_ip_ref,
      detail_ref: null,
      kind_code: KIND_CODES.phase,
      phase_code: FOLDED,
      code: null,
      enhanced: null,
      text: null,
      remote_host,
      remote_ip,
      detail: JSON.stringify(phases),
      run,
      variant: 1,
    };
  };
  const wantFolded = (chunk: NewEvent[], due: Set<string>) => {
    want(chunk[0]!.remoteHost, due);
    want(chunk[0]!.remoteIp, due);
    const details: (string | null)[] = [];
    for (const e of chunk) {
      want(replyJson(e), due);
      const d = detailJson(e);
      if (d !== null && !details.includes(d)) want(d, due);
      details.push(d);
    }
  };

  /** The events cut into runs to fold (two or more phases, at most a block) and single events. */
  const runs = (events: NewEvent[]): NewEvent[][] => {
    const out: NewEvent[][] = [];
    for (let i = 0; i < events.length; ) {
      let j = i + 1;
      while (j < events.length && j - i < BLOCK && sameRun(events[i]!, events[j]!)) j++;
      out.push(events.slice(i, j));
      i = j;
    }
    return out;
  };

  writer = {
    async encode(events) {
      if (known.size > KNOWN_LIMIT) known = new Map();
      const due = new Set<string>();
      for (const e of events) wantPlain(e, due);
      await share(due);
      return { rows: events.map((e) => plain(e, 0, 0)), runRecipients: { run: [], recipient: [] } };
    },
    async encodeAttempt(events) {
      if (known.size > KNOWN_LIMIT) known = new Map();
      const cut = runs(events);
      const due = new Set<string>();
      for (const chunk of cut) {
        if (chunk.length >= 2) wantFolded(chunk, due);
        for (const e of chunk) wantPlain(e, due);
      }
      await share(due);
      const rows: EventColumns[] = [];
      const runRecipients: EncodedEvents['runRecipients'] = { run: [], recipient: [] };
      cut.forEach((chunk, run) => {
        if (chunk.length < 2) {
          rows.push(plain(chunk[0]!, 0, 0));
          return;
        }
        rows.push(fold(chunk, run + 1));
        for (const e of chunk) {
          rows.push(plain(e, run + 1, 2));
          if (e.recipientId != null) {
            runRecipients.run.push(run + 1);
            runRecipients.recipient.push(e.recipientId);
          }
        }
      });
      return { rows, runRecipients };
    },
  };
  writers.set(db, writer);
  return writer;
}

/** Rows of event_records, or of the feed (which adds the message and recipient facts and a cursor). */
type ReadRow = EventRow & { folded?: boolean | number; txid?: string; feed_cursor?: string; r_address?: string | null; r_domain?: string | null };

export interface EventReader {
  /**
   * Rows of event_records (or the feed's) with each folded row replaced by its phases, in order. `via`: the
   * transaction to read texts and recipients in, when the caller holds one (else any connection of the pool).
   * `texts`: the shared texts the folded rows name, when the caller's statement read them already
   * (`foldedTextIds`): no statement is made for them, and the reader keeps them as those it reads itself.
   */
  expand<T extends ReadRow>(rows: T[], via?: Queryable, texts?: ReadonlyMap<number, string>): Promise<T[]>;
  /** How many shared texts the reader knows: none in a process that has read no folded row yet. */
  readonly knownTexts: number;
}

/**
 * An array of the ids of the shared texts that the folded rows of `rows` (a relation of event_records
 * columns) name: a phase's reply triple (element 3) or detail (element 5) given as a texts id. A statement
 * that reads events can read these texts with them (`texts.id = ANY (…)`, one probe of texts_pkey per id),
 * for `expand` (its third argument), instead of a round trip after it. An array, not `IN (SELECT …)`: the
 * planner cannot tell how few ids the JSON holds and would join all of texts. The CASEs keep every cast to
 * the elements that are numbers, whatever order the server evaluates the conditions in.
 */
export const foldedTextIds = (rows: string) =>
  `ARRAY(SELECT DISTINCT CASE WHEN json_typeof(p.value -> v.i) = 'number' THEN (p.value ->> v.i)::integer END
     FROM ${rows} f, json_array_elements(CASE WHEN f.folded THEN f.detail END) p, (VALUES (3), (5)) v (i))`;

const readers = new WeakMap<Pg, EventReader>();
const NO_RECIPIENTS: ReadonlyMap<number, { address: string; domain: string }> = new Map();

export function eventReader(db: Pg): EventReader {
  let reader = readers.get(db);
  if (reader) return reader;
  let cache = new Map<number, string>();
  const unfold = <T extends ReadRow>(row: T, texts: ReadonlyMap<number, string>, recipients: ReadonlyMap<number, { address: string; domain: string }>): T[] => {
    const events = unfoldPhases(row, (id) => texts.get(id) ?? null, 'm_queue_id' in row ? (id) => recipients.get(id) : undefined);
    return row.feed_cursor !== undefined ? events.map((e) => ({ ...e, feed_cursor: `${row.txid}:${e.id}` })) : events;
  };
  reader = {
    async expand(rows, via, given) {
      const read = async <R extends QueryResultRow>(sql: string, params: unknown[]) => (via ? (await via.query<R>(sql, params)).rows : db.rows<R>(sql, params));
      if (!rows.some((r) => r.folded)) return rows;
      if (cache.size > KNOWN_LIMIT) cache = new Map();
      const texts = cache;
      if (given) for (const [id, value] of given) texts.set(id, value);
      // The texts and recipients the folded rows name, each fetched once (texts are kept: they never change).
      // Phases read by index: destructuring them went through the iterator protocol, an allocation per phase.
      const missing = new Set<number>();
      const recipientIds = new Set<number>();
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        if (!row.folded) continue;
        const phases = (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as FoldedPhase[];
        for (let i = 0; i < phases.length; i++) {
          const p = phases[i]!;
          const reply = p[3];
          const d = p[5];
          if (typeof reply === 'number' && !texts.has(reply)) missing.add(reply);
          if (typeof d === 'number' && d > 0 && !texts.has(d)) missing.add(d);
          if (p[1] != null && 'm_queue_id' in row) recipientIds.add(p[1]);
        }
      }
      let recipients: ReadonlyMap<number, { address: string; domain: string }> = NO_RECIPIENTS;
      // Nothing to read (a warm process tracing): no promise, no round trip.
      if (missing.size || recipientIds.size) {
        const [found, rcpts] = await Promise.all([
          missing.size ? read<{ id: number; value: string }>('SELECT id, value FROM texts WHERE id = ANY($1::integer[])', [[...missing]]) : [],
          recipientIds.size
            ? read<{ id: number; address: string; domain: string }>('SELECT id, address, domain FROM recipients WHERE id = ANY($1::bigint[])', [
                [...recipientIds],
              ])
            : [],
        ]);
        for (const t of found) texts.set(t.id, t.value);
        recipients = new Map(rcpts.map((r) => [r.id, r]));
      }
      return withPhases(rows, (r) => unfold(r, texts, recipients));
    },
    get knownTexts() {
      return cache.size;
    },
  };
  readers.set(db, reader);
  return reader;
}
