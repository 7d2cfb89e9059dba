import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { DOMAIN, PASSWORD, RawClient, USER, loggedIn, message, send, startHarness, storedMessages, type Harness } from './harness.js';

const tlsOpts = { rejectUnauthorized: false };

describe('submission over TLS with nodemailer', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('a user authenticated after STARTTLS gets "250 2.0.0 Ok: queued as <id>" and the message is stored', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.starttlsPort,
      secure: false,
      requireTLS: true,
      auth: { user: USER, pass: PASSWORD },
      tls: tlsOpts,
    });
    const info = await t.sendMail({ from: `app@${DOMAIN}`, to: 'someone@dest.test', subject: 'hi', text: 'body', messageId: '<starttls-1@example.com>' });
    t.close();
    const m = /^250 2\.0\.0 Ok: queued as ([0-9A-Z]{16})$/.exec(info.response);
    assert.ok(m, `unexpected reply ${info.response}`);
    const stored = await h.store.messages.getByQueueId(m[1]);
    assert.ok(stored);
    assert.equal(stored.messageId, 'starttls-1@example.com');
    assert.equal(stored.username, USER);
    assert.equal(stored.mailFrom, `app@${DOMAIN}`);
    assert.match(stored.tls?.protocol ?? '', /^TLSv1\.[23]$/);
    const rcpts = await h.store.messages.recipients(stored.id);
    assert.deepEqual(
      rcpts.map((r) => [r.address, r.domain, r.state]),
      [['someone@dest.test', 'dest.test', 'queued']],
    );
    const line = h.logs.find((l) => l.event === 'message.received' && l.queue_id === m[1]);
    assert.ok(line, 'message.received log line');
    assert.equal(line.user, USER);
    assert.equal(line.recipients, 1);
    assert.equal(line.client_ip, '127.0.0.1');
    assert.equal(line.message_id, 'starttls-1@example.com');
    assert.equal(line.size, stored.size);
  });

  test('implicit TLS (port 465 style) accepts AUTH LOGIN', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.implicitPort,
      secure: true,
      auth: { user: USER, pass: PASSWORD, method: 'LOGIN' },
      tls: tlsOpts,
    });
    const info = await t.sendMail({ from: `app@${DOMAIN}`, to: 'x@dest.test', subject: 'hi', text: 'body' });
    t.close();
    assert.match(info.response, /^250 2\.0\.0 Ok: queued as [0-9A-Z]{16}$/);
  });

  test('a wrong password is refused with 535 5.7.8 and logged as auth-failure', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.implicitPort,
      secure: true,
      auth: { user: USER, pass: 'wrong password!' },
      tls: tlsOpts,
    });
    await assert.rejects(t.sendMail({ from: `app@${DOMAIN}`, to: 'x@dest.test', text: 'x' }), (err: Error & { responseCode?: number; response?: string }) => {
      assert.equal(err.responseCode, 535);
      assert.match(err.response ?? '', /^535 5\.7\.8 /);
      return true;
    });
    t.close();
    assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.reason === 'auth-failure' && l.text === 'Authentication credentials invalid'));
  });

  test('AUTH PLAIN with an authorization identity other than the user (acting as someone else) is refused', async () => {
    const c = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await c.read();
    await c.command('EHLO client.test');
    const asOther = await c.command('AUTH PLAIN ' + Buffer.from(`boss\0${USER}\0${PASSWORD}`).toString('base64'));
    assert.equal(asOther?.code, 535);
    const same = await c.command('AUTH PLAIN ' + Buffer.from(`${USER}\0${USER}\0${PASSWORD}`).toString('base64'));
    assert.equal(same?.code, 235);
    c.destroy();
  });

  test('an unknown user is refused like a wrong password', async () => {
    const c = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await c.read();
    const r = await c.login('nobody', PASSWORD);
    assert.equal(r?.code, 535);
    c.destroy();
  });

  test("MAIL FROM outside the user's sender domains is refused with 553 5.7.1", async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.implicitPort, secure: true, auth: { user: USER, pass: PASSWORD }, tls: tlsOpts });
    await assert.rejects(t.sendMail({ from: 'ceo@other.test', to: 'x@dest.test', text: 'x' }), (err: Error & { response?: string }) => {
      assert.match(err.response ?? '', /^553 5\.7\.1 /);
      return true;
    });
    t.close();
    assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.reason === 'sender-not-allowed'));
  });
});

describe('never an open relay', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ submission: { cleartext_auth: 'never' } });
  });
  after(() => h.close());

  test('without AUTH, MAIL FROM is refused with 530 5.7.0 (cleartext and TLS alike)', async () => {
    for (const implicitTls of [false, true]) {
      const c = await RawClient.connect(implicitTls ? h.implicitPort : h.starttlsPort, { implicitTls });
      await c.read();
      await c.command('EHLO client.test');
      const mail = await c.command(`MAIL FROM:<app@${DOMAIN}>`);
      assert.equal(mail?.code, 530, mail?.text);
      assert.match(mail!.text, /^530 5\.7\.0 /);
      const rcpt = await c.command('RCPT TO:<victim@dest.test>');
      assert.ok(rcpt && rcpt.code >= 500, `RCPT must be refused, got ${rcpt?.text}`);
      c.destroy();
    }
    assert.equal(await h.store.messages.count(), 0);
    // Each attempt is logged (and counted for /metrics), where AUTH is offered (implicit TLS) as where it is not.
    assert.equal(h.logs.filter((l) => l.event === 'submission.refused' && l.reason === 'relay-attempt' && l.command === 'MAIL').length, 2);
  });

  test('AUTH in cleartext is neither offered nor accepted when cleartext_auth is never: 538 5.7.11', async () => {
    const c = await RawClient.connect(h.starttlsPort);
    await c.read();
    const ehlo = await c.command('EHLO client.test');
    assert.ok(!ehlo!.lines.some((l) => /AUTH/.test(l)), ehlo!.text);
    assert.ok(ehlo!.lines.some((l) => /STARTTLS/.test(l)));
    const r = await c.command('AUTH PLAIN ' + Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'));
    assert.match(r!.text, /^538 5\.7\.11 /);
    // After STARTTLS the same client may authenticate.
    await c.startTls();
    const ehlo2 = await c.command('EHLO client.test');
    assert.ok(
      ehlo2!.lines.some((l) => /AUTH PLAIN LOGIN|AUTH LOGIN PLAIN/.test(l)),
      ehlo2!.text,
    );
    const auth = await c.command('AUTH PLAIN ' + Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'));
    assert.equal(auth?.code, 235);
    const r2 = await send(c, message('after-starttls@example.com'));
    assert.match(r2!.text, /^250 2\.0\.0 Ok: queued as /);
    c.destroy();
    const [m] = await storedMessages(h.store);
    assert.equal(m.message.messageId, 'after-starttls@example.com');
    assert.match(m.raw.toString('latin1'), /with ESMTPSA id /);
  });
});

describe('cleartext AUTH for loopback clients', () => {
  test('cleartext_auth loopback lets 127.0.0.1 authenticate without TLS', async () => {
    const h = await startHarness({ submission: { cleartext_auth: 'loopback', implicit_tls: { enabled: false, port: 0 } } });
    try {
      assert.equal(h.submission.addresses.implicitTls, undefined);
      const c = await loggedIn(h.starttlsPort);
      const r = await send(c, message('loopback@example.com'));
      assert.match(r!.text, /^250 2\.0\.0 /);
      c.destroy();
      const [m] = await storedMessages(h.store);
      assert.equal(m.message.tls, null);
      assert.match(m.raw.toString('latin1'), /with ESMTPA id /);
    } finally {
      await h.close();
    }
  });
});

describe('AUTH failures per IP', () => {
  test('after the delay threshold replies slow down; at the maximum the client gets 421 4.7.0 and is disconnected, and new connections are refused', async () => {
    const h = await startHarness({
      submission: { cleartext_auth: 'always' },
      limits: { auth_failures_before_delay: 2, auth_failure_delay_ms: 800, max_auth_failures: 4, auth_failure_window_ms: 60_000 },
    });
    try {
      const c = await RawClient.connect(h.starttlsPort);
      await c.read();
      await c.command('EHLO client.test');
      const bad = 'AUTH PLAIN ' + Buffer.from(`\0${USER}\0nope-nope-nope`).toString('base64');
      const timings: number[] = [];
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const t0 = Date.now();
        const r = await c.command(bad);
        timings.push(Date.now() - t0);
        codes.push(r?.code ?? 0);
      }
      assert.deepEqual(codes, [535, 535, 535, 421]);
      assert.ok(timings[2] >= 790 && timings[3] >= 790, `3rd and 4th replies delayed: ${timings}`);
      assert.ok(timings[0] < 790, `1st reply not delayed: ${timings}`);
      assert.ok(await c.waitClosed(2000), 'disconnected after 421');
      const again = await RawClient.connect(h.starttlsPort);
      const greeting = await again.read();
      assert.match(greeting!.text, /^421 4\.7\.0 .*authentication failures/);
      again.destroy();
    } finally {
      await h.close();
    }
  });
  test('a session opened before its address was blocked gets 421 for AUTH with no password check: even the right password does not log in', async () => {
    const h = await startHarness({
      submission: { cleartext_auth: 'always' },
      limits: { auth_failures_before_delay: 10, max_auth_failures: 3, auth_failure_window_ms: 60_000 },
    });
    try {
      const early = await RawClient.connect(h.starttlsPort);
      await early.read();
      await early.command('EHLO early.test');
      const c = await RawClient.connect(h.starttlsPort);
      await c.read();
      await c.command('EHLO client.test');
      const bad = 'AUTH PLAIN ' + Buffer.from(`\0${USER}\0nope-nope-nope`).toString('base64');
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await c.command(bad))?.code ?? 0);
      assert.deepEqual(codes, [535, 535, 421]);
      const right = await early.command('AUTH PLAIN ' + Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'));
      assert.match(right!.text, /^421 4\.7\.0 .*authentication failures/);
      assert.ok(await early.waitClosed(2000), 'disconnected after 421');
      const refusal = h.logs.find((l) => l.event === 'submission.refused' && l.reason === 'auth-blocked' && l.command === 'AUTH');
      assert.ok(refusal, 'the refusal is logged as auth-blocked');
    } finally {
      await h.close();
    }
  });
});

describe('password hashes at AUTH', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** Polls `check` every 20 ms for up to 5 s; the last value it gave (the upgrade is not awaited by the AUTH reply). */
  async function poll<T>(check: () => T | Promise<T>, done: (v: T) => boolean): Promise<T> {
    let v = await check();
    for (let i = 0; i < 250 && !done(v); i++) {
      await new Promise((r) => setTimeout(r, 20));
      v = await check();
    }
    return v;
  }

  /** The user's stored hash once it stops being `from`. */
  const hashAfter = (name: string, from: string) =>
    poll(
      async () => (await h.store.users.get(name))!.passwordHash,
      (now) => now !== from,
    );

  /**
   * Whether the upgrade of `name` was logged. It is logged once its commit is durable, and the new hash is
   * readable a moment before that (the flush runs after the commit), so the line may come a little later.
   */
  const rehashLogged = (name: string) =>
    poll(
      () => h.logs.some((l) => l.event === 'submission.password_rehashed' && l.user === name),
      (seen) => seen,
    );

  test('a user with an argon2id hash (as `users add` makes them) authenticates with its password only', async () => {
    assert.match((await h.store.users.get(USER))!.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const c = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await c.read();
    assert.equal((await c.login(USER, PASSWORD))?.code, 235);
    c.destroy();
    const wrong = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await wrong.read();
    assert.equal((await wrong.login(USER, `${PASSWORD}!`))?.code, 535);
    wrong.destroy();
  });

  test('a user with a legacy scrypt hash still authenticates, and its hash is upgraded to argon2id that keeps working', async () => {
    const { randomBytes, scryptSync } = await import('node:crypto');
    const salt = randomBytes(16);
    const legacy = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync('legacy-password-1', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
    await h.store.users.add({ name: 'legacy', passwordHash: legacy, senderDomains: [DOMAIN], createdAt: Date.now() });

    const wrong = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await wrong.read();
    assert.equal((await wrong.login('legacy', 'legacy-password-2'))?.code, 535);
    wrong.destroy();
    assert.equal((await h.store.users.get('legacy'))!.passwordHash, legacy, 'a wrong password upgrades nothing');

    const c = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await c.read();
    assert.equal((await c.login('legacy', 'legacy-password-1'))?.code, 235);
    c.destroy();
    const upgraded = await hashAfter('legacy', legacy);
    assert.match(upgraded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(await rehashLogged('legacy'), 'the upgrade is logged');

    const again = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await again.read();
    assert.equal((await again.login('legacy', 'legacy-password-1'))?.code, 235, 'the upgraded hash verifies the same password');
    again.destroy();
    const wrongAfter = await RawClient.connect(h.implicitPort, { implicitTls: true });
    await wrongAfter.read();
    assert.equal((await wrongAfter.login('legacy', 'legacy-password-2'))?.code, 535);
    wrongAfter.destroy();
  });
});
