/**
 * A claim and the reads that follow it (the claimed recipients' messages, the small ones' contents), in one
 * call to the store: PostgreSQL does it in one statement (one round trip and one transaction instead of
 * three); a backend without `claimWithMessages` (SQLite, where a read is a function call) gets the three calls.
 */
import type { ClaimedBatch, ClaimRequest, Store } from '../store/store.js';

export async function claimBatch(store: Pick<Store, 'queue' | 'messages'>, req: ClaimRequest & { contentUpTo: number }): Promise<ClaimedBatch> {
  if (store.queue.claimWithMessages) return store.queue.claimWithMessages(req);
  const recipients = await store.queue.claimDue(req);
  if (recipients.length === 0) return { recipients, messages: new Map(), contents: new Map() };
  const messages = new Map((await store.messages.getMany([...new Set(recipients.map((r) => r.messageRowId))])).map((m) => [m.id, m]));
  const small = [...messages.values()].filter((m) => m.size <= req.contentUpTo).map((m) => m.id);
  const contents = small.length ? await store.messages.contents(small) : new Map<number, Buffer>();
  return { recipients, messages, contents };
}
