/**
 * Searching messages: filters, newest first, keyset pagination. The cursor is opaque to clients (base64url
 * of the last row's created_at and id), so a page never skips or repeats rows while new mail arrives.
 * Each row carries its subject and the verdict of each recipient: the API and the support page show the
 * same words as the trace.
 */
import { domainToASCII } from 'node:url';
import type { SearchFilters, Store } from '../store/store.js';
import type { RecipientState } from '../types.js';
import { bareMessageId } from '../intake/message-id.js';
import { historyOf, verdictsOf, type FateOptions } from './fate.js';

export const MAX_LIMIT = 200;
export const DEFAULT_LIMIT = 50;

/** The search as a client asks it: the store's filters, with an opaque cursor instead of a keyset position. */
export interface SearchParams extends Omit<SearchFilters, 'before' | 'limit'> {
  cursor?: string;
  limit?: number;
}

export interface MessageSummary {
  queue_id: string;
  message_id: string | null;
  created_at: string;
  mail_from: string;
  tag: string | null;
  /** The Subject as recorded at intake (decoded), or null. */
  subject: string | null;
  user: string | null;
  size: number;
  recipients: {
    address: string;
    domain: string;
    state: RecipientState;
    /** The same one-line verdict as the trace and GET /v1/messages/{id}. */
    verdict: string;
    attempts: number;
    last_code: number | null;
    last_enhanced: string | null;
    category: string | null;
  }[];
}

export interface SearchResult {
  messages: MessageSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export class CursorError extends Error {
  constructor() {
    super('cursor is not one returned by this API; start again without a cursor');
    this.name = 'CursorError';
  }
}

export function encodeCursor(createdAt: number, id: number): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: number } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError();
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isSafeInteger(n))) throw new CursorError();
  return { createdAt: v[0], id: v[1] };
}

/** An address with its domain as the A-label (as stored); one that does not decode stays as given. */
function asciiDomainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1);
  return `${address.slice(0, at)}@${domainToASCII(domain) || domain}`;
}

export async function searchMessages(store: Pick<Store, 'query'>, p: SearchParams, opts: FateOptions = {}): Promise<SearchResult> {
  const limit = Math.min(Math.max(1, p.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
  const filters: SearchFilters = {
    message: p.message !== undefined ? (bareMessageId(p.message) ?? p.message.trim()) : undefined,
    subject: p.subject,
    // Recipients are stored with the domain's A-label: `kunde@bücher.de` is searched as `kunde@xn--bcher-kva.de`.
    recipient: p.recipient !== undefined ? asciiDomainOf(p.recipient) : undefined,
    sender: p.sender !== undefined && p.sender !== '' ? asciiDomainOf(p.sender) : p.sender,
    domain: p.domain !== undefined ? (domainToASCII(p.domain.trim()) || p.domain).toLowerCase() : undefined,
    state: p.state,
    tag: p.tag,
    since: p.since,
    until: p.until,
    before: p.cursor ? decodeCursor(p.cursor) : null,
    // One more than asked tells whether another page exists without a COUNT.
    limit: limit + 1,
  };
  const rows = await store.query.search(filters);
  const page = rows.slice(0, limit);
  const ids = page.map((m) => m.id);
  const [history, subjects] = await Promise.all([historyOf(store, ids), store.query.subjectsOf(ids)]);
  const last = page[page.length - 1];
  return {
    messages: page.map((m) => {
      const recipients = history.recipients.filter((r) => r.messageRowId === m.id);
      const verdicts = verdictsOf(
        m,
        recipients,
        history.events.filter((e) => e.messageRowId === m.id),
        history.suppressions,
        opts,
      );
      return {
        queue_id: m.queueId,
        message_id: m.messageId,
        created_at: new Date(m.createdAt).toISOString(),
        mail_from: m.mailFrom,
        tag: m.tag,
        subject: subjects.get(m.id) ?? null,
        user: m.username,
        size: m.size,
        recipients: recipients.map((r) => ({
          address: r.address,
          domain: r.domain,
          state: r.state,
          verdict: verdicts.get(r.id)!.verdict,
          attempts: r.attempts,
          last_code: r.lastCode,
          last_enhanced: r.lastEnhanced,
          category: r.category,
        })),
      };
    }),
    next_cursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}
