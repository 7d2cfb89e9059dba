/**
 * auth-wave: the first wave of sessions after a start, when no password check is remembered yet.
 *
 * A fleet of app servers restarting together opens its connections at once, all with the same account.
 * Each round starts a fresh relay (`mailtrail start`, nothing cached), opens 20 connections at the same
 * moment, and times each AUTH PLAIN from the command's write to its 235: one password check is needed for
 * the whole wave (concurrent checks of one password against one hash share it, src/auth/verify-cache.ts).
 * Then a second wave of 20 sessions with 20 different accounts, each needing its own check, for
 * reading: it is what a relay with many accounts pays at a cold start. Accounts are made by
 * `mailtrail users add`, so they carry the relay's current hash (argon2id m=19456 KiB, t=2, p=1, about
 * 17 ms per check on libuv's four threads; scrypt N=2^15, r=8, p=1 before it, about 177 ms).
 */
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startDnsServer } from '../../test/helpers/dns-server.js';
import { summarize } from '../lib/latency.js';
import { ADDR } from '../lib/net.js';
import { startRelay } from '../lib/relay-process.js';
import { round } from './limit.js';
import type { Figures, Scenario } from './types.js';

const WAVE = 20;
const PORT = 2588;

/** One session: greeting, EHLO, AUTH PLAIN (timed), QUIT. Resolves with the AUTH time in ms. */
function authOnce(host: string, user: string, password: string, start: Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: PORT });
    let buffer = '';
    let step = 0;
    let sentAt = 0;
    socket.setEncoding('utf8');
    socket.setTimeout(30_000, () => socket.destroy(new Error('auth-wave: no reply within 30 s')));
    socket.on('error', reject);
    socket.on('data', async (chunk: string) => {
      buffer += chunk;
      // A reply is complete at a line whose fourth character is a space.
      const lines = buffer.split('\r\n');
      const last = lines.findIndex((l) => /^\d{3} /.test(l));
      if (last < 0) return;
      const code = Number(lines[last]!.slice(0, 3));
      buffer = lines.slice(last + 1).join('\r\n');
      if (step === 0) {
        step = 1;
        socket.write('EHLO wave.bench.test\r\n');
      } else if (step === 1) {
        step = 2;
        await start; // every session at the same point: the wave
        sentAt = performance.now();
        socket.write(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}\r\n`);
      } else if (step === 2) {
        const ms = performance.now() - sentAt;
        if (code !== 235) return reject(new Error(`auth-wave: AUTH answered ${lines[last]}`));
        step = 3;
        socket.end('QUIT\r\n');
        resolve(ms);
      }
    });
  });
}

async function wave(host: string, accounts: { user: string; password: string }[]): Promise<number[]> {
  let go!: () => void;
  const start = new Promise<void>((r) => (go = r));
  const sessions = accounts.map((a) => authOnce(host, a.user, a.password, start));
  // Let every session reach its EHLO reply before the wave starts.
  await new Promise((r) => setTimeout(r, 500));
  go();
  return Promise.all(sessions);
}

export const run: Scenario = async ({ flags, dir, root, progress }) => {
  const dns = await startDnsServer();
  const rounds: Figures[] = [];
  try {
    for (let n = 1; n <= flags.repeat; n++) {
      const roundDir = path.join(dir, `round-${n}`);
      mkdirSync(roundDir);
      const relay = await startRelay({ root, dir: roundDir, host: ADDR.relaySubmission, port: PORT, dnsServer: dns.address });
      try {
        const same = summarize(
          await wave(
            relay.host,
            Array.from({ length: WAVE }, () => ({ user: relay.user, password: relay.password })),
          ),
        );
        // Twenty accounts added while the relay runs (it reads accounts from the database at AUTH).
        const accounts = Array.from({ length: WAVE }, (_, i) => ({ user: `wave${i}`, password: randomBytes(12).toString('base64url') }));
        for (const a of accounts) addUser(root, path.join(roundDir, 'mailtrail.yaml'), a);
        const distinct = summarize(await wave(relay.host, accounts));
        progress(`auth-wave round ${n}/${flags.repeat}: one account p99 ${same.p99} ms; ${WAVE} accounts p99 ${distinct.p99} ms`);
        rounds.push({
          wave_sessions: WAVE,
          one_account_auth_p50_ms: round(same.p50, 1),
          one_account_auth_p99_ms: round(same.p99, 1),
          distinct_accounts_auth_p50_ms: round(distinct.p50, 1),
          distinct_accounts_auth_p99_ms: round(distinct.p99, 1),
        });
      } finally {
        await relay.stop();
      }
    }
  } finally {
    await dns.stop();
  }
  return {
    figures: {},
    rounds,
    notes: [
      `Each round: a fresh relay (\`mailtrail start\`, SQLite, nothing cached), ${WAVE} connections from one address opened together; after every EHLO is answered, all send AUTH PLAIN at once; the time from each AUTH's write to its 235. First wave: one account for all (an app fleet restarting); second: ${WAVE} different accounts (each needs its own check). Accounts are made by \`mailtrail users add\`: password hash argon2id m=19456 KiB, t=2, p=1 (src/auth/password.ts, docs/submission.md "Password hashes").`,
    ],
  };
};

function addUser(root: string, config: string, a: { user: string; password: string }): void {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAILTRAIL_')));
  const out = spawnSync(process.execPath, [path.join(root, 'bin/mailtrail.js'), 'users', 'add', a.user, '--domains', 'bench.test', '--config', config], {
    cwd: root,
    env: { ...env, MAILTRAIL_PASSWORD: a.password },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`mailtrail users add ${a.user} failed: ${out.stderr || out.stdout}`);
}
