/**
 * Graceful end of both SMTP listeners (src/listener/end-sessions.ts): once close() starts, new
 * connections are refused, a session's next command is answered 421 4.3.2 (QUIT still gets its 221),
 * and sessions still open at the end of the grace period are told 421 and closed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient } from '../submission/harness.js';
import { BOUNCE_HOST, startBounceListener, startHarness } from './listeners.js';

const SHUTDOWN = '421 4.3.2 Server shutting down; try again later';

for (const kind of ['submission', 'bounce listener'] as const) {
  test(`${kind}: during the grace period a command gets ${SHUTDOWN}; sessions left at its end get 421 too`, async () => {
    let port: number;
    let host = '127.0.0.1';
    let close: () => Promise<void>;
    let logs: Record<string, unknown>[] | null = null;
    if (kind === 'submission') {
      const h = await startHarness(); // close() grants 500 ms
      port = h.starttlsPort;
      close = () => h.close();
      logs = h.logs;
    } else {
      const b = await startBounceListener(); // close() grants 200 ms
      port = b.port;
      host = BOUNCE_HOST;
      close = () => b.close();
    }
    const active = await RawClient.connect(port, { host });
    const idle = await RawClient.connect(port, { host });
    assert.equal((await active.read())?.code, 220);
    assert.equal((await idle.read())?.code, 220);
    const closing = close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await active.command('EHLO client.test'))?.text, SHUTDOWN);
    assert.ok(await active.waitClosed(2000));
    assert.equal((await idle.read(3000))?.text, '421 4.3.2 Server shutting down; try again later');
    await closing;
    await assert.rejects(RawClient.connect(port, { host }), /ECONNREFUSED/);
    // Submission logs each refusal, the sessions cut at the end of the grace too.
    if (logs)
      assert.equal(logs.filter((l) => l.event === 'submission.refused' && l.reason === 'shutdown').length, 2, 'the command refused and the idle session cut');
  });
}
