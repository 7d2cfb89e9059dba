/**
 * What the store contract runs on: a factory per backend that opens a fresh, empty store, and helpers
 * that write history the way the queue and the bounce processor do, through the Store interface only.
 */
import { after, before } from 'node:test';
import type { EnqueuedMessage, RecipientUpdate, Store } from '../../../src/store/store.js';
import type { NewEvent, RecipientState } from '../../../src/types.js';
import { newMessage, type MessageSpec } from '../../helpers/new-message.js';

export interface OpenedStore {
  store: Store;
  /** Another handle on the same database: another connection, or another relay node. Closed by cleanup. */
  another(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** Opens a fresh, empty, migrated store of one backend. */
export type OpenStore = () => Promise<OpenedStore>;

export const T0 = Date.UTC(2030, 0, 1);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/**
 * A fresh store for the tests of the enclosing describe(): opened before them, closed after. Tests of one
 * describe share it, so each writes its own messages (own domains and addresses) and reads only those.
 */
export function useStore(open: OpenStore): OpenedStore {
  let opened: OpenedStore | undefined;
  before(async () => {
    opened = await open();
  });
  after(async () => {
    await opened?.cleanup();
  });
  const get = () => {
    if (!opened) throw new Error('the store is opened in before()');
    return opened;
  };
  return {
    get store() {
      return get().store;
    },
    another: () => get().another(),
    cleanup: () => get().cleanup(),
  };
}

export function enqueue(store: Store, spec: MessageSpec): Promise<EnqueuedMessage> {
  return store.messages.enqueue(newMessage({ createdAt: T0, ...spec }));
}

/** The update an attempt records for one recipient in `state`. */
export function update(id: number, state: RecipientUpdate['state'], at = T0): RecipientUpdate {
  const codes = { delivered: [250, '2.0.0', 'ok'], deferred: [451, '4.7.1', 'try later'], bounced: [550, '5.1.1', 'no such user'] } as const;
  const [code, enhanced, text] = codes[state];
  return {
    id,
    state,
    nextAttemptAt: state === 'deferred' ? at + HOUR : null,
    lastCode: code,
    lastEnhanced: enhanced,
    lastText: text,
    category: null,
    hard: state === 'bounced',
  };
}

/** Claims the recipient (it must be due at `at`) and records one attempt that ends in `state`, with its outcome event. */
export async function settle(store: Store, m: EnqueuedMessage, index: number, state: RecipientUpdate['state'], at = T0): Promise<NewEvent> {
  const r = m.recipients[index]!;
  const owner = `settle-${r.id}`;
  const claimed = await store.queue.claimDue({ now: Math.max(at, r.nextAttemptAt ?? at), limit: 1_000, owner, leaseUntil: at + MIN });
  if (!claimed.some((c) => c.id === r.id)) throw new Error(`recipient ${r.address} was not due at ${at}`);
  await store.queue.releaseLeases(
    owner,
    claimed.filter((c) => c.id !== r.id).map((c) => c.id),
  );
  const event: NewEvent = { at, messageRowId: m.message.id, recipientId: r.id, kind: state, attempt: 1, phase: 'rcpt', ...codeOf(state) };
  const written = await store.queue.recordAttempt({ owner, at, events: [event], recipients: [update(r.id, state, at)] });
  if (written.lost.length) throw new Error(`recipient ${r.address}: claim lost`);
  return event;
}

function codeOf(state: RecipientUpdate['state']) {
  const u = update(0, state);
  return { code: u.lastCode, enhanced: u.lastEnhanced, text: u.lastText };
}

/** The states of a message's recipients, in id order. */
export async function states(store: Store, messageRowId: number): Promise<RecipientState[]> {
  return (await store.messages.recipients(messageRowId)).map((r) => r.state);
}

export const byId = <T extends { id: number }>(a: T, b: T) => a.id - b.id;

/** Runs `fn` on a store of its own (for tests of global reads: what is due, counts, the whole queue). */
export async function withFreshStore(open: OpenStore, fn: (store: Store, opened: OpenedStore) => Promise<void>): Promise<void> {
  const opened = await open();
  try {
    await fn(opened.store, opened);
  } finally {
    await opened.cleanup();
  }
}
