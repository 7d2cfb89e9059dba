/**
 * Delivery state: claims with leases, attempt results under the lease, expiry, operator transitions, delay
 * warnings, counts. Each test runs on a store of its own: claims take whatever is due.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RecipientTransition } from '../../../src/store/store.js';
import { lateBounce } from '../../../src/queue/transitions.js';
import type { NewEvent } from '../../../src/types.js';
import { byId, enqueue, HOUR, MIN, states, T0, update, withFreshStore, type OpenStore } from './support.js';

/** Addresses due one millisecond apart, in the given order: claims with a limit take them in that order. */
const inOrder = (...addresses: string[]) => addresses.map((address, i) => ({ address, nextAttemptAt: T0 + i }));

const EXPIRY = { text: 'gave up: queue lifetime over', detail: { category: 'expired', explanation: 'the caller wrote this' } };

/**
 * The events of one attempt for two recipients: connect, a RCPT each (the second answered `secondRcpt`),
 * DATA, then each recipient's outcome event.
 */
function twoRecipientAttempt(
  messageRowId: number,
  at: number,
  [a, outcomeA]: [number, Pick<NewEvent, 'kind' | 'code' | 'enhanced'>],
  [b, outcomeB]: [number, Pick<NewEvent, 'kind' | 'code' | 'enhanced'>],
  secondRcpt = 250,
): NewEvent[] {
  return [
    { at, messageRowId, kind: 'phase', phase: 'connect', code: 220, attempt: 1 },
    { at, messageRowId, recipientId: a, kind: 'phase', phase: 'rcpt', code: 250, attempt: 1 },
    { at, messageRowId, recipientId: b, kind: 'phase', phase: 'rcpt', code: secondRcpt, attempt: 1 },
    { at, messageRowId, kind: 'phase', phase: 'data', code: 250, attempt: 1 },
    { at, messageRowId, recipientId: a, attempt: 1, ...outcomeA },
    { at, messageRowId, recipientId: b, attempt: 1, ...outcomeB },
  ];
}

export function queueContract(open: OpenStore): void {
  const fresh = (fn: Parameters<typeof withFreshStore>[1]) => () => withFreshStore(open, fn);

  describe('claimDue and leases', () => {
    test(
      'claims only due waiting recipients, oldest due first, up to the limit, and stamps the lease',
      fresh(async (store) => {
        await enqueue(store, { recipients: [{ address: 'late@x.test', nextAttemptAt: T0 + 500 }] });
        await enqueue(store, {
          recipients: [
            { address: 'second@x.test', nextAttemptAt: T0 + 20 },
            { address: 'first@x.test', nextAttemptAt: T0 + 10 },
            { address: 'gone@x.test', state: 'suppressed' },
          ],
        });
        await enqueue(store, { recipients: [{ address: 'third@y.test', nextAttemptAt: T0 + 30 }] });
        const got = await store.queue.claimDue({ now: T0 + 100, limit: 2, owner: 'A', leaseUntil: T0 + 1_000 });
        assert.deepEqual(
          got.map((r) => [r.address, r.leaseOwner, r.leaseUntil]),
          [
            ['first@x.test', 'A', T0 + 1_000],
            ['second@x.test', 'A', T0 + 1_000],
          ],
        );
        assert.deepEqual(
          (await store.queue.claimDue({ now: T0 + 100, limit: 10, owner: 'B', leaseUntil: T0 + 1_000 })).map((r) => r.address),
          ['third@y.test'],
          'a leased one is not claimed again; a late one is not due',
        );
        assert.deepEqual(
          await store.queue.claimDue({ now: T0 + 100, limit: 10, owner: 'C', leaseUntil: T0 + 1_000 }),
          [],
          'a suppressed recipient is never claimed',
        );
        assert.deepEqual(
          (await store.queue.claimDue({ now: T0 + 500, limit: 10, owner: 'C', leaseUntil: T0 + 1_000 })).map((r) => r.address),
          ['late@x.test'],
          'due at exactly its time',
        );
      }),
    );

    test(
      'excluded domains are passed by, and the others claimed instead',
      fresh(async (store) => {
        await enqueue(store, {
          recipients: [
            { address: 'a@busy.test', nextAttemptAt: T0 },
            { address: 'b@busy.test', nextAttemptAt: T0 },
            { address: 'c@free.test', nextAttemptAt: T0 + 1 },
            { address: 'd@other.test', nextAttemptAt: T0 + 2 },
          ],
        });
        const got = await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'A', leaseUntil: T0 + 1_000, excludeDomains: ['busy.test'] });
        assert.deepEqual(
          got.map((r) => r.address),
          ['c@free.test'],
          'the limit counts only what is claimed',
        );
        assert.deepEqual(
          await store.queue.claimDue({ now: T0 + 10, limit: 10, owner: 'A', leaseUntil: T0 + 1_000, excludeDomains: ['busy.test', 'other.test'] }),
          [],
        );
        assert.deepEqual(
          (await store.queue.claimDue({ now: T0 + 10, limit: 10, owner: 'A', leaseUntil: T0 + 1_000, excludeDomains: [] })).map((r) => r.address),
          ['a@busy.test', 'b@busy.test', 'd@other.test'],
        );
      }),
    );

    test(
      'an expired lease is claimable again, and the old owner can then neither renew nor record',
      fresh(async (store) => {
        const { message, recipients } = await enqueue(store, { recipients: ['r@x.test'] });
        const [a] = await store.queue.claimDue({ now: T0, limit: 1, owner: 'A', leaseUntil: T0 + 1_000 });
        assert.equal(a?.id, recipients[0]!.id);
        assert.deepEqual(await store.queue.claimDue({ now: T0 + 999, limit: 1, owner: 'B', leaseUntil: T0 + 2_000 }), [], 'live until its end');
        const [b] = await store.queue.claimDue({ now: T0 + 1_000, limit: 1, owner: 'B', leaseUntil: T0 + 2_000 });
        assert.deepEqual([b?.id, b?.leaseOwner], [a.id, 'B']);

        const phase: NewEvent = { at: T0, kind: 'phase', messageRowId: message.id, phase: 'connect', code: 220 };
        assert.deepEqual(await store.queue.renewLeases('A', [a.id], T0 + 9_000), []);
        const late = await store.queue.recordAttempt({
          owner: 'A',
          at: T0 + 1_500,
          events: [phase, { at: T0, kind: 'delivered', messageRowId: message.id, recipientId: a.id }],
          recipients: [update(a.id, 'delivered')],
        });
        assert.deepEqual(late, { recorded: [], lost: [a.id] });
        assert.deepEqual(
          (await store.events.forMessage(message.id)).map((e) => e.kind),
          ['received'],
          'a wholly lost claim writes nothing, shared phases included',
        );
        assert.equal((await store.messages.recipients(message.id))[0]!.leaseOwner, 'B', "the new owner's lease stands");

        const won = await store.queue.recordAttempt({
          owner: 'B',
          at: T0 + 1_600,
          events: [phase, { at: T0 + 1_600, kind: 'delivered', messageRowId: message.id, recipientId: b.id, attempt: 1 }],
          recipients: [update(b.id, 'delivered', T0 + 1_600)],
        });
        assert.deepEqual(won.lost, []);
        assert.deepEqual(
          [won.recorded[0]?.state, won.recorded[0]?.attempts, won.recorded[0]?.leaseOwner, won.recorded[0]?.leaseUntil, won.recorded[0]?.updatedAt],
          ['delivered', 1, null, null, T0 + 1_600],
        );
        assert.deepEqual(
          (await store.events.forMessage(message.id)).map((e) => e.kind),
          ['received', 'phase', 'delivered'],
        );
      }),
    );

    test(
      'a claim says whose lapsed lease it took over; recordInterrupted counts that attempt for the new holder only',
      fresh(async (store) => {
        const { message, recipients } = await enqueue(store, { recipients: ['r@x.test', 's@x.test'] });
        const first = await store.queue.claimDue({ now: T0, limit: 10, owner: 'A', leaseUntil: T0 + 1_000 });
        assert.deepEqual(
          first.map((r) => r.lapsedOwner),
          [null, null],
          'free recipients: nobody to take over from',
        );
        await store.queue.releaseLeases('A', [recipients[1]!.id]);
        const taken = await store.queue.claimDue({ now: T0 + 1_000, limit: 10, owner: 'B', leaseUntil: T0 + 2_000 });
        assert.deepEqual(
          taken.map((r) => [r.address, r.lapsedOwner]),
          [
            ['r@x.test', 'A'],
            ['s@x.test', null],
          ],
          'a released claim lapses nobody',
        );
        const event = { text: 'interrupted (the caller wrote this)', detail: { explanation: 'the caller wrote this too' } };
        const counted = await store.queue.recordInterrupted({
          owner: 'B',
          now: T0 + 1_001,
          items: [{ recipientId: recipients[0]!.id, lapsedOwner: 'A' }],
          event,
        });
        assert.deepEqual(
          counted.map((r) => [r.id, r.attempts, r.leaseOwner]),
          [[recipients[0]!.id, 1, 'B']],
        );
        assert.deepEqual(
          await store.queue.recordInterrupted({ owner: 'A', now: T0 + 1_002, items: [{ recipientId: recipients[0]!.id, lapsedOwner: 'A' }], event }),
          [],
          'only the holder counts it',
        );
        const [e] = (await store.events.forMessage(message.id)).filter((x) => x.kind === 'interrupted');
        assert.deepEqual([e?.recipientId, e?.attempt, e?.text, e?.detail], [recipients[0]!.id, 1, event.text, { ...event.detail, lapsed_owner: 'A' }]);
      }),
    );

    test(
      'handles (nodes) claiming at the same time never claim the same recipient',
      fresh(async (store, opened) => {
        const handles = [store, await opened.another(), await opened.another()];
        for (let i = 0; i < 30; i++) await enqueue(store, { recipients: [`a${i}@x.test`, `b${i}@y.test`], createdAt: T0 + i });
        const seen = new Map<number, string>();
        for (let round = 0; round < 8; round++) {
          const claims = await Promise.all(handles.map((h, i) => h.queue.claimDue({ now: T0 + 100, limit: 3, owner: `N${i}`, leaseUntil: T0 + 60_000 })));
          claims.forEach((rows, i) => {
            for (const r of rows) {
              assert.ok(!seen.has(r.id), `recipient ${r.id} claimed by ${seen.get(r.id)} and again by N${i}`);
              assert.equal(r.leaseOwner, `N${i}`);
              seen.set(r.id, `N${i}`);
            }
          });
        }
        assert.equal(seen.size, 60, 'every recipient claimed once');
        assert.equal((await store.queue.countsByState(T0 + 100)).leased, 60);
      }),
    );

    test(
      'renewLeases moves only our live claims on waiting recipients, and says which',
      fresh(async (store) => {
        const { message, recipients } = await enqueue(store, { recipients: inOrder('a@x.test', 'b@x.test', 'c@x.test') });
        const [a, b, c] = recipients.map((r) => r.id) as [number, number, number];
        await store.queue.claimDue({ now: T0 + 5, limit: 2, owner: 'A', leaseUntil: T0 + 1_000 });
        await store.queue.claimDue({ now: T0 + 5, limit: 1, owner: 'B', leaseUntil: T0 + 1_000 });
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [update(b, 'delivered')] });
        assert.deepEqual(await store.queue.renewLeases('A', [a, b, c], T0 + 5_000), [a], 'b is final, c is B’s');
        assert.deepEqual(await store.queue.renewLeases('A', [], T0 + 5_000), []);
        const now = await store.messages.recipients(message.id);
        assert.deepEqual(
          now.map((r) => [r.leaseOwner, r.leaseUntil]),
          [
            ['A', T0 + 5_000],
            [null, null],
            ['B', T0 + 1_000],
          ],
        );
        assert.deepEqual(
          await store.queue.claimDue({ now: T0 + 1_000, limit: 10, owner: 'C', leaseUntil: T0 + 9_000 }).then((r) => r.map((x) => x.id)),
          [c],
          'the renewed lease holds past its old end',
        );
      }),
    );

    test(
      'releaseLeases gives back all or some of our claims (due again at once); resetStaleLeases clears lapsed ones',
      fresh(async (store) => {
        await enqueue(store, { recipients: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'] });
        const got = await store.queue.claimDue({ now: T0, limit: 3, owner: 'A', leaseUntil: T0 + 1_000 });
        await store.queue.claimDue({ now: T0, limit: 1, owner: 'B', leaseUntil: T0 + 1_000 });
        assert.equal(await store.queue.releaseLeases('A', [got[0]!.id]), 1);
        assert.equal(await store.queue.releaseLeases('A', []), 0);
        assert.equal(await store.queue.releaseLeases('nobody'), 0);
        assert.deepEqual(
          (await store.queue.claimDue({ now: T0, limit: 10, owner: 'C', leaseUntil: T0 + 1_000 })).map((r) => r.id),
          [got[0]!.id],
          'a released claim is due again at once',
        );
        assert.equal(await store.queue.releaseLeases('A'), 2, 'all of A’s, and nobody else’s');
        assert.deepEqual((await store.queue.countsByState(T0)).leased, 2, 'B and C keep theirs');
        assert.equal(await store.queue.resetStaleLeases(T0 + 999), 0, 'live leases stay');
        assert.equal(await store.queue.resetStaleLeases(T0 + 1_000), 2);
        assert.deepEqual(await store.queue.countsByState(T0), { byState: { queued: 4 }, leased: 0 });
      }),
    );
  });

  describe('recordAttempt', () => {
    test(
      'writes only for recipients whose lease is still ours; shared phases when at least one was',
      fresh(async (store) => {
        const { message, recipients } = await enqueue(store, { recipients: ['kept@x.test', 'taken@x.test'] });
        const [kept, taken] = recipients.map((r) => r.id) as [number, number];
        await store.queue.claimDue({ now: T0, limit: 2, owner: 'A', leaseUntil: T0 + 1_000 });
        // B takes one over (A gave it back); A's other lease then lapses, but nobody takes it: a lapsed lease
        // is still its owner's until someone else claims it.
        await store.queue.releaseLeases('A', [taken]);
        await store.queue.claimDue({ now: T0 + 500, limit: 1, owner: 'B', leaseUntil: T0 + 9_000 });
        const at = T0 + 1_500;
        const events = twoRecipientAttempt(message.id, at, [kept, { kind: 'deferred' }], [taken, { kind: 'deferred' }]);
        const res = await store.queue.recordAttempt({ owner: 'A', at, events, recipients: [update(taken, 'deferred', at), update(kept, 'deferred', at)] });
        assert.deepEqual(res.lost, [taken]);
        assert.deepEqual(
          res.recorded.map((r) => [r.id, r.state, r.attempts, r.nextAttemptAt, r.lastCode, r.lastEnhanced, r.lastText, r.hard, r.leaseOwner]),
          [[kept, 'deferred', 1, at + HOUR, 451, '4.7.1', 'try later', false, null]],
        );
        const timeline = await store.events.forMessage(message.id);
        assert.deepEqual(
          timeline.map((e) => [e.kind, e.phase, e.recipientId]),
          [
            ['received', 'submission', null],
            ['phase', 'connect', null],
            ['phase', 'rcpt', kept],
            ['phase', 'data', null],
            ['deferred', null, kept],
          ],
          'in the given order, without the lost recipient’s events',
        );
        const now = await store.messages.recipients(message.id);
        assert.deepEqual(
          now.map((r) => [r.state, r.leaseOwner, r.attempts]),
          [
            ['deferred', null, 1],
            ['queued', 'B', 0],
          ],
          'B’s recipient untouched',
        );
      }),
    );

    test(
      'the recorded recipients come back in the order asked; a final recipient is lost, not rewritten',
      fresh(async (store) => {
        const { recipients } = await enqueue(store, { recipients: ['a@x.test', 'b@x.test', 'c@x.test'] });
        const [a, b, c] = recipients.map((r) => r.id) as [number, number, number];
        await store.queue.claimDue({ now: T0, limit: 3, owner: 'A', leaseUntil: T0 + 1_000 });
        const res = await store.queue.recordAttempt({
          owner: 'A',
          at: T0,
          events: [],
          recipients: [update(c, 'bounced'), update(a, 'delivered'), update(b, 'deferred')],
        });
        assert.deepEqual(
          res.recorded.map((r) => [r.id, r.state, r.hard]),
          [
            [c, 'bounced', true],
            [a, 'delivered', false],
            [b, 'deferred', false],
          ],
        );
        const again = await store.queue.recordAttempt({ owner: 'A', at: T0 + 1, events: [], recipients: [update(c, 'delivered')] });
        assert.deepEqual(again, { recorded: [], lost: [c] });
      }),
    );

    test(
      'a hard bounce is suppressed with its bounced event, and only for a recipient still ours',
      fresh(async (store) => {
        const { message, recipients } = await enqueue(store, { recipients: ['Gone@X.test', 'lost@x.test'] });
        const [gone, lost] = recipients as [(typeof recipients)[0], (typeof recipients)[0]];
        await store.queue.claimDue({ now: T0, limit: 2, owner: 'A', leaseUntil: T0 + 1_000 });
        await store.queue.releaseLeases('A', [lost.id]);
        await store.queue.claimDue({ now: T0, limit: 1, owner: 'B', leaseUntil: T0 + 1_000 });
        const event = (id: number): NewEvent => ({
          at: T0 + 500,
          kind: 'bounced',
          messageRowId: message.id,
          recipientId: id,
          attempt: 1,
          code: 550,
          enhanced: '5.1.1',
        });
        const res = await store.queue.recordAttempt({
          owner: 'A',
          at: T0 + 500,
          events: [event(gone.id), event(lost.id)],
          recipients: [update(gone.id, 'bounced'), update(lost.id, 'bounced')],
          suppress: [
            { recipientId: gone.id, address: 'gone@x.test', reason: 'hard bounce: 550 5.1.1' },
            { recipientId: lost.id, address: 'lost@x.test', reason: 'hard bounce: 550 5.1.1' },
          ],
        });
        assert.deepEqual(res.lost, [lost.id]);
        const bounced = (await store.events.forMessage(message.id)).find((e) => e.kind === 'bounced');
        assert.deepEqual(
          await store.suppressions.get('gone@x.test'),
          { address: 'gone@x.test', reason: 'hard bounce: 550 5.1.1', source: 'hard-bounce', eventId: bounced?.id, createdAt: T0 + 500 },
          'the key as given, pointing at its event',
        );
        assert.equal(await store.suppressions.get('lost@x.test'), null, 'nothing for a recipient whose claim was lost');
      }),
    );

    test(
      'a suppression already listed is kept as it was',
      fresh(async (store) => {
        await store.suppressions.add({ address: 'old@x.test', reason: 'manual', source: 'manual', createdAt: T0 - 1 });
        const { message, recipients } = await enqueue(store, { recipients: ['old@x.test'] });
        const id = recipients[0]!.id;
        await store.queue.claimDue({ now: T0, limit: 1, owner: 'A', leaseUntil: T0 + 1_000 });
        const res = await store.queue.recordAttempt({
          owner: 'A',
          at: T0,
          events: [{ at: T0, kind: 'bounced', messageRowId: message.id, recipientId: id }],
          recipients: [update(id, 'bounced')],
          suppress: [{ recipientId: id, address: 'old@x.test', reason: 'hard bounce' }],
        });
        assert.equal(res.recorded.length, 1);
        assert.deepEqual(await store.suppressions.get('old@x.test'), {
          address: 'old@x.test',
          reason: 'manual',
          source: 'manual',
          eventId: null,
          createdAt: T0 - 1,
        });
      }),
    );

    test(
      'attempts of many jobs written at once are each recorded under their own lease: a lost job writes nothing, the others all of theirs',
      fresh(async (store) => {
        // Eight jobs, each a message of two recipients with shared and per-recipient phases (a foldable run);
        // job 3's lease was taken over by B; jobs 5 and 6 hard-bounce the same address at once.
        const jobs: Awaited<ReturnType<typeof enqueue>>[] = [];
        for (let i = 0; i < 8; i++) {
          const bounce = i === 5 || i === 6 ? 'same@x.test' : `b${i}@x.test`;
          jobs.push(await enqueue(store, { recipients: [`a${i}@x.test`, bounce] }));
        }
        await store.queue.claimDue({ now: T0, limit: 16, owner: 'A', leaseUntil: T0 + 1_000 });
        const lostJob = jobs[3]!;
        await store.queue.releaseLeases(
          'A',
          lostJob.recipients.map((r) => r.id),
        );
        await store.queue.claimDue({ now: T0, limit: 16, owner: 'B', leaseUntil: T0 + 9_000 });
        const at = T0 + 500;
        const results = await Promise.all(
          jobs.map(({ message, recipients }) => {
            const [a, b] = recipients.map((r) => r.id) as [number, number];
            const events = twoRecipientAttempt(message.id, at, [a, { kind: 'delivered' }], [b, { kind: 'bounced', code: 550, enhanced: '5.1.1' }], 550);
            return store.queue.recordAttempt({
              owner: 'A',
              at,
              events,
              recipients: [update(a, 'delivered', at), update(b, 'bounced', at)],
              suppress: [{ recipientId: b, address: recipients[1]!.address, reason: 'hard bounce: 550 5.1.1' }],
            });
          }),
        );
        for (const [i, res] of results.entries()) {
          const ids: number[] = jobs[i]!.recipients.map((r) => r.id);
          if (jobs[i] === lostJob) assert.deepEqual(res, { recorded: [], lost: ids }, 'the job B took over');
          else
            assert.deepEqual(
              [res.recorded.map((r) => [r.id, r.state, r.attempts]), res.lost],
              [
                [
                  [ids[0], 'delivered', 1],
                  [ids[1], 'bounced', 1],
                ],
                [],
              ],
              `job ${i}`,
            );
        }
        for (const { message, recipients } of jobs) {
          const [a, b] = recipients.map((r) => r.id);
          const timeline = (await store.events.forMessage(message.id)).map((e) => [e.kind, e.phase, e.recipientId]);
          assert.deepEqual(
            timeline,
            message.id === lostJob.message.id
              ? [['received', 'submission', null]]
              : [
                  ['received', 'submission', null],
                  ['phase', 'connect', null],
                  ['phase', 'rcpt', a],
                  ['phase', 'rcpt', b],
                  ['phase', 'data', null],
                  ['delivered', null, a],
                  ['bounced', null, b],
                ],
            `the timeline of ${message.queueId}`,
          );
        }
        assert.deepEqual(await states(store, lostJob.message.id), ['queued', 'queued'], 'B’s recipients untouched');
        assert.equal(await store.suppressions.get('b3@x.test'), null, 'nothing suppressed for the lost job');
        assert.equal((await store.suppressions.get('b4@x.test'))?.source, 'hard-bounce');
        const same = await store.suppressions.get('same@x.test');
        const bouncedOf = async (m: (typeof jobs)[number]) => (await store.events.forMessage(m.message.id)).find((e) => e.kind === 'bounced')?.id;
        assert.ok(
          same?.eventId === (await bouncedOf(jobs[5]!)) || same?.eventId === (await bouncedOf(jobs[6]!)),
          'an address two jobs bounced at once is listed once, pointing at one of its events',
        );
      }),
    );

    test(
      'property: with workers crashing at random (claims dropped unrecorded), every recipient is recorded exactly once',
      fresh(async (store) => {
        let seed = 42;
        const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
        const all: number[] = [];
        for (let i = 0; i < 16; i++) {
          const { recipients } = await enqueue(store, { recipients: Array.from({ length: 1 + (i % 4) }, (_, k) => `r${i}-${k}@d${i % 3}.test`) });
          all.push(...recipients.map((r) => r.id));
        }
        let now = T0;
        const recordedBy = new Map<number, string>();
        for (let step = 0; step < 300 && recordedBy.size < all.length; step++) {
          now += 250;
          const owner = `w${step % 3}`;
          const claimed = await store.queue.claimDue({ now, limit: 1 + Math.floor(rand() * 5), owner, leaseUntil: now + 1_000 });
          if (rand() < 0.4) continue; // crash: the claim is dropped without recording anything
          const res = await store.queue.recordAttempt({ owner, at: now, events: [], recipients: claimed.map((r) => update(r.id, 'delivered', now)) });
          assert.deepEqual(res.lost, []);
          for (const r of res.recorded) {
            assert.ok(!recordedBy.has(r.id), `recipient ${r.id} recorded twice`);
            recordedBy.set(r.id, owner);
          }
        }
        assert.deepEqual(
          [...recordedBy.keys()].sort((a, b) => a - b),
          all.sort((a, b) => a - b),
        );
        assert.deepEqual((await store.queue.countsByState(now)).byState, { delivered: all.length });
      }),
    );
  });

  describe('expire', () => {
    test(
      'takes waiting recipients of messages created at or before the cut-off, skips others’ live leases and our running ones, writes the caller’s event',
      fresh(async (store) => {
        const old = await enqueue(store, { createdAt: T0, recipients: inOrder('a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'f@x.test', 'e@x.test') });
        const [a, b, c, d, f, e] = old.recipients.map((r) => r.id) as [number, number, number, number, number, number];
        const young = await enqueue(store, { createdAt: T0 + 10_000, recipients: ['young@x.test'] });
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'other', leaseUntil: T0 + 100_000 }); // a: in flight elsewhere
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'me', leaseUntil: T0 + 100_000 }); // b: ours, just claimed
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'dead', leaseUntil: T0 + 1_000 }); // c: a lapsed claim
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'A', leaseUntil: T0 + 1_000 }); // d: deferred below
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'me', leaseUntil: T0 + 100_000 }); // f: ours, being delivered
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [update(d, 'deferred')] });
        const expired = await store.queue.expire({ now: T0 + 5_000, createdBefore: T0, owner: 'me', claimed: [b], limit: 100, event: EXPIRY });
        assert.deepEqual(
          expired.map((r) => r.id).sort((x, y) => x - y),
          [b, c, d, e],
        );
        assert.equal(
          (await store.messages.recipients(old.message.id)).find((r) => r.id === f)?.state,
          'queued',
          'our own delivery in progress is left to record its result (a delivered message must not be reported failed)',
        );
        for (const r of expired) {
          assert.deepEqual(
            [r.state, r.category, r.hard, r.nextAttemptAt, r.leaseOwner, r.leaseUntil, r.updatedAt],
            ['expired', 'expired', false, null, null, null, T0 + 5_000],
          );
        }
        const events = (await store.events.forMessage(old.message.id)).filter((x) => x.kind === 'expired');
        assert.deepEqual(
          events.map((x) => x.recipientId).sort((x, y) => x! - y!),
          [b, c, d, e],
        );
        const ofD = events.find((x) => x.recipientId === d)!;
        assert.deepEqual([ofD.at, ofD.text, ofD.detail, ofD.attempt], [T0 + 5_000, EXPIRY.text, EXPIRY.detail, 1], 'the caller’s words; the attempt count');
        assert.deepEqual(
          await store.messages.recipients(old.message.id).then((rs) => rs.find((r) => r.id === a)?.state),
          'queued',
          'a live foreign lease is left to finish',
        );
        assert.deepEqual((await store.messages.recipients(young.message.id))[0]!.state, 'queued', 'a younger message is untouched');
        assert.deepEqual(
          await store.queue.expire({ now: T0 + 5_000, createdBefore: T0, limit: 100, event: EXPIRY }),
          [],
          'final recipients are not expired again',
        );
      }),
    );

    test(
      'honours the limit',
      fresh(async (store) => {
        await enqueue(store, { createdAt: T0, recipients: ['a@x.test', 'b@x.test', 'c@x.test'] });
        assert.equal((await store.queue.expire({ now: T0, createdBefore: T0, limit: 2, event: EXPIRY })).length, 2);
        assert.equal((await store.queue.expire({ now: T0, createdBefore: T0, limit: 2, event: EXPIRY })).length, 1);
      }),
    );
  });

  describe('transitionMessage', () => {
    const cancel = (now: number): RecipientTransition => ({
      from: ['queued', 'deferred'],
      to: 'cancelled',
      nextAttemptAt: null,
      clearLease: true,
      skipLeasedAt: now,
    });
    const retry = (now: number): RecipientTransition => ({ from: ['queued', 'deferred'], nextAttemptAt: now, clearLease: false, skipLeasedAt: null });

    test(
      'an unknown queue id is not found; a message whose recipients all are final is found and unchanged',
      fresh(async (store) => {
        const res = await store.queue.transitionMessage({ queueId: 'QNOPE', now: T0, transition: cancel(T0), event: { kind: 'cancelled', text: 'x' } });
        assert.deepEqual(res, { found: false, changed: [] });
        const m = await enqueue(store, { queueId: 'QFINAL', recipients: [{ address: 'a@x.test', state: 'suppressed' }] });
        assert.deepEqual(await store.queue.transitionMessage({ queueId: 'QFINAL', now: T0, transition: cancel(T0), event: { kind: 'cancelled' } }), {
          found: true,
          changed: [],
        });
        assert.deepEqual(
          (await store.events.forMessage(m.message.id)).map((e) => e.kind),
          ['received', 'suppressed'],
        );
      }),
    );

    test(
      'changes the recipients in a from-state, with one event each; leaves those under a live lease when asked',
      fresh(async (store) => {
        const m = await enqueue(store, { queueId: 'QCANCEL', recipients: inOrder('a@x.test', 'b@x.test', 'c@x.test', 'd@x.test') });
        const [a, b, c, d] = m.recipients.map((r) => r.id) as [number, number, number, number];
        await store.queue.claimDue({ now: T0, limit: 1, owner: 'A', leaseUntil: T0 + 1_000 });
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [update(a, 'delivered')] });
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'B', leaseUntil: T0 + 1_000 }); // b: in flight
        await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'C', leaseUntil: T0 + 100 }); // c: a lapsed claim
        const res = await store.queue.transitionMessage({
          queueId: 'QCANCEL',
          now: T0 + 500,
          transition: cancel(T0 + 500),
          event: { kind: 'cancelled', text: 'an operator cancelled delivery', detail: { by: 'ops', via: 'api' } },
        });
        assert.equal(res.found, true);
        assert.deepEqual(
          res.changed.sort(byId).map((r) => [r.id, r.state, r.nextAttemptAt, r.leaseOwner, r.updatedAt]),
          [
            [c, 'cancelled', null, null, T0 + 500],
            [d, 'cancelled', null, null, T0 + 500],
          ],
        );
        const events = (await store.events.forMessage(m.message.id)).filter((e) => e.kind === 'cancelled');
        assert.deepEqual(
          events.map((e) => [e.recipientId, e.at, e.text, e.detail]),
          [
            [c, T0 + 500, 'an operator cancelled delivery', { by: 'ops', via: 'api' }],
            [d, T0 + 500, 'an operator cancelled delivery', { by: 'ops', via: 'api' }],
          ],
        );
        assert.deepEqual(
          (await store.messages.recipients(m.message.id)).map((r) => [r.id, r.state, r.leaseOwner]),
          [
            [a, 'delivered', null],
            [b, 'queued', 'B'],
            [c, 'cancelled', null],
            [d, 'cancelled', null],
          ],
          'b, in flight, is left to finish',
        );
        assert.deepEqual(
          await store.queue.recordAttempt({ owner: 'C', at: T0 + 600, events: [], recipients: [update(c, 'delivered')] }),
          { recorded: [], lost: [c] },
          'a cleared lease: the old attempt finds its claim lost',
        );
      }),
    );

    test(
      'without `to` the state stays and only the due time moves; `last` sets the reply; the lease stays unless cleared',
      fresh(async (store) => {
        const m = await enqueue(store, { queueId: 'QRETRY', recipients: [{ address: 'a@x.test', nextAttemptAt: T0 + HOUR }, 'b@x.test'] });
        const [a, b] = m.recipients.map((r) => r.id) as [number, number];
        await store.queue.claimDue({ now: T0, limit: 1, owner: 'W', leaseUntil: T0 + MIN }); // b
        const res = await store.queue.transitionMessage({ queueId: 'QRETRY', now: T0 + 5, transition: retry(T0 + 5), event: { kind: 'requeued' } });
        assert.deepEqual(
          res.changed.sort(byId).map((r) => [r.id, r.state, r.nextAttemptAt, r.leaseOwner]),
          [
            [a, 'queued', T0 + 5, null],
            [b, 'queued', T0 + 5, 'W'],
          ],
        );
        const last = { code: 552, enhanced: '5.2.2', text: 'Mailbox full', category: 'mailbox-full', hard: false };
        const bounce: RecipientTransition = {
          from: ['queued', 'deferred', 'delivered'],
          to: 'bounced',
          nextAttemptAt: null,
          clearLease: true,
          skipLeasedAt: null,
          last,
        };
        const late = await store.queue.transitionMessage({ queueId: 'QRETRY', now: T0 + 9, transition: bounce, event: { kind: 'bounced' } });
        assert.deepEqual(
          late.changed.sort(byId).map((r) => [r.state, r.lastCode, r.lastEnhanced, r.lastText, r.category, r.hard, r.leaseOwner, r.attempts]),
          [
            ['bounced', 552, '5.2.2', 'Mailbox full', 'mailbox-full', false, null, 0],
            ['bounced', 552, '5.2.2', 'Mailbox full', 'mailbox-full', false, null, 0],
          ],
        );
      }),
    );
  });

  describe('reports owed (the DSN outbox)', () => {
    test(
      'a report owed is written with the state; deferred keeps it, delivered replaces it; a stale one is claimed once; settling is per kind',
      fresh(async (store) => {
        const m = await enqueue(store, { recipients: ['bad@x.test', 'ok@x.test', 'quiet@x.test', 'late@x.test'] });
        const [bad, ok, quiet, late] = m.recipients.map((r) => r.id) as [number, number, number, number];
        const claim = (now: number) => store.queue.claimDue({ now, limit: 10, owner: 'A', leaseUntil: now + MIN });
        const owed = async (now: number, staleBefore: number) =>
          (await store.queue.claimOwedReports({ now, staleBefore, limit: 10 })).map((o) => [o.recipient.id, o.kind, o.recipient.state]);
        await claim(T0);
        await store.queue.recordAttempt({
          owner: 'A',
          at: T0,
          events: [],
          recipients: [
            { ...update(bad, 'bounced'), reportOwed: 'failure' },
            { ...update(ok, 'delivered'), reportOwed: 'success' },
            update(quiet, 'deferred'),
            update(late, 'deferred'),
          ],
        });
        assert.deepEqual(await owed(T0 + 1, T0 - 1), [], 'tried at T0: not stale before T0');
        assert.deepEqual(await owed(T0 + 10, T0), [
          [bad, 'failure', 'bounced'],
          [ok, 'success', 'delivered'],
        ]);
        assert.deepEqual(await owed(T0 + 11, T0 + 5), [], 'claimed at T0 + 10: another sweeper does not take them');
        await store.queue.settleReports([bad, ok], 'success');
        assert.deepEqual(await owed(T0 + 20, T0 + 10), [[bad, 'failure', 'bounced']], 'settling a success leaves the failure owed');
        await store.queue.settleReports([bad], 'failure');
        await store.queue.settleReports([], 'failure');
        assert.deepEqual(await owed(T0 + 30, T0 + 30), []);

        // The delay mark owes a warning; a retry keeps it owed, a delivery without a report owed clears it.
        assert.deepEqual(
          (await store.queue.markDelayNotified([quiet, late], T0 + 40)).sort((a, b) => a - b),
          [quiet, late].sort((a, b) => a - b),
        );
        await claim(T0 + HOUR);
        await store.queue.recordAttempt({
          owner: 'A',
          at: T0 + HOUR,
          events: [],
          recipients: [update(quiet, 'deferred', T0 + HOUR), update(late, 'delivered', T0 + HOUR)],
        });
        assert.deepEqual(await owed(T0 + HOUR + 1, T0 + HOUR), [[quiet, 'delay', 'deferred']]);
        await store.queue.settleReports([quiet], 'delay');
        // Expiry owes a failure report when asked to.
        const [expired] = await store.queue.expire({ now: T0 + 3 * HOUR, createdBefore: T0, limit: 10, event: EXPIRY, reportOwed: true });
        assert.equal(expired!.id, quiet);
        assert.deepEqual(await owed(T0 + 3 * HOUR + 1, T0 + 3 * HOUR), [[quiet, 'failure', 'expired']]);
        const m2 = await enqueue(store, { recipients: ['x@x.test'] });
        await store.queue.expire({ now: T0 + 4 * HOUR, createdBefore: T0 + HOUR, limit: 10, event: EXPIRY });
        assert.equal((await store.messages.recipients(m2.message.id))[0]!.state, 'expired');
        assert.deepEqual(await owed(T0 + 5 * HOUR, T0 + 5 * HOUR), [[quiet, 'failure', 'expired']], 'an expiry without reportOwed owes nothing');
        await store.queue.settleReports([quiet], 'failure');
        // A transition (a late bounce) owes its report when it says so, written with it.
        const m3 = await enqueue(store, { queueId: 'QOWED3', recipients: ['late@x.test'] });
        const transition = lateBounce({ code: 550, enhanced: '5.1.1', text: 'gone', category: 'mailbox-unknown', hard: true }, true);
        await store.queue.transitionMessage({ queueId: 'QOWED3', now: T0 + 6 * HOUR, transition, event: { kind: 'bounced' } });
        assert.deepEqual(await owed(T0 + 7 * HOUR, T0 + 6 * HOUR), [[m3.recipients[0]!.id, 'failure', 'bounced']]);
      }),
    );
  });

  describe('delay warnings, counts and the next due time', () => {
    test(
      'delay warnings: still waiting (deferred, or queued and never tried), old enough, NOTIFY with DELAY or absent, not yet warned; marking is once',
      fresh(async (store) => {
        const m1 = await enqueue(store, { recipients: ['dflt@x.test'] });
        const m2 = await enqueue(store, { recipients: [{ address: 'delay@x.test', notify: ['FAILURE', 'DELAY'] }] });
        await enqueue(store, { recipients: [{ address: 'fail@x.test', notify: ['FAILURE'] }] });
        await enqueue(store, { recipients: [{ address: 'never@x.test', notify: ['NEVER'] }] });
        await enqueue(store, { createdAt: T0 + 50_000, recipients: ['young@x.test'] });
        const m3 = await enqueue(store, { recipients: ['queued@x.test'] });
        await enqueue(store, { recipients: ['sent@x.test'] });
        const claimed = (await store.queue.claimDue({ now: T0 + 60_000, limit: 10, owner: 'A', leaseUntil: T0 + 120_000 })).filter(
          (r) => r.address !== 'queued@x.test',
        );
        await store.queue.recordAttempt({
          owner: 'A',
          at: T0 + 60_000,
          events: [],
          recipients: claimed.map((r) => update(r.id, r.address === 'sent@x.test' ? 'delivered' : 'deferred', T0 + 60_000)),
        });
        await store.queue.releaseLeases('A');
        const due = await store.queue.dueForDelayWarning({ createdBefore: T0 + 10_000, limit: 10 });
        assert.deepEqual(due.map((r) => r.address).sort(), ['delay@x.test', 'dflt@x.test', 'queued@x.test']);
        assert.equal((await store.queue.dueForDelayWarning({ createdBefore: T0 + 10_000, limit: 1 })).length, 1);
        const first = await store.queue.markDelayNotified(
          due.map((r) => r.id),
          T0 + 70_000,
        );
        assert.deepEqual(
          first.sort((a, b) => a - b),
          [m1.recipients[0]!.id, m2.recipients[0]!.id, m3.recipients[0]!.id].sort((a, b) => a - b),
        );
        assert.deepEqual(
          await store.queue.markDelayNotified(
            due.map((r) => r.id),
            T0 + 71_000,
          ),
          [],
          'only once',
        );
        assert.deepEqual(await store.queue.markDelayNotified([], T0), []);
        assert.equal((await store.messages.recipients(m1.message.id))[0]!.delayNotifiedAt, T0 + 70_000);
        assert.deepEqual(await store.queue.dueForDelayWarning({ createdBefore: T0 + 10_000, limit: 10 }), []);
      }),
    );

    test(
      'counts by state with the live leases; the earliest due time among waiting recipients',
      fresh(async (store) => {
        assert.deepEqual(await store.queue.countsByState(T0), { byState: {}, leased: 0 });
        assert.equal(await store.queue.nextDueAt(), null, 'nothing waits');
        await enqueue(store, {
          recipients: [
            { address: 'a@x.test', nextAttemptAt: T0 + 30 },
            { address: 'b@x.test', nextAttemptAt: T0 + 20 },
            { address: 's@x.test', state: 'suppressed' },
            { address: 'c@x.test', nextAttemptAt: T0 + 10 },
          ],
        });
        const [c] = await store.queue.claimDue({ now: T0 + 10, limit: 1, owner: 'A', leaseUntil: T0 + 100 });
        await store.queue.recordAttempt({ owner: 'A', at: T0, events: [], recipients: [update(c!.id, 'delivered')] });
        await store.queue.claimDue({ now: T0 + 20, limit: 1, owner: 'A', leaseUntil: T0 + 100 });
        assert.deepEqual(await store.queue.countsByState(T0 + 50), { byState: { queued: 2, suppressed: 1, delivered: 1 }, leased: 1 });
        assert.deepEqual((await store.queue.countsByState(T0 + 100)).leased, 0, 'a lapsed lease is not counted');
        assert.equal(await store.queue.nextDueAt(), T0 + 20);
      }),
    );
  });
}
