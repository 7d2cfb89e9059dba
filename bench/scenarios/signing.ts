/**
 * signing: the CPU cost of DKIM signing at intake. The same messages (`--size` bytes, the relay scenario's
 * size) go through intake (src/intake) three times, into an in-memory SQLite store so that disk flushes do
 * not blur the figure: without a signer, with an RSA-2048 key, and with RSA-2048 plus Ed25519 (two
 * signatures). Figures: CPU ms per message (user + system, this process) for each, and the added cost.
 */
import { mkdirSync } from 'node:fs';
import { generateKey, parsePrivateKey, publicKeyValue } from '../../src/dkim/keys.js';
import { createSigner } from '../../src/dkim/signer.js';
import { configSchema } from '../../src/config/schema.js';
import { createIntake } from '../../src/intake/intake.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './types.js';

export interface SigningOptions {
  /** Messages per variant (default min(--messages, 5000)). */
  messages?: number;
}

export async function runSigning(ctx: ScenarioContext, opts: SigningOptions = {}): Promise<ScenarioResult> {
  const n = opts.messages ?? Math.min(ctx.flags.messages, 5_000);
  mkdirSync(ctx.dir, { recursive: true });
  const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(ctx.flags.size / 58)).slice(0, ctx.flags.size);
  const raw = Buffer.from(
    `From: News <news@bench.test>\r\nTo: someone@example.test\r\nSubject: benchmark\r\nDate: Tue, 04 Feb 2025 09:05:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body.replace(/(.{76})/g, '$1\r\n')}\r\n`,
  );
  const config = configSchema.parse({ database: { path: ':memory:' } });

  async function measure(algorithms: ('rsa-sha256' | 'ed25519-sha256')[]): Promise<number> {
    const store = openSqliteStore({ path: ':memory:', synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    for (const [i, algorithm] of algorithms.entries()) {
      const privateKey = generateKey(algorithm);
      await store.dkimKeys.add({
        domain: 'bench.test',
        selector: `s${i}`,
        algorithm,
        privateKey,
        publicKey: publicKeyValue(parsePrivateKey(privateKey)),
        active: true,
        createdAt: Date.now(),
      });
    }
    const signer = algorithms.length ? createSigner({ config, keys: store.dkimKeys }) : undefined;
    const intake = createIntake({ store, hostname: 'relay.bench.test', logger: silentLogger(), signer });
    const envelope = {
      mailFrom: 'news@bench.test',
      recipients: [{ address: 'someone@example.test', notify: null, orcpt: null }],
      envId: null,
      ret: null,
      username: 'bench',
      clientIp: '127.0.0.1',
      clientHostname: null,
      helo: 'bench',
      protocol: 'ESMTPA',
      tls: null,
      senderDomains: ['bench.test'],
    };
    // Warm-up (JIT, key parsing), then the timed run.
    for (let i = 0; i < Math.min(200, n); i++) await intake.accept(envelope, raw);
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) await intake.accept(envelope, raw);
    const used = process.cpuUsage(before);
    await store.close();
    return (used.user + used.system) / 1000 / n;
  }

  ctx.progress(`signing: ${n} messages of ${raw.length} bytes through intake, unsigned, RSA, RSA + Ed25519`);
  const none = await measure([]);
  const rsa = await measure(['rsa-sha256']);
  const both = await measure(['rsa-sha256', 'ed25519-sha256']);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    figures: {
      signing_messages: n,
      intake_cpu_ms_per_msg_unsigned: r(none),
      intake_cpu_ms_per_msg_rsa: r(rsa),
      intake_cpu_ms_per_msg_rsa_ed25519: r(both),
      signing_cpu_ms_per_msg_rsa: r(rsa - none),
      signing_cpu_ms_per_msg_rsa_ed25519: r(both - none),
    },
    notes: [
      `signing: CPU (user + system) of this process per message through intake into an in-memory store, ${raw.length}-byte messages, ${n} per variant after a warm-up; the signing figures are the differences from the unsigned run (an RSA-2048 signature dominates; Ed25519 adds little). The signatures run on libuv's thread pool (node:crypto sign with a callback), so the RSA operation itself runs off the submission thread's event loop (its CPU still counts here).`,
    ],
  };
}

export const run: Scenario = (ctx) => runSigning(ctx);
