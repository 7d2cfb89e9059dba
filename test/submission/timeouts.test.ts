import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawClient, loggedIn, startHarness, DOMAIN } from './harness.js';

/** Writes one byte of `text` every `everyMs` until the connection closes; returns when it closed. */
async function drip(c: RawClient, text: string, everyMs: number, maxMs: number): Promise<number> {
  const t0 = Date.now();
  let i = 0;
  while (!c.closed && Date.now() - t0 < maxMs) {
    c.write(text[i++ % text.length]);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Date.now() - t0;
}

describe('time limits (slowloris)', () => {
  test('one byte per interval, well inside the idle timeout, cannot keep a command open past command_timeout_ms: 421 4.4.2', async () => {
    const h = await startHarness({ submission: { cleartext_auth: 'always' }, limits: { idle_timeout_ms: 5000, command_timeout_ms: 700 } });
    try {
      const c = await loggedIn(h.starttlsPort);
      const replies: string[] = [];
      const reading = (async () => {
        for (;;) {
          const r = await c.read(5000).catch(() => null);
          if (!r) return;
          replies.push(r.text);
        }
      })();
      const lasted = await drip(c, 'NOOPNOOPNOOPNOOPNOOP', 100, 4000);
      await reading;
      assert.ok(c.closed, 'server closed the connection');
      assert.ok(lasted < 2500, `closed after ${lasted} ms`);
      assert.ok(
        replies.some((r) => /^421 4\.4\.2 timeout: a command line must arrive within 0\.7 s/.test(r)),
        replies.join(' | '),
      );
      assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.reason === 'timeout'));
    } finally {
      await h.close();
    }
  });

  test('DATA dripping one byte per interval ends at data_timeout_ms with 421 4.4.2 and nothing stored', async () => {
    const h = await startHarness({ submission: { cleartext_auth: 'always' }, limits: { idle_timeout_ms: 5000, data_timeout_ms: 700 } });
    try {
      const c = await loggedIn(h.starttlsPort);
      await c.command(`MAIL FROM:<app@${DOMAIN}>`);
      await c.command('RCPT TO:<r@dest.test>');
      assert.equal((await c.command('DATA'))?.code, 354);
      let reply: string | null = null;
      void c.read(5000).then(
        (r) => (reply = r?.text ?? null),
        () => {},
      );
      const lasted = await drip(c, 'Subject: slow\r\n\r\nbody body body\r\n', 100, 4000);
      assert.ok(lasted < 2500, `closed after ${lasted} ms`);
      assert.match(reply ?? '', /^421 4\.4\.2 timeout: the message data must arrive/);
      assert.equal(await h.store.messages.count(), 0);
    } finally {
      await h.close();
    }
  });

  test('a session, busy or not, ends at session_timeout_ms with 421 4.4.2', async () => {
    const h = await startHarness({ submission: { cleartext_auth: 'always' }, limits: { session_timeout_ms: 800 } });
    try {
      const c = await loggedIn(h.starttlsPort);
      const t0 = Date.now();
      let last: string | null = null;
      while (!c.closed && Date.now() - t0 < 4000) {
        const r = await c.command('NOOP');
        if (!r) break;
        last = r.text;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(Date.now() - t0 < 2500);
      // The 421 may have arrived between two NOOPs: read what is left.
      for (let r = await c.read(); r; r = await c.read()) last = r.text;
      assert.match(last ?? '', /^421 4\.4\.2 session time limit/);
    } finally {
      await h.close();
    }
  });

  test('an idle client is told 421 4.4.2 after idle_timeout_ms', async () => {
    const h = await startHarness({ limits: { idle_timeout_ms: 300 } });
    try {
      const c = await RawClient.connect(h.starttlsPort);
      assert.equal((await c.read())?.code, 220);
      const r = await c.read(3000);
      assert.match(r!.text, /^421 4\.4\.2 /);
      assert.ok(await c.waitClosed(2000));
    } finally {
      await h.close();
    }
  });
});
