/**
 * Purging (RetentionStore): old finished history goes with everything that hangs off it, old content goes
 * alone, and nothing still waiting — a deferred recipient, unprocessed inbound mail, a pending webhook —
 * is touched, whatever its age.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EnqueuedMessage, PurgeCutoffs, Store } from '../../../src/store/store.js';
import { DAY, enqueue, settle, update, withFreshStore, type OpenStore } from './support.js';

const NOW = Date.UTC(2030, 5, 1);
const cutoffs = (days: { history: number; content: number; inbound: number; webhooks: number }): PurgeCutoffs => ({
  history: NOW - days.history * DAY,
  content: NOW - days.content * DAY,
  inbound: NOW - days.inbound * DAY,
  webhooks: NOW - days.webhooks * DAY,
});
const WINDOWS = { history: 90, content: 7, inbound: 90, webhooks: 30 };

/** A message accepted `ageDays` ago whose one recipient ended (or waits) in `state`. */
async function message(store: Store, ageDays: number, state: 'delivered' | 'deferred' | 'bounced'): Promise<EnqueuedMessage & { eventId: number }> {
  const createdAt = NOW - ageDays * DAY;
  const m = await enqueue(store, { createdAt, receivedDetail: { subject: `Aged ${ageDays} ${state}` }, recipients: [`r${ageDays}-${state}@example.org`] });
  await settle(store, m, 0, state, createdAt);
  const events = await store.events.forMessage(m.message.id);
  return { ...m, eventId: events[events.length - 1]!.id };
}

async function inbound(store: Store, ageDays: number, opts: { processed: boolean; matchedTo?: EnqueuedMessage }): Promise<number> {
  const at = NOW - ageDays * DAY;
  const row = await store.inbound.receive({
    receivedAt: at,
    mailFrom: '',
    rcptTo: ['postmaster@bounces.test'],
    clientIp: null,
    raw: Buffer.from('Subject: x\r\n\r\nx\r\n'),
  });
  const match = opts.matchedTo ? { messageRowId: opts.matchedTo.message.id, recipientId: opts.matchedTo.recipients[0]!.id, rule: 'verp' } : null;
  if (opts.processed) await store.inbound.record({ id: row.id, processedAt: at, kind: 'bounce', parse: {}, match, effects: [] });
  return row.id;
}

export function retentionContract(open: OpenStore): void {
  describe('retention purge', () => {
    test('one purge removes old finished history, old content, old processed inbound and finished webhooks; keeps all that waits', () =>
      withFreshStore(open, async (store) => {
        await store.webhooks.stage({ now: NOW - 100 * DAY, limit: 10, route: () => [] }); // the cursor, before any event
        const oldDone = await message(store, 100, 'delivered');
        const oldWaiting = await message(store, 100, 'deferred');
        const midDone = await message(store, 10, 'bounced');
        const newDone = await message(store, 1, 'delivered');
        // A suppression caused by an event of the purged message outlives it, without the reference.
        await store.suppressions.add({
          address: 'gone@example.org',
          reason: 'hard bounce',
          source: 'hard-bounce',
          eventId: oldDone.eventId,
          createdAt: NOW - 100 * DAY,
        });
        const matchedToOld = await inbound(store, 100, { processed: true, matchedTo: oldDone });
        const matchedToMid = await inbound(store, 10, { processed: true, matchedTo: midDone });
        const oldUnmatched = await inbound(store, 100, { processed: true });
        const oldUnprocessed = await inbound(store, 100, { processed: false });
        const newUnmatched = await inbound(store, 1, { processed: true });
        // Webhooks: one row per outcome event; their last touch decides their age.
        await store.webhooks.stage({
          now: NOW - 40 * DAY,
          limit: 100,
          route: (e) => (e.kind === 'received' ? [] : [{ endpoint: 'crm', type: e.kind, payload: `{"id":${e.id}}` }]),
        });
        const rows = (await store.webhooks.claimDue({ now: NOW - 40 * DAY, limit: 10, leaseUntil: NOW - 40 * DAY + 1 })).sort((a, b) => a.eventId - b.eventId);
        assert.equal(rows.length, 4);
        const [oldDelivered, oldFailed, oldPending, newDelivered] = rows.map((r) => r.id) as [number, number, number, number];
        await store.webhooks.recordAttempt({ id: oldDelivered, at: NOW - 40 * DAY, state: 'delivered', nextAttemptAt: null, status: 200, error: null });
        await store.webhooks.recordAttempt({ id: oldFailed, at: NOW - 40 * DAY, state: 'failed', nextAttemptAt: null, status: 500, error: 'x' });
        await store.webhooks.recordAttempt({ id: newDelivered, at: NOW - DAY, state: 'delivered', nextAttemptAt: null, status: 200, error: null });

        const none = await store.retention.purge({ history: null, content: null, inbound: null, webhooks: null }, 100);
        assert.deepEqual(none, { messages: 0, contents: 0, inbound: 0, webhooks: 0 }, 'null cut-offs keep everything');

        assert.deepEqual(await store.retention.purge(cutoffs(WINDOWS), 100), { messages: 1, contents: 1, inbound: 1, webhooks: 2 });

        // The old finished message is gone with its recipients, events, content, subject and matched bounce.
        assert.equal(await store.messages.getById(oldDone.message.id), null);
        assert.deepEqual(await store.messages.recipients(oldDone.message.id), []);
        assert.deepEqual(await store.events.forMessage(oldDone.message.id), []);
        assert.equal(await store.messages.content(oldDone.message.id), null);
        assert.deepEqual(await store.query.subjectsOf([oldDone.message.id]), new Map());
        assert.equal(await store.inbound.recipientById(oldDone.recipients[0]!.id), null);
        assert.equal(await store.inbound.get(matchedToOld), null);
        assert.equal((await store.suppressions.get('gone@example.org'))?.eventId, null, 'the suppression stays, its event reference cleared');
        assert.deepEqual(await store.query.search({ subject: 'aged 100', limit: 10 }).then((r) => r.map((m) => m.id)), [oldWaiting.message.id]);

        // As old, but its recipient still waits: untouched, content and all (delivery needs it).
        assert.ok(await store.messages.getById(oldWaiting.message.id));
        assert.equal((await store.events.forMessage(oldWaiting.message.id)).length, 2);
        assert.ok(await store.messages.content(oldWaiting.message.id));

        // Ten days old: history kept (trace still answers), content gone; its matched bounce stays matched.
        assert.ok(await store.messages.getById(midDone.message.id));
        assert.equal(await store.messages.content(midDone.message.id), null);
        assert.equal((await store.inbound.get(matchedToMid))?.matchedMessageRowId, midDone.message.id);
        assert.equal((await store.query.subjectsOf([midDone.message.id])).get(midDone.message.id), 'Aged 10 bounced');
        assert.ok(await store.messages.content(newDone.message.id), 'one day old: everything kept');

        assert.equal(await store.inbound.get(oldUnmatched), null, 'old unmatched inbound mail goes');
        assert.ok(await store.inbound.get(oldUnprocessed), 'inbound mail never processed stays, however old');
        assert.ok(await store.inbound.get(newUnmatched));

        assert.equal(await store.webhooks.get(oldDelivered), null);
        assert.equal(await store.webhooks.get(oldFailed), null);
        assert.ok(await store.webhooks.get(oldPending), 'a pending webhook stays, however old');
        assert.ok(await store.webhooks.get(newDelivered));

        assert.deepEqual(
          await store.retention.purge(cutoffs(WINDOWS), 100),
          { messages: 0, contents: 0, inbound: 0, webhooks: 0 },
          'a second purge finds nothing',
        );
      }));

    test('history counts from when delivery ended; a message owing the sender a report stays; with webhooks, so does one the router has not read', () =>
      withFreshStore(open, async (store) => {
        await store.webhooks.stage({ now: NOW - 200 * DAY, limit: 10, route: () => [] }); // the cursor, before any event
        // Accepted 100 days ago, retried for months, delivered yesterday.
        const createdAt = NOW - 100 * DAY;
        const late = await enqueue(store, { createdAt, recipients: ['late@example.org'] });
        await settle(store, late, 0, 'delivered', NOW - DAY);
        // Accepted and bounced 100 days ago, its failure report still owed (the relay stopped before it was queued).
        const owed = await enqueue(store, { createdAt, recipients: ['owed@example.org'] });
        const [r] = await store.queue.claimDue({ now: createdAt, limit: 10, owner: 'o', leaseUntil: createdAt + DAY });
        assert.equal(r?.id, owed.recipients[0]!.id);
        await store.queue.recordAttempt({
          owner: 'o',
          at: createdAt,
          events: [],
          recipients: [{ ...update(r!.id, 'bounced', createdAt), reportOwed: 'failure' }],
        });
        // Accepted and delivered 100 days ago: its events not yet read by the webhook router.
        const unrouted = await message(store, 100, 'delivered');
        await message(store, 0, 'delivered'); // newer ids exist (SQLite keeps the newest ids' messages)

        const history = { history: NOW - 90 * DAY, content: null, inbound: null, webhooks: null };
        assert.deepEqual(await store.retention.purge({ ...history, keepUnrouted: true }, 100), { messages: 0, contents: 0, inbound: 0, webhooks: 0 });
        for (const m of [late, owed, unrouted]) assert.ok(await store.messages.getById(m.message.id));

        // Without webhooks nothing waits for the router: that one goes.
        assert.equal((await store.retention.purge(history, 100)).messages, 1);
        assert.equal(await store.messages.getById(unrouted.message.id), null);

        // The report sent, and 90 days after the delivery: both go.
        await store.queue.settleReports([owed.recipients[0]!.id], 'failure');
        assert.equal((await store.retention.purge(history, 100)).messages, 1);
        assert.equal(await store.messages.getById(owed.message.id), null);
        assert.ok(await store.messages.getById(late.message.id));
        assert.equal((await store.retention.purge({ ...history, history: NOW - DAY + 1 }, 100)).messages, 1);
        assert.equal(await store.messages.getById(late.message.id), null);
      }));

    test('with webhooks, a message is purged once the router has read its events', () =>
      withFreshStore(open, async (store) => {
        await store.webhooks.stage({ now: NOW - 200 * DAY, limit: 10, route: () => [] });
        const m = await message(store, 100, 'delivered');
        await message(store, 1, 'delivered');
        const history = { history: NOW - 90 * DAY, content: null, inbound: null, webhooks: null, keepUnrouted: true };
        assert.equal((await store.retention.purge(history, 100)).messages, 0);
        await store.webhooks.stage({ now: NOW, limit: 100, route: () => [] });
        assert.equal((await store.retention.purge(history, 100)).messages, 1);
        assert.equal(await store.messages.getById(m.message.id), null);
      }));

    test('a purge step deletes at most `limit` rows of each kind, oldest first; repeated steps finish the work', () =>
      withFreshStore(open, async (store) => {
        const old = [];
        for (let i = 0; i < 5; i++) old.push(await message(store, 200 + i, 'delivered'));
        // The newest message holds the highest ids, which SQLite keeps (see the next test): a recent one.
        await message(store, 0, 'delivered');
        for (let i = 0; i < 3; i++) await inbound(store, 100 + i, { processed: true });
        const steps = [];
        for (;;) {
          const c = await store.retention.purge(cutoffs(WINDOWS), 2);
          steps.push([c.messages, c.inbound]);
          // Oldest first: after the first step the two oldest (204 and 203 days) are gone, the rest still there.
          if (steps.length === 1)
            assert.deepEqual(await Promise.all(old.map(async (o) => (await store.messages.getById(o.message.id)) !== null)), [true, true, true, false, false]);
          if (c.messages < 2 && c.inbound < 2) break;
        }
        assert.deepEqual(steps, [
          [2, 2],
          [2, 1],
          [1, 0],
        ]);
        for (const o of old) assert.equal(await store.messages.getById(o.message.id), null);
      }));

    test('after a purge of everything old (a quiet spell longer than the history window), new ids stay above every id ever given', () =>
      withFreshStore(open, async (store) => {
        const old = [await message(store, 100, 'delivered'), await message(store, 100, 'bounced')];
        const highest = {
          message: Math.max(...old.map((o) => o.message.id)),
          recipient: Math.max(...old.map((o) => o.recipients[0]!.id)),
          event: Math.max(...old.map((o) => o.eventId)),
        };
        while ((await store.retention.purge(cutoffs(WINDOWS), 100)).messages > 0);
        const next = await message(store, 0, 'delivered');
        assert.ok(next.message.id > highest.message, `message id ${next.message.id} > ${highest.message}`);
        // A recipient id is a VERP token's subject: given again, an old token would name a new recipient.
        assert.ok(next.recipients[0]!.id > highest.recipient, `recipient id ${next.recipients[0]!.id} > ${highest.recipient}`);
        // An event id at or below the webhook cursor is never sent.
        const first = (await store.events.forMessage(next.message.id))[0]!;
        assert.ok(first.id > highest.event, `event id ${first.id} > ${highest.event}`);
      }));
  });
}
