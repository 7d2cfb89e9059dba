/**
 * Slowloris on every SMTP listener (issue 11): clients that send one byte at a time, well inside the
 * idle timeout, to hold connection slots. One address cannot take more than its per-address share, so
 * a sender from another address is served while it drips; many addresses can fill the total, but
 * command_timeout_ms cuts every dripper, so a sender refused at first is served a moment later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawClient } from '../submission/harness.js';
import { BOUNCE_HOST, sendBounce, startBounceListener, startHarness, submitOne } from './listeners.js';

const LIMITS = { command_timeout_ms: 800, idle_timeout_ms: 10_000 };

interface Listener {
  /** Connects from `localAddress`; null when the connection was refused or dropped. */
  connect(localAddress: string): Promise<RawClient | null>;
  /** A normal sender's whole transaction from `localAddress`: its final reply, or what came instead. */
  serve(localAddress: string): Promise<string>;
  accepted: RegExp;
  close(): Promise<void>;
}

type Kind = 'submission, STARTTLS port' | 'submission, implicit-TLS port' | 'bounce listener';

async function start(kind: Kind, perIp: number, total: number): Promise<Listener> {
  if (kind === 'bounce listener') {
    const b = await startBounceListener({ ...LIMITS, max_connections_per_ip: perIp, max_connections: total });
    return {
      connect: (localAddress) => greeted(RawClient.connect(b.port, { host: BOUNCE_HOST, localAddress })),
      serve: (localAddress) => sendBounce(b.port, localAddress),
      accepted: /250 2\.0\.0 Ok: stored as inbound/,
      close: () => b.close(),
    };
  }
  const h = await startHarness({ submission: { cleartext_auth: 'always' }, limits: { ...LIMITS, max_connections_per_ip: perIp, max_connections: total } });
  const implicitTls = kind === 'submission, implicit-TLS port';
  let n = 0;
  return {
    connect: (localAddress) => greeted(RawClient.connect(implicitTls ? h.implicitPort : h.starttlsPort, { implicitTls, localAddress })),
    // The normal sender uses the STARTTLS port in cleartext (allowed here): the limits are shared.
    serve: (localAddress) => submitOne(h.starttlsPort, `slowloris-${n++}@example.com`, localAddress).catch((err: Error) => `error: ${err.message}`),
    accepted: /^250 2\.0\.0 Ok: queued as /,
    close: () => h.close(),
  };
}

/** The client once greeted with 220; null when refused (421) or dropped before a greeting. */
async function greeted(connecting: Promise<RawClient>): Promise<RawClient | null> {
  const c = await connecting.catch(() => null);
  if (!c) return null;
  const r = await c.read(3000).catch(() => null);
  if (r?.code === 220) return c;
  c.destroy();
  return null;
}

/** Sends one byte every 100 ms until the server closes; resolves with the last reply and how long it held on. */
function drip(c: RawClient): Promise<{ last: string | null; ms: number }> {
  const t0 = Date.now();
  const text = 'NOOPNOOPNOOPNOOP';
  let i = 0;
  const timer = setInterval(() => c.write(text[i++ % text.length]), 100);
  return (async () => {
    let last: string | null = null;
    for (;;) {
      const r = await c.read(10_000).catch(() => null);
      if (!r) break;
      last = r.text;
    }
    clearInterval(timer);
    c.destroy();
    return { last, ms: Date.now() - t0 };
  })();
}

for (const kind of ['submission, STARTTLS port', 'submission, implicit-TLS port', 'bounce listener'] as const) {
  describe(kind, () => {
    test('20 drippers from one address hold only its per-address share; a sender from another address is served meanwhile', async () => {
      const l = await start(kind, 4, 50);
      try {
        const conns = await Promise.all(Array.from({ length: 20 }, () => l.connect('127.0.5.1')));
        const held = conns.filter((c): c is RawClient => c !== null);
        assert.equal(held.length, 4, 'max_connections_per_ip admitted');
        const drips = held.map(drip);
        const reply = await l.serve('127.0.5.2');
        assert.match(reply, l.accepted);
        const ends = await Promise.all(drips);
        for (const e of ends) {
          assert.match(e.last ?? '', /^421 4\.4\.2 timeout: a command line must arrive within 0\.8 s; closing connection$/);
          assert.ok(e.ms < 3000, `a dripper held its slot for ${e.ms} ms`);
        }
      } finally {
        await l.close();
      }
    });

    test('drippers from many addresses fill max_connections; command_timeout_ms frees the slots and a refused sender is served on retry', async () => {
      const l = await start(kind, 4, 8);
      try {
        const held = (await Promise.all(['127.0.5.1', '127.0.5.2'].flatMap((a) => Array.from({ length: 4 }, () => l.connect(a))))).filter(
          (c): c is RawClient => c !== null,
        );
        assert.equal(held.length, 8);
        const drips = held.map(drip);
        const t0 = Date.now();
        assert.doesNotMatch(await l.serve('127.0.5.3'), l.accepted, 'every slot is taken');
        let reply = '';
        while (Date.now() - t0 < 5000) {
          reply = await l.serve('127.0.5.3');
          if (l.accepted.test(reply)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(reply, l.accepted);
        assert.ok(Date.now() - t0 < 3000, `served after ${Date.now() - t0} ms`);
        await Promise.all(drips);
      } finally {
        await l.close();
      }
    });
  });
}
