/**
 * The numbers an event's kind and phase are stored as, the same on both backends (SQLite: migration 009's
 * generated columns kind and phase; PostgreSQL: 001's view event_records). A number is a byte or two in a
 * row where the name was up to a dozen, in every row and in the indexes on kind.
 */
import type { EventKind, NewEvent, Phase } from '../types.js';
import type { EventRow } from './rows.js';

export const KIND_CODES: Record<EventKind, number> = {
  received: 1,
  phase: 2,
  delivered: 3,
  deferred: 4,
  bounced: 5,
  delayed: 6,
  reported: 7,
  expired: 8,
  suppressed: 9,
  complained: 10,
  'auto-replied': 11,
  'dsn-sent': 12,
  requeued: 13,
  cancelled: 14,
  interrupted: 15,
};

export const PHASE_CODES: Record<Phase, number> = {
  dns: 1,
  connect: 2,
  ehlo: 3,
  helo: 4,
  starttls: 5,
  auth: 6,
  mail: 7,
  rcpt: 8,
  data: 9,
  quit: 10,
  submission: 11,
  inbound: 12,
};

export const PHASE_NAMES = new Map(Object.entries(PHASE_CODES).map(([name, code]) => [code, name as Phase]));

/** phase_code of a row that holds the phases of one attempt (both backends). */
export const FOLDED = 0;

/**
 * One phase in a folded row: [ms after the row's `at`, recipient id, phase, reply, duration, detail],
 * trailing nulls left out. phase is its number (or name). reply is [code, enhanced, text] or the id of a
 * texts row holding that array's JSON. detail is an object, a texts id (a positive number) holding its
 * JSON, or -n when it is the same as the detail of the row's phase n (from 1).
 */
export type Reply = [number | null, string | null, string | null] | number;
export type FoldedPhase = [number, number | null, number | string | null, Reply | null, number | null, Record<string, unknown> | number | null];

type Triple = [number | null, string | null, string | null];
const NO_REPLY: Readonly<Triple> = [null, null, null];
/** Shared replies parsed: their JSON text → [code, enhanced, text], read only. */
const replies = new Map<string, Readonly<Triple>>();
const MAX_REPLIES = 10_000;

/**
 * A shared reply's triple from its texts row's JSON, parsed once: a texts row never changes, and the same few
 * replies ("250 2.1.5 Ok") come back in every attempt of every trace.
 */
function sharedReply(json: string | null): Readonly<Triple> {
  if (json === null) return NO_REPLY;
  let triple = replies.get(json);
  if (triple === undefined) {
    if (replies.size >= MAX_REPLIES) replies.clear();
    replies.set(json, (triple = JSON.parse(json) as Triple));
  }
  return triple;
}

/**
 * The events of a folded row (both backends): each phase with the row's common facts, its own id (the ids
 * below the row's, which is its last phase's), time, recipient, phase, reply and detail. `text` gives the
 * value of a texts row (a shared reply's JSON, a shared detail's JSON); `recipient`, for feed rows, the
 * address and domain of a phase's recipient.
 */
export function unfoldPhases<T extends EventRow>(
  row: T,
  text: (id: number) => string | null,
  recipient?: (id: number) => { address: string; domain: string } | undefined,
): T[] {
  const phases = (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as FoldedPhase[];
  const details: EventRow['detail'][] = [];
  // Elements read by index, not destructured: destructuring an array goes through its iterator, which
  // allocated on every phase of every trace. A trailing element left out reads as null.
  return phases.map((p, i) => {
    const recipientId = p[1] ?? null;
    const phase = p[2] ?? null;
    const reply = p[3] ?? null;
    const d = p[5] ?? null;
    const r = recipientId !== null && recipient ? recipient(recipientId) : undefined;
    const triple = typeof reply === 'number' ? sharedReply(text(reply)) : (reply ?? NO_REPLY);
    // A back-reference gets a copy: two events must not share one detail object.
    const detail = typeof d === 'number' ? (d < 0 ? structuredClone(details[-d - 1]!) : text(d)) : d;
    details.push(detail);
    const event = {
      ...row,
      folded: 0,
      id: row.id - (phases.length - 1 - i),
      at: row.at + p[0],
      recipient_id: recipientId,
      phase: typeof phase === 'number' ? (PHASE_NAMES.get(phase) ?? null) : phase,
      code: triple[0],
      enhanced: triple[1],
      text: triple[2],
      duration_ms: p[4] ?? null,
      detail,
    } as T & { r_address?: string | null; r_domain?: string | null };
    if (recipient) {
      event.r_address = r?.address ?? null;
      event.r_domain = r?.domain ?? null;
    }
    return event;
  });
}

/**
 * `rows` with each folded row replaced by its events (`unfold`), in order (both backends). A loop, not
 * flatMap: that allocated a one-element array for every row that is not folded, and more as it flattened.
 */
export function withPhases<T extends object>(rows: T[], unfold: (row: T) => T[]): T[] {
  // Indexed loops: a for…of that is not yet optimised allocates a result object per step.
  const out: T[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(r as { folded?: boolean | number }).folded) out.push(r);
    else {
      const events = unfold(r);
      for (let j = 0; j < events.length; j++) out.push(events[j]!);
    }
  }
  return out;
}

/** Two events that fold into one row: phases of the same message and attempt on one connection (remote host and address). */
export const sameRun = (a: NewEvent, b: NewEvent) =>
  a.kind === 'phase' &&
  b.kind === 'phase' &&
  a.messageRowId === b.messageRowId &&
  a.attempt === b.attempt &&
  a.remoteHost === b.remoteHost &&
  a.remoteIp === b.remoteIp;
