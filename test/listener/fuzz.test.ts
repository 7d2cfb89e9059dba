/**
 * A fuzz test of both SMTP listeners (issue 11): random and mutated command streams from a fixed seed
 * (FUZZ_SEED, FUZZ_SESSIONS to explore further), a bounded number of sessions, a few at a time. After
 * them the process is still up, no command crashed a handler (smtp-server answers a thrown handler
 * with `451 Error: internal server error`), no connection slot leaked, and a normal client is served.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { BOUNCE_DOMAIN } from '../bounces/support.js';
import { prng } from '../helpers/prng.js';
import { DOMAIN, PASSWORD, RawClient, USER } from '../submission/harness.js';
import { BOUNCE_HOST, sendBounce, startBounceListener, startHarness, submitOne } from './listeners.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20251203);
const SESSIONS = Number(process.env.FUZZ_SESSIONS ?? 150);
const PARALLEL = 4;
const FUZZ_FROM = '127.0.9.1';
const CLIENT_FROM = '127.0.9.2';

const plain = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
const MESSAGE = ['From: <app@example.com>', 'Subject: fuzz', '', 'body line', '..dot-stuffed', '.'];
const SUBMISSION_SESSION = [
  'EHLO fuzz.test',
  `AUTH PLAIN ${plain}`,
  `MAIL FROM:<app@${DOMAIN}> SIZE=100 BODY=8BITMIME`,
  'RCPT TO:<r@dest.test> NOTIFY=FAILURE ORCPT=rfc822;r@dest.test',
  'DATA',
  ...MESSAGE,
  'QUIT',
];
const BOUNCE_SESSION = [
  'EHLO mx.fuzz.test',
  'MAIL FROM:<> SIZE=100',
  `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`,
  'DATA',
  'Subject: Undelivered Mail',
  '',
  'failed',
  '.',
  'QUIT',
];
const EXTRA = [
  'RSET',
  'NOOP',
  'HELP',
  'VRFY postmaster',
  'EXPN list',
  'STARTTLS',
  'HELO x',
  'AUTH LOGIN',
  'AUTH PLAIN',
  'AUTH CRAM-MD5',
  '*',
  'BDAT 12 LAST',
  'BDAT 0',
  'DATA',
  'QUIT',
  'MAIL FROM:<>',
  'RCPT TO:<postmaster>',
  'GET / HTTP/1.1',
  'XCLIENT ADDR=1.2.3.4',
  'ETRN x',
  '',
];

function randomBytes(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rnd() * 256));
  return s;
}

/** One session's bytes: a valid dialogue, mutated a few times; now and then pure noise. */
function mutate(rnd: () => number, base: string[]): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  if (rnd() < 0.08) return randomBytes(rnd, Math.floor(rnd() * 3000));
  const lines = [...base];
  const endings = lines.map(() => '\r\n');
  const ops = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < ops; k++) {
    const i = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 10)) {
      case 0:
        lines.splice(i, 1);
        endings.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[i] ?? '');
        endings.splice(i, 0, '\r\n');
        break;
      case 2:
        lines.splice(i, 0, pick(EXTRA));
        endings.splice(i, 0, '\r\n');
        break;
      case 3:
        lines[i] = randomBytes(rnd, Math.floor(rnd() * 200));
        break;
      case 4: {
        const line = lines[i] ?? '';
        const at = Math.floor(rnd() * (line.length + 1));
        lines[i] = line.slice(0, at) + pick(['\r', '\n', '\0', '\xff', '\x1b', ' ', ':', '<', '>', '=', '\r\n.\r\n']) + line.slice(at);
        break;
      }
      case 5:
        endings[i] = pick(['\n', '\r', '', '\r\r\n', '\n\r']);
        break;
      case 6:
        lines[i] = (lines[i] ?? '') + 'x'.repeat(500 + Math.floor(rnd() * 5000));
        break;
      case 7: {
        const line = lines[i] ?? '';
        lines[i] = line.slice(0, Math.floor(rnd() * line.length));
        break;
      }
      case 8: {
        const j = Math.floor(rnd() * lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      }
      default:
        lines[i] = (lines[i] ?? '').toLowerCase();
    }
  }
  return lines.map((l, i) => (l ?? '') + (endings[i] ?? '\r\n')).join('');
}

/** Writes the bytes in one to three pieces, reads until the server closes or stays silent for a while. */
async function play(port: number, host: string, bytes: string, rnd: () => number): Promise<string> {
  const socket = net.connect({ host, port, localAddress: FUZZ_FROM });
  let received = '';
  let last = Date.now();
  let closed = false;
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    last = Date.now();
  });
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => resolve());
  });
  // Mostly after the greeting; now and then before it, as bots do.
  if (rnd() < 0.9) while (!closed && !received.includes('\n') && Date.now() - last < 1000) await new Promise((r) => setTimeout(r, 5));
  const cuts = [0, ...Array.from({ length: Math.floor(rnd() * 3) }, () => Math.floor(rnd() * bytes.length)).sort((a, b) => a - b), bytes.length];
  for (let i = 0; i + 1 < cuts.length && !closed; i++) {
    socket.write(Buffer.from(bytes.slice(cuts[i], cuts[i + 1]), 'latin1'));
    await new Promise((r) => setImmediate(r));
  }
  while (!closed && Date.now() - last < 150) await new Promise((r) => setTimeout(r, 25));
  socket.destroy();
  return received;
}

async function fuzz(port: number, host: string, base: string[]): Promise<string[]> {
  const rnd = prng(SEED);
  const sessions = Array.from({ length: SESSIONS }, () => mutate(rnd, base));
  const transcripts: string[] = [];
  for (let i = 0; i < sessions.length; i += PARALLEL) {
    transcripts.push(...(await Promise.all(sessions.slice(i, i + PARALLEL).map((s) => play(port, host, s, prng(SEED + i))))));
  }
  return transcripts;
}

/** Every slot of the fuzzing address is free again: as many greetings as the per-address limit allows. */
async function slotsFree(port: number, host: string, perIp: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: perIp }, () => RawClient.connect(port, { host, localAddress: FUZZ_FROM })));
  const greetings = await Promise.all(clients.map((c) => c.read()));
  for (const c of clients) c.destroy();
  assert.deepEqual(
    greetings.map((g) => g?.code),
    Array(perIp).fill(220),
    greetings.map((g) => g?.text).join(' | '),
  );
}

const noCrash = (transcripts: string[]) => {
  const crashed = transcripts.filter((t) => /internal server error/i.test(t));
  assert.equal(crashed.length, 0, crashed.slice(0, 3).join('\n---\n'));
};

test(`submission: ${SESSIONS} mutated sessions (seed ${SEED}); then no leaked slot, and a normal app is served`, async () => {
  const h = await startHarness({
    submission: { cleartext_auth: 'always' },
    limits: { max_connections_per_ip: 5, max_auth_failures: 1_000_000, command_timeout_ms: 2000, data_timeout_ms: 2000 },
  });
  try {
    const transcripts = await fuzz(h.starttlsPort, '127.0.0.1', SUBMISSION_SESSION);
    noCrash(transcripts);
    assert.ok(transcripts.filter((t) => t.includes('250 2.0.0 Ok: queued as')).length > 0, 'some mutated sessions still sent a message');
    await new Promise((r) => setTimeout(r, 100));
    await slotsFree(h.starttlsPort, '127.0.0.1', 5);
    assert.match(await submitOne(h.starttlsPort, 'after-fuzz@example.com', CLIENT_FROM), /^250 2\.0\.0 Ok: queued as /);
  } finally {
    await h.close();
  }
});

test(`bounce listener: ${SESSIONS} mutated sessions (seed ${SEED}); then no leaked slot, and a normal sender is served`, async () => {
  const b = await startBounceListener({ max_connections_per_ip: 5, command_timeout_ms: 2000, data_timeout_ms: 2000 });
  try {
    const transcripts = await fuzz(b.port, BOUNCE_HOST, BOUNCE_SESSION);
    noCrash(transcripts);
    assert.ok(transcripts.filter((t) => t.includes('250 2.0.0 Ok: stored as inbound')).length > 0, 'some mutated sessions still delivered');
    await new Promise((r) => setTimeout(r, 100));
    await slotsFree(b.port, BOUNCE_HOST, 5);
    assert.match(await sendBounce(b.port, CLIENT_FROM), /250 2\.0\.0 Ok: stored as inbound \d+ \| 221/);
  } finally {
    await b.close();
  }
});
