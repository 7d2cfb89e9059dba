import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { PASSWORD, RawClient, USER, DOMAIN, startHarness, type Harness, type Reply } from './harness.js';

/** One connection from `from`: greeting, EHLO, AUTH PLAIN; the AUTH reply. */
async function authFrom(h: Harness, from: string, user: string, password: string): Promise<Reply | null> {
  const c = await RawClient.connect(h.starttlsPort, { localAddress: from });
  try {
    await c.read();
    return await c.login(user, password);
  } finally {
    c.destroy();
  }
}

test('AUTH failures per user: guesses from many addresses spend the budget, then 454 4.7.0 without a password check, except from a known address; other users are untouched; the window passes', async () => {
  let skew = 0;
  let checks = 0;
  const h = await startHarness({
    submission: { cleartext_auth: 'always' },
    limits: { max_auth_failures_per_user: 4, auth_user_window_ms: 60_000, known_address_days: 30 },
    deps: {
      now: () => Date.now() + skew,
      verifyPassword: (password, stored) => {
        checks++;
        return verifyPassword(password, stored);
      },
    },
  });
  const auth = (from: string, user: string, password: string) => authFrom(h, from, user, password);
  try {
    await h.store.users.add({ name: 'other', passwordHash: await hashPassword('other password'), senderDomains: [DOMAIN], createdAt: Date.now() });
    assert.equal((await auth('127.0.0.2', USER, PASSWORD))?.code, 235, "the app's host logs in: its address becomes known");
    assert.equal(checks, 1);

    // A success for the user sits in the verify cache; each guess still pays a full password check.
    for (const [i, from] of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'].entries()) {
      assert.equal((await auth(from, USER, `guess ${i}`))?.code, 535, `guess ${i} from ${from}`);
      assert.equal(checks, 2 + i, `guess ${i} ran the password check`);
    }

    const right = await auth('127.0.0.7', USER, PASSWORD);
    assert.match(right?.text ?? '', /^454 4\.7\.0 /, 'over the budget the right password from a new address is refused, temporarily');
    assert.equal((await auth('127.0.0.7', USER, 'guess 5'))?.code, 454);
    assert.equal(checks, 5, 'neither refusal checked a password (nor reached the verify cache)');
    const line = h.logs.find((l) => l.event === 'submission.refused' && l.reason === 'auth-user-budget');
    assert.ok(line, 'the refusal is logged');
    assert.equal(line.user, USER);
    assert.equal(line.client_ip, '127.0.0.7');
    assert.equal(line.code, 454);
    assert.equal(line.failures, 4);

    assert.equal((await auth('127.0.0.2', USER, PASSWORD))?.code, 235, 'the known address still authenticates');
    assert.equal((await auth('127.0.0.2', USER, 'stale password'))?.code, 535, 'a failure from the known address is checked, not refused');
    assert.equal((await auth('127.0.0.8', 'other', 'other password'))?.code, 235, 'another user from a new address is unaffected');

    // Names that do not exist spend a budget the same way: refusals tell nothing about which users exist.
    for (const from of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']) assert.equal((await auth(from, 'ghost', 'x'))?.code, 535);
    assert.equal((await auth('127.0.0.9', 'ghost', 'x'))?.code, 454);

    skew += 60_000;
    assert.equal((await auth('127.0.0.7', USER, PASSWORD))?.code, 235, 'the window passed: the new address authenticates');
  } finally {
    await h.close();
  }
});

test('AUTH failures per user: an address in trusted_networks is never refused for the budget, even before its first login', async () => {
  const h = await startHarness({
    submission: { cleartext_auth: 'always' },
    limits: { max_auth_failures_per_user: 2, trusted_networks: ['127.0.1.0/24'] },
  });
  try {
    assert.equal((await authFrom(h, '127.0.0.2', USER, 'guess 1'))?.code, 535);
    assert.equal((await authFrom(h, '127.0.0.3', USER, 'guess 2'))?.code, 535);
    assert.equal((await authFrom(h, '127.0.0.4', USER, PASSWORD))?.code, 454, 'the budget is spent');
    assert.equal((await authFrom(h, '127.0.1.9', USER, PASSWORD))?.code, 235, 'a new host of the fleet, in trusted_networks');
  } finally {
    await h.close();
  }
});

test('AUTH failures per user: a spray of distinct user names keeps the table bounded, evicting partial counts, never a user over the budget', async () => {
  const h = await startHarness({
    submission: { cleartext_auth: 'always' },
    limits: { max_auth_failures_per_user: 2, max_auth_failures: 1000, auth_failures_before_delay: 1000 },
    deps: { authUserNames: 20 },
  });
  try {
    assert.equal((await authFrom(h, '127.0.2.1', USER, 'guess 1'))?.code, 535);
    assert.equal((await authFrom(h, '127.0.2.2', USER, 'guess 2'))?.code, 535);
    assert.equal((await authFrom(h, '127.0.2.3', USER, PASSWORD))?.code, 454, 'the budget is spent');
    assert.equal((await authFrom(h, '127.0.2.1', 'early', 'x'))?.code, 535, 'one failure for a name under the budget');
    // 30 other names, one failure each, over one connection: more than the 20 names the table keeps.
    const c = await RawClient.connect(h.starttlsPort, { localAddress: '127.0.2.4' });
    await c.read();
    await c.command('EHLO client.test');
    for (let i = 0; i < 30; i++) {
      const r = await c.command(`AUTH PLAIN ${Buffer.from(`\0spray-${i}\0x`).toString('base64')}`);
      assert.equal(r?.code, 535, `spray ${i}`);
    }
    c.destroy();
    // Kept, 'early' would have one failure left before the budget; evicted, it has two.
    assert.equal((await authFrom(h, '127.0.2.5', 'early', 'x'))?.code, 535);
    assert.equal((await authFrom(h, '127.0.2.5', 'early', 'x'))?.code, 535, "'early' was evicted by the spray: its count started again");
    assert.equal((await authFrom(h, '127.0.2.5', 'early', 'x'))?.code, 454, 'and two failures spend the budget');
    assert.equal((await authFrom(h, '127.0.2.6', USER, PASSWORD))?.code, 454, 'the user over the budget was not flushed by the spray');
  } finally {
    await h.close();
  }
});
