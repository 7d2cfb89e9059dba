import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserAuthBudget } from '../../src/submission/user-budget.js';

const policy = { max: 3, windowMs: 1000, knownMs: 10_000 };

/** One finished AUTH: admitted or not, and what the password check said. */
function guess(b: UserAuthBudget, user: string, ip: string, now: number, ok = false): 'refused' | number | 'ok' {
  const a = b.admit(user, ok ? 'right' : `guess at ${now}`, ip, false, now);
  if (!a) return 'refused';
  if (ok) {
    a.succeeded(now);
    return 'ok';
  }
  return a.failed(now);
}

test('failures from many addresses spend one budget per user; then only known addresses are admitted, until the window passes', () => {
  const b = new UserAuthBudget(policy);
  assert.equal(guess(b, 'app', '10.0.0.1', 0, true), 'ok', 'the app logs in from its host');
  assert.deepEqual(
    ['10.9.0.1', '10.9.0.2', '10.9.0.3'].map((ip, i) => guess(b, 'app', ip, 10 + i)),
    [1, 2, 3],
  );
  assert.equal(guess(b, 'app', '10.9.0.4', 20), 'refused', 'a fourth address is refused');
  assert.equal(guess(b, 'app', '10.9.0.4', 20, true), 'refused', 'even with what would be the right password');
  assert.equal(guess(b, 'App', '10.9.0.4', 20), 1, 'another name (the store compares case) has its own budget');
  assert.equal(guess(b, 'app', '10.0.0.1', 20, true), 'ok', 'the known host still gets its password checked');
  assert.equal(guess(b, 'app', '10.0.0.1', 20), 3, "the known host's failure is not counted");
  assert.equal(b.admit('app', 'x', '10.9.0.5', true, 20)?.known, true, 'a trusted network is admitted like a known address');
  assert.equal(guess(b, 'app', '10.9.0.4', 1012), 1, 'the window passed: admitted and counted afresh');
});

test('parallel checks reserve the budget: a wave of guesses cannot run more password checks than it holds', () => {
  const b = new UserAuthBudget(policy);
  const admitted = Array.from({ length: 10 }, (_, i) => b.admit('app', `guess ${i}`, `10.9.1.${i}`, false, 0)).filter((a) => a !== null);
  assert.equal(admitted.length, 3, 'three checks in flight at most');
  admitted[0]!.abandoned(); // the store threw: nothing counted, the reservation released
  assert.ok(b.admit('app', 'guess 99', '10.9.1.99', false, 1) !== null, 'the released reservation is usable');
  admitted[1]!.failed(2);
  admitted[1]!.failed(2); // reported twice: counted once
  assert.equal(b.failures('app', 3), 1);
});

test("a burst of logins with one password holds one place: a new host's 50 workers are not refused for each other", () => {
  const b = new UserAuthBudget(policy);
  guess(b, 'app', '10.9.0.1', 0);
  guess(b, 'app', '10.9.0.2', 0); // one failure left in the budget
  const burst = Array.from({ length: 50 }, (_, i) => b.admit('app', 'the password', `10.0.5.${i}`, false, 1));
  assert.ok(
    burst.every((a) => a !== null),
    'all 50 admitted',
  );
  assert.equal(b.admit('app', 'another guess', '10.9.0.3', false, 1), null, 'a different password finds the last place taken');
  for (const a of burst) a!.succeeded(2);
  assert.ok(b.admit('app', 'another guess', '10.9.0.3', false, 3) !== null, 'places are free again once the burst reported');
});

test('unknown user names are counted too, and a spray of distinct names stays bounded without flushing a user over the budget', () => {
  const b = new UserAuthBudget({ max: 3, windowMs: 60_000, knownMs: 0 });
  for (let i = 0; i < 3; i++) guess(b, 'victim', `10.9.2.${i}`, i);
  assert.equal(guess(b, 'victim', '10.9.2.9', 5), 'refused');
  for (let i = 0; i < 30_000; i++) guess(b, `nobody-${i}`, '10.9.3.1', 10);
  assert.ok(b.trackedUsers <= 11_000, `bounded: ${b.trackedUsers} names tracked`);
  assert.equal(b.failures('nobody-0', 10), 0, 'the least recently failed names were evicted');
  assert.equal(b.failures('nobody-29999', 10), 1);
  assert.equal(guess(b, 'victim', '10.9.2.9', 20), 'refused', 'the user over the budget was not flushed out');
  assert.equal(guess(b, 'x'.repeat(5000), '10.9.3.1', 20), 1, 'a name as long as the AUTH line is kept as a hash');
  assert.equal(b.failures('x'.repeat(5000), 20), 1);
  assert.equal(b.failures('x'.repeat(4999), 20), 0);
});

test('known addresses last knownMs; 0 knows none; a budget of 0 is off', () => {
  const b = new UserAuthBudget({ max: 1, windowMs: 100_000, knownMs: 1000 });
  guess(b, 'app', '10.0.0.1', 0, true);
  guess(b, 'app', '10.9.0.1', 0);
  assert.equal(b.admit('app', 'right', '10.0.0.1', false, 999)?.known, true);
  assert.equal(b.admit('app', 'right', '10.0.0.1', false, 1000), null, 'a success 1000 ms ago no longer vouches for the address');
  const never = new UserAuthBudget({ max: 1, windowMs: 100_000, knownMs: 0 });
  guess(never, 'app', '10.0.0.1', 0, true);
  guess(never, 'app', '10.9.0.1', 0);
  assert.equal(never.admit('app', 'right', '10.0.0.1', false, 1), null);
  const off = new UserAuthBudget({ max: 0, windowMs: 100_000, knownMs: 0 });
  for (let i = 0; i < 50; i++) guess(off, 'app', '10.9.0.1', i);
  assert.ok(off.admit('app', 'x', '10.9.0.2', false, 60) !== null, 'never refused');
  assert.equal(off.failures('app', 60), 0, 'nor counted');
});

test('an IPv6 address is known by its prefix: another address of the same /64 is known too', () => {
  const b = new UserAuthBudget({ max: 1, windowMs: 60_000, knownMs: 86_400_000, ipv6Prefix: 64 });
  b.admit('app', 'right', '2001:db8:1:2::10', false, 0)?.succeeded(0);
  b.admit('app', 'wrong', '10.9.0.9', false, 1)?.failed(1);
  assert.ok(b.admit('app', 'right', '2001:db8:1:2:aaaa::1', false, 2)?.known, 'same /64: known');
  assert.equal(b.admit('app', 'right', '2001:db8:1:3::10', false, 3), null, 'another /64: not known, budget spent');
});
