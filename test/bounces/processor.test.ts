/**
 * Correlation and effects, on a real SQLite store. The parser is replaced by one that reads the parse
 * result from the stored mail itself (the mail body is the ParseResult as JSON), so these tests pin the
 * processor's own decisions; the real parser is exercised in listener-real.test.ts and the Postfix test.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InboundProcessor } from '../../src/bounces/processor.js';
import { ParserUnavailable, type ParsedRecipient, type ParseResult } from '../../src/bounces/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { verpAddress } from '../../src/verp/token.js';
import { BOUNCE_DOMAIN, enqueue, SECRET, setState, stateOf, tempStore, type TempStore } from './support.js';
import { suppressionList } from '../../src/suppression/list.js';

let t: TempStore;
let processor: InboundProcessor;
const DAY = 24 * 60 * 60_000;

/** A processor on the shared store whose parser reads the mail as a ParseResult; `over` replaces what a test needs. */
function processorWith(over: Partial<ConstructorParameters<typeof InboundProcessor>[0]> = {}): InboundProcessor {
  return new InboundProcessor({
    store: t.store,
    logger: silentLogger(),
    parse: async (raw) => JSON.parse(raw.toString('utf8')) as ParseResult,
    verpSecret: SECRET,
    correlationWindowMs: 7 * DAY,
    limits: { maxParts: 100, maxDepth: 10 },
    ...over,
  });
}

before(() => {
  t = tempStore();
  processor = processorWith({
    parse: async (raw) => {
      const text = raw.toString('utf8');
      if (text === 'THROW') throw new Error('boom');
      return JSON.parse(text) as ParseResult;
    },
    explain: (p) => (p.status ? `explained ${p.status}` : null),
  });
});
after(() => t.cleanup());

function result(over: Partial<ParseResult>): ParseResult {
  return {
    kind: 'bounce',
    format: 'rfc3464',
    recipients: [],
    original_message_id: null,
    envelope_id: null,
    reporting_mta: 'dns; mx.remote.test',
    feedback_type: null,
    ...over,
  };
}

function rcpt(address: string | null, over: Partial<ParsedRecipient> = {}): ParsedRecipient {
  return {
    address,
    action: 'failed',
    status: '5.1.1',
    diagnostic: 'smtp; 550 5.1.1 user unknown',
    category: 'mailbox-unknown',
    hard: true,
    reply_code: 550,
    remote_mta: 'dns; mx.remote.test',
    ...over,
  };
}

async function deliver(r: ParseResult, rcptTo = ['postmaster@' + BOUNCE_DOMAIN]): Promise<number> {
  const row = await t.store.inbound.receive({ receivedAt: Date.now(), mailFrom: '', rcptTo, clientIp: '127.0.2.200', raw: Buffer.from(JSON.stringify(r)) });
  await processor.process(row.id);
  return row.id;
}

async function eventsOf(messageId: number, recipientId: number) {
  return (await t.store.events.forMessage(messageId)).filter((e) => e.recipientId === recipientId && e.phase === 'inbound');
}

test('a VERP bounce turns the delivered recipient bounced, records the rule and suppresses the hard-bounced address', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: ['alice@remote.test', 'bob@remote.test'] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  const id = await deliver(result({ recipients: [rcpt('alice@remote.test')] }), [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: a.id })]);

  assert.equal(stateOf(t.store, a.id), 'bounced');
  assert.equal(stateOf(t.store, b.id), 'delivered', 'the other recipient is untouched');
  const [ev] = await eventsOf(message.id, a.id);
  assert.equal(ev.kind, 'bounced');
  assert.equal(ev.enhanced, '5.1.1');
  assert.equal(ev.code, 550);
  assert.equal(ev.text, 'smtp; 550 5.1.1 user unknown');
  assert.equal(ev.detail?.source, 'async');
  assert.equal(ev.detail?.match_rule, 'verp');
  assert.equal(ev.detail?.inbound_id, id);
  assert.equal(ev.detail?.reporting_mta, 'dns; mx.remote.test');
  assert.equal(ev.detail?.explanation, 'explained 5.1.1');
  const r = await t.store.inbound.recipientById(a.id);
  assert.equal(r?.lastEnhanced, '5.1.1');
  assert.equal(r?.category, 'mailbox-unknown');
  assert.equal(r?.hard, true);

  const row = await t.store.inbound.get(id);
  assert.equal(row?.matchRule, 'verp');
  assert.equal(row?.matchedMessageRowId, message.id);
  assert.equal(row?.matchedRecipientId, a.id);
  assert.equal(row?.kind, 'bounce');
  assert.ok(row?.processedAt);

  const s = await suppressionList(t.store).get('ALICE@remote.test');
  assert.equal(s?.source, 'hard-bounce');
  assert.equal(s?.eventId, ev.id);
  // The reply as one line with its codes once (not "5.1.1: smtp; 550 5.1.1 …").
  assert.equal(s!.reason, 'hard bounce: 550 5.1.1 user unknown');
  assert.equal(await suppressionList(t.store).has('bob@remote.test'), false);
});

test('Original-Envelope-Id matches our queue id; the recipient is found by address in any case', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: ['carol@remote.test', 'dave@remote.test'] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  const id = await deliver(
    result({ envelope_id: message.queueId, recipients: [rcpt('DAVE@Remote.Test', { hard: false, status: '5.7.1', category: 'policy' })] }),
  );
  assert.equal((await t.store.inbound.get(id))?.matchRule, 'envid');
  assert.equal(stateOf(t.store, b.id), 'bounced');
  assert.equal(stateOf(t.store, a.id), 'delivered');
  assert.equal(await suppressionList(t.store).has('dave@remote.test'), false, 'a soft bounce never suppresses');
});

test('the original Message-ID matches, preferring the resent message that has the reported recipient', async () => {
  const older = await enqueue(t.store, { recipients: ['erin@remote.test'], messageId: 'same-id@app.test', createdAt: Date.now() - 1000 });
  const newer = await enqueue(t.store, { recipients: ['frank@remote.test'], messageId: 'same-id@app.test' });
  setState(t.store, older.recipients[0].id, 'delivered');
  setState(t.store, newer.recipients[0].id, 'delivered');
  const id = await deliver(result({ original_message_id: '<same-id@app.test>', recipients: [rcpt('erin@remote.test')] }));
  const row = await t.store.inbound.get(id);
  assert.equal(row?.matchRule, 'message-id');
  assert.equal(row?.matchedMessageRowId, older.message.id);
  assert.equal(stateOf(t.store, older.recipients[0].id), 'bounced');
  assert.equal(stateOf(t.store, newer.recipients[0].id), 'delivered');
});

test('by recipient address: the most recent message within the window; older ones are not guessed at', async () => {
  const old = await enqueue(t.store, { recipients: ['gina@remote.test'], createdAt: Date.now() - 60_000 });
  const recent = await enqueue(t.store, { recipients: ['gina@remote.test'] });
  setState(t.store, old.recipients[0].id, 'delivered');
  setState(t.store, recent.recipients[0].id, 'delivered');
  const id = await deliver(result({ format: 'non-standard', recipients: [rcpt('gina@remote.test', { action: null })] }));
  const row = await t.store.inbound.get(id);
  assert.equal(row?.matchRule, 'recipient-window');
  assert.equal(row?.matchedMessageRowId, recent.message.id);
  assert.equal(stateOf(t.store, recent.recipients[0].id), 'bounced');
  assert.equal(stateOf(t.store, old.recipients[0].id), 'delivered');

  const ancient = await enqueue(t.store, { recipients: ['hank@remote.test'], createdAt: Date.now() - 8 * DAY });
  setState(t.store, ancient.recipients[0].id, 'delivered');
  const late = await deliver(result({ recipients: [rcpt('hank@remote.test')] }));
  assert.equal((await t.store.inbound.get(late))?.matchedMessageRowId, null);
  assert.equal(stateOf(t.store, ancient.recipients[0].id), 'delivered');
});

test('a bounce for a queued or deferred recipient stops its retries', async () => {
  const {
    message,
    recipients: [q, d],
  } = await enqueue(t.store, { recipients: ['ivy@remote.test', 'jack@remote.test'] });
  setState(t.store, d.id, 'deferred');
  await deliver(
    result({
      envelope_id: message.queueId,
      recipients: [rcpt('ivy@remote.test'), rcpt('jack@remote.test', { hard: false, status: '5.2.2', category: 'mailbox-full' })],
    }),
  );
  for (const r of [q, d]) {
    const now = await t.store.inbound.recipientById(r.id);
    assert.equal(now?.state, 'bounced');
    assert.equal(now?.nextAttemptAt, null);
  }
  assert.equal(await suppressionList(t.store).has('ivy@remote.test'), true);
  assert.equal(await suppressionList(t.store).has('jack@remote.test'), false);
});

test('delays, auto-replies and delivery reports add events without changing the state', async () => {
  const {
    message,
    recipients: [a],
  } = await enqueue(t.store, { recipients: ['kim@remote.test'] });
  setState(t.store, a.id, 'delivered');
  const verp = [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: a.id })];
  await deliver(
    result({ kind: 'delay', recipients: [rcpt('kim@remote.test', { action: 'delayed', status: '4.4.7', hard: false, category: 'expired' })] }),
    verp,
  );
  await deliver(result({ kind: 'auto-reply', format: null, recipients: [] }), verp);
  await deliver(
    result({ kind: 'delivery-report', recipients: [rcpt('kim@remote.test', { action: 'relayed', status: '2.0.0', hard: null, category: 'accepted' })] }),
    verp,
  );
  assert.equal(stateOf(t.store, a.id), 'delivered');
  assert.deepEqual(
    (await eventsOf(message.id, a.id)).map((e) => e.kind),
    ['delayed', 'auto-replied', 'reported'],
  );
  assert.equal(await suppressionList(t.store).has('kim@remote.test'), false);
});

test('a complaint is recorded and suppresses the address; the state stays delivered', async () => {
  const {
    message,
    recipients: [a],
  } = await enqueue(t.store, { recipients: ['lee@remote.test'] });
  setState(t.store, a.id, 'delivered');
  await deliver(
    result({
      kind: 'complaint',
      format: 'arf',
      feedback_type: 'abuse',
      original_message_id: `<${message.messageId}>`,
      recipients: [rcpt('lee@remote.test', { action: null, status: null, hard: null, category: null, diagnostic: null, reply_code: null })],
    }),
  );
  assert.equal(stateOf(t.store, a.id), 'delivered');
  const [ev] = await eventsOf(message.id, a.id);
  assert.equal(ev.kind, 'complained');
  assert.equal(ev.detail?.feedback_type, 'abuse');
  const s = await suppressionList(t.store).get('lee@remote.test');
  assert.equal(s?.source, 'complaint');
  assert.equal(s?.eventId, ev.id);
});

test("feedback reports that are no one's complaint (a DMARC failure report, a not-spam report) neither suppress nor count as complaints", async () => {
  for (const feedback_type of ['auth-failure', 'not-spam']) {
    const address = `${feedback_type}@remote.test`;
    const {
      message,
      recipients: [a],
    } = await enqueue(t.store, { recipients: [address] });
    setState(t.store, a.id, 'delivered');
    await deliver(
      result({
        kind: 'complaint',
        format: 'arf',
        feedback_type,
        original_message_id: `<${message.messageId}>`,
        recipients: [rcpt(address, { action: null, status: null, hard: null, category: null, diagnostic: null, reply_code: null })],
      }),
    );
    assert.equal(stateOf(t.store, a.id), 'delivered', feedback_type);
    assert.deepEqual(
      (await eventsOf(message.id, a.id)).map((e) => e.kind),
      [],
      feedback_type,
    );
    assert.equal(await suppressionList(t.store).has(address), false, feedback_type);
  }
});

test('a mixed report: each recipient gets what its Action says', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: ['mia@remote.test', 'ned@remote.test'] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  await deliver(
    result({
      envelope_id: message.queueId,
      recipients: [rcpt('ned@remote.test', { action: 'delayed', status: '4.2.2', hard: false }), rcpt('mia@remote.test')],
    }),
  );
  assert.equal(stateOf(t.store, a.id), 'bounced');
  assert.equal(stateOf(t.store, b.id), 'delivered');
  assert.deepEqual(
    (await eventsOf(message.id, b.id)).map((e) => e.kind),
    ['delayed'],
  );
});

test('final states: a second bounce only adds an event; suppressed and cancelled stay what they are', async () => {
  const {
    message,
    recipients: [a, s, c],
  } = await enqueue(t.store, { recipients: ['olga@remote.test', 'pat@remote.test', 'quin@remote.test'] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, s.id, 'suppressed');
  setState(t.store, c.id, 'cancelled');
  const report = result({
    envelope_id: message.queueId,
    recipients: ['olga', 'pat', 'quin'].map((n) => rcpt(`${n}@remote.test`, { hard: false, status: '5.0.0' })),
  });
  await deliver(report);
  await deliver({ ...report, reporting_mta: 'dns; mx2.remote.test' }); // another report, not a copy of the first
  assert.equal(stateOf(t.store, a.id), 'bounced');
  assert.equal(stateOf(t.store, s.id), 'suppressed');
  assert.equal(stateOf(t.store, c.id), 'cancelled');
  assert.equal((await eventsOf(message.id, a.id)).length, 2, 'the second report is recorded too');
});

test('a second copy of the same mail (the sender missed our 250) is kept, linked to the first, and applies nothing twice', async () => {
  const {
    message,
    recipients: [a, b],
  } = await enqueue(t.store, { recipients: ['rex@remote.test', 'sol@remote.test'] });
  setState(t.store, a.id, 'delivered');
  setState(t.store, b.id, 'delivered');
  const verp = [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: a.id })];
  const report = result({ recipients: [rcpt('rex@remote.test')] });
  const first = await deliver(report, verp);
  const firstSuppression = await suppressionList(t.store).get('rex@remote.test');
  const copy = await deliver(report, verp);
  const events = await eventsOf(message.id, a.id);
  assert.deepEqual(
    events.map((e) => [e.kind, e.detail?.inbound_id]),
    [['bounced', first]],
    'one event, from the first copy',
  );
  const row = await t.store.inbound.get(copy);
  assert.equal(row?.parse?.duplicate_of, first);
  assert.equal(row?.matchedMessageRowId, message.id, 'matched like the first, so the trace lists it');
  assert.ok(row?.processedAt);
  assert.deepEqual(await suppressionList(t.store).get('rex@remote.test'), firstSuppression);
  // The same bytes to another address are another mail (as is another report to the same address).
  const other = await deliver(report, [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: b.id })]);
  assert.equal((await t.store.inbound.get(other))?.parse?.duplicate_of, undefined);
  assert.equal(stateOf(t.store, b.id), 'delivered', "rex's report names no address of sol's: it only reaches sol's token");
});

test("a late bounce owes the sender its failure report from the bounce's own write: settled once queued, left owed for the sweep when the notifier fails", async () => {
  const {
    message,
    recipients: [a, b, n],
  } = await enqueue(t.store, { recipients: ['uma@remote.test', 'vic@remote.test', 'nev@remote.test'] });
  for (const r of [a, b, n]) setState(t.store, r.id, 'delivered');
  t.store.db.prepare("UPDATE recipients SET notify = 'NEVER' WHERE id = ?").run(n.id);
  const told: string[] = [];
  let fail = true;
  const withNotifier = processorWith({
    notifier: {
      finalFailure: async (_m, rs) => {
        if (fail) throw new Error('database is locked');
        told.push(...rs.map((r) => r.address));
      },
      delayWarning: async () => {},
    },
  });
  const bounce = async (r: { id: number }, address: string) => {
    const row = await t.store.inbound.receive({
      receivedAt: Date.now(),
      mailFrom: '',
      rcptTo: [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: r.id })],
      clientIp: '127.0.2.200',
      raw: Buffer.from(JSON.stringify(result({ recipients: [rcpt(address)] }))),
    });
    await withNotifier.process(row.id);
  };
  const owed = async () =>
    (await t.store.queue.claimOwedReports({ now: Date.now() + DAY, staleBefore: Date.now() + DAY, limit: 100 }))
      .filter((o) => o.recipient.messageRowId === message.id)
      .map((o) => [o.recipient.address, o.kind]);
  await bounce(a, 'uma@remote.test');
  assert.equal(stateOf(t.store, a.id), 'bounced');
  assert.deepEqual(await owed(), [['uma@remote.test', 'failure']], 'the notifier failed: still owed');
  fail = false;
  await bounce(b, 'vic@remote.test');
  await bounce(n, 'nev@remote.test');
  assert.deepEqual(told, ['vic@remote.test', 'nev@remote.test'], 'the notifier hears of both (it applies NOTIFY itself)');
  assert.deepEqual(await owed(), [['uma@remote.test', 'failure']], "vic's was queued and settled; NOTIFY=NEVER owed nothing");
});

test('a parser that could not run leaves the mail unprocessed for the next start (not kept as unparsable)', async () => {
  const unavailable = processorWith({
    parse: async () => {
      throw new ParserUnavailable('the parse thread could not start: Cannot find module parse-worker.js');
    },
  });
  const row = await t.store.inbound.receive({
    receivedAt: Date.now(),
    mailFrom: '',
    rcptTo: ['postmaster@' + BOUNCE_DOMAIN],
    clientIp: null,
    raw: Buffer.from(JSON.stringify(result({ kind: 'not-a-bounce' }))),
  });
  await assert.rejects(unavailable.process(row.id), { name: 'ParserUnavailable' });
  assert.equal((await t.store.inbound.get(row.id))?.processedAt, null);
  assert.ok((await t.store.inbound.unprocessed(1000)).includes(row.id), 'recovered at the next start');
  await processor.process(row.id); // the next start: a parser that runs
  assert.ok((await t.store.inbound.get(row.id))?.processedAt);
});

test('unmatched mail and mail that fails to parse are kept, listed, and processed only once', async () => {
  const unmatched = await deliver(result({ recipients: [rcpt('nobody@nowhere.test')] }));
  const junk = await t.store.inbound.receive({
    receivedAt: Date.now(),
    mailFrom: '',
    rcptTo: ['abuse@bounces.test'],
    clientIp: null,
    raw: Buffer.from('THROW'),
  });
  const first = await processor.process(junk.id);
  assert.equal(first?.kind, null);
  assert.equal(await processor.process(junk.id), null, 'a processed row is not processed again');
  const listed = await t.store.inbound.listUnmatched({ limit: 100 });
  const ids = listed.map((r) => r.id);
  assert.ok(ids.includes(unmatched) && ids.includes(junk.id));
  const junkRow = listed.find((r) => r.id === junk.id)!;
  assert.match(String(junkRow.parse?.error), /parser failed: boom/);
  assert.equal(junkRow.kind, null);
  assert.equal((await t.store.inbound.raw(junk.id))?.toString(), 'THROW', 'the raw mail is kept as received');
});

test("a report to one recipient's VERP address that names another recipient of the message changes neither (a token is about its own recipient)", async () => {
  const {
    message,
    recipients: [alice, bob],
  } = await enqueue(t.store, { recipients: ['alice@verp-pin.test', 'bob@verp-pin.test'] });
  setState(t.store, alice.id, 'delivered');
  setState(t.store, bob.id, 'delivered');
  await deliver(result({ recipients: [rcpt('bob@verp-pin.test')] }), [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: alice.id })]);
  assert.equal(stateOf(t.store, bob.id), 'delivered');
  assert.equal(stateOf(t.store, alice.id), 'delivered');
  assert.equal(await suppressionList(t.store).has('bob@verp-pin.test'), false);
  assert.deepEqual(await eventsOf(message.id, bob.id), []);
  // A forwarded address (one the message was not sent to) still stands for the token's own recipient.
  await deliver(result({ recipients: [rcpt('alice.forwarded@elsewhere.test')] }), [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: alice.id })]);
  assert.equal(stateOf(t.store, alice.id), 'bounced');
});

test('mail sent with VERP: a report matched only by an unsigned rule is kept as evidence (reported, unverified) and acts on nothing', async () => {
  const signed = new InboundProcessor({
    store: t.store,
    logger: silentLogger(),
    parse: async (raw) => JSON.parse(raw.toString('utf8')) as ParseResult,
    verpSecret: SECRET,
    correlationWindowMs: 7 * DAY,
    limits: { maxParts: 100, maxDepth: 10 },
    sentWithVerp: () => true,
  });
  const receive = async (r: ParseResult) => {
    const row = await t.store.inbound.receive({
      receivedAt: Date.now(),
      mailFrom: 'attacker@evil.test',
      rcptTo: ['postmaster@' + BOUNCE_DOMAIN],
      clientIp: '127.0.2.201',
      raw: Buffer.from(JSON.stringify(r)),
    });
    await signed.process(row.id);
  };
  const {
    message,
    recipients: [grace, heidi, ivan],
  } = await enqueue(t.store, { recipients: ['grace@signed.test', 'heidi@signed.test', 'ivan@signed.test'] });
  for (const r of [grace, heidi, ivan]) setState(t.store, r.id, 'delivered');

  await receive(result({ envelope_id: message.queueId, recipients: [rcpt('grace@signed.test')] }));
  await receive(result({ original_message_id: `<${message.messageId}>`, recipients: [rcpt('heidi@signed.test')] }));
  await receive(result({ recipients: [rcpt('ivan@signed.test')] }));
  for (const r of [grace, heidi, ivan]) {
    assert.equal(stateOf(t.store, r.id), 'delivered', r.address);
    assert.equal(await suppressionList(t.store).has(r.address), false, r.address);
    const [ev] = await eventsOf(message.id, r.id);
    assert.deepEqual([ev?.kind, ev?.detail?.unverified, ev?.detail?.reported_as], ['reported', true, 'bounced'], r.address);
  }

  // A complaint naming the message (a feedback loop's report carries it) is taken; one naming only an address is not.
  const complaint = (address: string, messageId: string | null) =>
    result({
      kind: 'complaint',
      format: 'arf',
      feedback_type: 'abuse',
      original_message_id: messageId,
      recipients: [rcpt(address, { action: null, status: null, hard: null, category: null, diagnostic: null, reply_code: null })],
    });
  await receive(complaint('grace@signed.test', `<${message.messageId}>`));
  assert.equal((await suppressionList(t.store).get('grace@signed.test'))?.source, 'complaint');
  await receive(complaint('heidi@signed.test', null));
  assert.equal(await suppressionList(t.store).has('heidi@signed.test'), false);

  // A feedback report sent to a role address that returns the original, whose Return-Path is the token, is
  // signed too: taken as the token's recipient's, and only theirs.
  await receive({
    ...complaint('someone-redacted@signed.test', null),
    returned: `Return-Path: <${verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: heidi.id })}>`,
  } as ParseResult);
  const heidiComplaint = (await eventsOf(message.id, heidi.id)).find((e) => e.kind === 'complained');
  assert.equal(heidiComplaint?.detail?.match_rule, 'verp');
  assert.equal((await suppressionList(t.store).get('heidi@signed.test'))?.source, 'complaint');

  // Its VERP address is what counts.
  await signed.process(
    (
      await t.store.inbound.receive({
        receivedAt: Date.now(),
        mailFrom: '',
        rcptTo: [verpAddress(SECRET, BOUNCE_DOMAIN, { recipientId: ivan.id })],
        clientIp: '127.0.2.202',
        raw: Buffer.from(JSON.stringify(result({ recipients: [rcpt('ivan@signed.test')] }))),
      })
    ).id,
  );
  assert.equal(stateOf(t.store, ivan.id), 'bounced');
  assert.equal((await suppressionList(t.store).get('ivan@signed.test'))?.source, 'hard-bounce');
});

test('recovery after a crash works off a backlog larger than one batch', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const row = await t.store.inbound.receive({
      receivedAt: Date.now(),
      mailFrom: '',
      rcptTo: ['postmaster@' + BOUNCE_DOMAIN],
      clientIp: null,
      raw: Buffer.from(JSON.stringify(result({ recipients: [rcpt(`backlog${i}@nowhere.test`)] }))),
    });
    ids.push(row.id);
  }
  assert.equal(await processor.recover(2), 2, 'the first batch');
  await processor.idle();
  for (const id of ids) assert.ok((await t.store.inbound.get(id))?.processedAt, `row ${id} processed`);
});
