/**
 * The support page in a real browser (Debian's chromium, driven by playwright-core, JavaScript switched
 * off: the pages need none) against a real relay with real mail:
 *
 *   nodemailer ──STARTTLS+AUTH──► relay 127.0.15.1:11587 (in this process, delivery in this thread)
 *                                   │ MX rcpt.test → 127.0.15.2:25 (test MTA: good ✓, nobody 550 5.1.1, slow 451 4.7.1)
 *   swaks ── DSN 5.2.2 to VERP ──► bounce listener 127.0.15.1:11525   (good bounces after delivery)
 *   chromium ────────────────────► support page http://127.0.15.1:18015/ui
 *
 * A support person signs in, finds the message by its Message-ID, reads the verdicts, opens the timeline,
 * retries the deferred recipient (after the receiver was fixed), removes the hard-bounced address from the
 * suppression list and looks at the health charts. Screenshots go to test-artifacts/ui/ (docs/ui.md shows
 * copies of them).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { hashPassword } from '../../src/auth/password.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { startRelay, type Relay } from '../../src/main.js';
import { messageFate } from '../../src/query/fate.js';
import { renderFates } from '../../src/query/render.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { waitFor } from '../e2e/cli.js';
import { suppressionList } from '../../src/suppression/list.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts/ui');
const RELAY_IP = '127.0.15.1';
const MX_IP = '127.0.15.2';
const SENDER_MX_IP = '127.0.15.3';
const API = `http://${RELAY_IP}:18015`;
const ADMIN_TOKEN = 'support-admin-token-0123456789abcdef';
const GOOD = 'good@rcpt.test';
const BAD = 'nobody@rcpt.test';
const SLOW = 'slow@rcpt.test';
const MESSAGE_ID = `order-1001-${process.pid}@shop.example.com`;

let dir: string;
let dns: DnsServer | undefined;
let mta: TestMta | undefined;
let senderMta: TestMta | undefined;
let relay: Relay | undefined;
let context: BrowserContext | undefined;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-ui-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  dns = await startDnsServer({
    authoritative: ['test', 'example.com'],
    mx: [
      { name: 'rcpt.test', exchange: 'mx.rcpt.test', preference: 10 },
      { name: 'shop.example.com', exchange: 'mx.shop.example.com', preference: 10 },
    ],
    a: [
      { name: 'mx.rcpt.test', address: MX_IP },
      { name: 'mx.shop.example.com', address: SENDER_MX_IP },
    ],
  });
  mta = await startTestMta({
    host: MX_IP,
    name: 'mx.rcpt.test',
    rcpt: {
      [BAD]: { code: 550, text: '5.1.1 <nobody@rcpt.test>: Recipient address rejected: User unknown' },
      [SLOW]: { code: 451, text: '4.7.1 <slow@rcpt.test>: Recipient address rejected: mailbox temporarily unavailable' },
    },
  });
  senderMta = await startTestMta({ host: SENDER_MX_IP, name: 'mx.shop.example.com' });
  const config = parseConfig({
    hostname: 'relay.ui.test',
    database: { path: path.join(dir, 'mailtrail.db') },
    submission: { starttls: { host: RELAY_IP, port: 11587 }, implicit_tls: { enabled: false, host: RELAY_IP, port: 11465 }, cleartext_auth: 'loopback' },
    // A deferral waits an hour: it stays deferred until someone presses "Retry now".
    delivery: {
      worker_thread: false,
      dns_servers: [dns.address],
      poll_interval_ms: 200,
      retry: { min_delay_ms: 3_600_000, max_delay_ms: 3_600_000, jitter: 0 },
      bounce_domains: { 'shop.example.com': 'bounces.shop.example.com' },
    },
    bounces: { enabled: true, listener: { enabled: true, host: RELAY_IP, port: 11525 }, verp_secret: 'ui-test-verp-secret-0123456789' },
    api: { host: RELAY_IP, port: 18015, tokens: [{ name: 'support-admin', token: ADMIN_TOKEN, scope: 'admin' }] },
  });
  relay = await startRelay(config, { logger: silentLogger(), stopTimeoutMs: 2_000 });
  await relay.store.users.add({ name: 'shop', passwordHash: await hashPassword('shop-password'), senderDomains: ['shop.example.com'], createdAt: Date.now() });
});

after(async () => {
  await context?.close();
  await relay?.stop();
  await mta?.stop();
  await senderMta?.stop();
  await dns?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function submit(messageId: string, to: string[], subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: RELAY_IP, port: 11587, secure: false, ignoreTLS: true, auth: { user: 'shop', pass: 'shop-password' } });
  try {
    await transport.sendMail({
      from: 'orders@shop.example.com',
      to,
      subject,
      text: 'Thank you for your order.\n',
      messageId: `<${messageId}>`,
      headers: { 'X-Mailtrail-Tag': 'receipts' },
    });
  } finally {
    transport.close();
  }
}

const stateOf = async (messageId: string, address: string) => {
  const [m] = await relay!.store.query.findMessages(messageId);
  return m ? (await relay!.store.query.recipientsOf([m.id])).find((r) => r.address === address)?.state : undefined;
};

/** An RFC 3464 report from the recipient's MTA, after it had accepted the message: the mailbox is full. */
function mailboxFull(verp: string): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.rcpt.test>',
    `To: ${verp}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <dsn-ui-1@mx.rcpt.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    `Your message to <${GOOD}> could not be delivered: the mailbox is full.`,
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.rcpt.test',
    '',
    `Final-Recipient: rfc822; ${GOOD}`,
    'Action: failed',
    'Status: 5.2.2',
    `Diagnostic-Code: smtp; 552 5.2.2 <${GOOD}>: Mailbox full, quota exceeded`,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: <${MESSAGE_ID}>`,
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Accessibility basics every page must meet: a language, one h1, a label for every field, a name for every button, titled charts. */
async function checkAccessible(page: Page, where: string) {
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  const report = await page.evaluate(`({
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML),
    unnamedButtons: [...document.querySelectorAll('button')].filter((b) => !b.textContent.trim() && !b.getAttribute('aria-label')).length,
    untitledSvg: [...document.querySelectorAll('svg')].filter((s) => !s.querySelector('title')).length,
    skip: document.querySelector('a.skip')?.getAttribute('href'),
  })`);
  assert.deepEqual(report, { lang: 'en', h1: 1, unlabelled: [], unnamedButtons: 0, untitledSvg: 0, skip: '#main' }, where);
}

test('a support person signs in, finds a message by Message-ID, reads its fate and acts on it', {
  timeout: 90_000,
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: run npm run test:setup`,
}, async (t) => {
  const started = Date.now();
  // Real mail: delivered, bounced at RCPT (and suppressed), deferred; then a bounce after delivery by mail.
  await submit(MESSAGE_ID, [GOOD, BAD, SLOW], 'Your order 1001 has shipped');
  await submit(`newsletter-7-${process.pid}@shop.example.com`, [GOOD], 'Our spring newsletter');
  await waitFor(
    async () =>
      (await stateOf(MESSAGE_ID, GOOD)) === 'delivered' && (await stateOf(MESSAGE_ID, BAD)) === 'bounced' && (await stateOf(MESSAGE_ID, SLOW)) === 'deferred',
    'delivered, bounced at RCPT, deferred',
    20_000,
  );
  const verp = mta!.messages.find((m) => m.rcptTo.some((r) => r.address === GOOD) && m.raw.toString().includes(MESSAGE_ID))!.mailFrom;
  const dsn = path.join(dir, 'dsn.eml');
  writeFileSync(dsn, mailboxFull(verp));
  await promisify(execFile)('swaks', ['--server', RELAY_IP, '--port', '11525', '--helo', 'mx.rcpt.test', '--from', '<>', '--to', verp, '--data', `@${dsn}`], {
    timeout: 20_000,
  });
  await waitFor(async () => (await stateOf(MESSAGE_ID, GOOD)) === 'bounced', 'good bounced after delivery by the DSN', 20_000);

  const profile = mkdtempSync(path.join(dir, 'chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    // The page has no script at all; with JavaScript off the browser proves it.
    javaScriptEnabled: false,
  });
  const page = context.pages()[0] ?? (await context.newPage());

  await t.test('without a session the page sends the browser to the sign-in form', async () => {
    await page.goto(`${API}/ui/messages/anything`);
    assert.match(page.url(), /\/ui\/login\?next=%2Fui%2Fmessages%2Fanything$/);
    await checkAccessible(page, 'sign-in');
    await shot(page, 'sign-in');
  });

  await t.test('sign in with an admin token', async () => {
    await page.goto(`${API}/ui/messages`);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${API}/ui/messages`);
    assert.match((await page.locator('header').innerText()).replace(/\s+/g, ' '), /support-admin \(admin: may act\)/);
    const cookie = (await context!.cookies()).find((c) => c.name === 'mailtrail_session')!;
    assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, 'Strict', '/ui']);
  });

  await t.test('search by Message-ID leads to the message, whose verdicts come first', async () => {
    await page.getByLabel('Message-ID or queue id').fill(`<${MESSAGE_ID}>`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/ui\/messages\/[A-Z0-9]+$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your order 1001 has shipped');
    assert.equal(await page.locator('.summary').innerText(), '3 recipients: 2 bounced, 1 deferred');
    const verdicts = await page.locator('.verdict-list > li').allInnerTexts();
    const of = (address: string) => verdicts.find((v) => v.includes(address)) ?? '';
    assert.match(
      of(GOOD),
      /Bounced after delivery: mailbox full \(soft, 5\.2\.2\); delivered to mx\.rcpt\.test at \d\d:\d\d UTC, bounce reported by mx\.rcpt\.test at \d\d:\d\d UTC/,
    );
    assert.match(of(BAD), /Bounced by mx\.rcpt\.test \[127\.0\.15\.2\] at \d\d:\d\d UTC: mailbox unknown \(hard, 5\.1\.1\)\s+Why: .*does not exist/);
    // The date is shown when the next attempt is not today (a run shortly before midnight UTC).
    assert.match(of(SLOW), /Deferred 1 time, next attempt (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC: /);
    await checkAccessible(page, 'message');
  });

  await t.test('the timeline: every phase of an attempt with its reply and what it means', async () => {
    const attempt = page.locator('details.attempt', { hasText: `for ${BAD}` });
    assert.equal(await attempt.getAttribute('open'), null, 'earlier attempts start closed');
    await attempt.locator('> summary').click();
    const rows = await attempt.locator('table.phases tbody tr').allInnerTexts();
    const row = (phase: string) => rows.find((r) => r.startsWith(phase)) ?? '';
    for (const phase of ['dns', 'connect', 'ehlo', 'mail', 'rcpt']) assert.ok(row(phase), `${phase} is in the attempt: ${rows.join(' | ')}`);
    assert.match(row('connect'), /220 mx\.rcpt\.test/);
    assert.match(row('mail'), /250 .*accepted the sender address/s);
    assert.match(
      row('rcpt'),
      /550 5\.1\.1 <nobody@rcpt\.test>: Recipient address rejected: User unknown\s+The recipient's mail server says this mailbox does not exist/,
    );
    await shot(page, 'message');
  });

  await t.test('the queue shows the deferred destination with its last reply explained', async () => {
    await page.getByRole('link', { name: 'Queue' }).click();
    const row = await page.locator('tbody tr', { hasText: 'rcpt.test' }).innerText();
    assert.match(row, /451 4\.7\.1 <slow@rcpt\.test>: Recipient address rejected: mailbox temporarily unavailable/);
    await checkAccessible(page, 'queue');
    await shot(page, 'queue');
  });

  await t.test('retry the deferred recipient once the receiver is fixed: delivered, and the timeline says who asked', async () => {
    mta!.script.rcpt = { [BAD]: { code: 550, text: '5.1.1 <nobody@rcpt.test>: Recipient address rejected: User unknown' } };
    await page.goto(`${API}/ui/messages?q=${encodeURIComponent(MESSAGE_ID)}`);
    await page.getByRole('button', { name: 'Retry now' }).click();
    assert.match(await page.locator('p.notice').innerText(), /Retry requested: 1 recipient is due now/);
    await waitFor(async () => (await stateOf(MESSAGE_ID, SLOW)) === 'delivered', 'slow delivered after the retry', 15_000);
    await page.reload();
    const verdicts = await page.locator('.verdict-list > li').allInnerTexts();
    assert.match(verdicts.find((v) => v.includes(SLOW)) ?? '', /Delivered to mx\.rcpt\.test \[127\.0\.15\.2\] at \d\d:\d\d UTC, accepted 250/);
    assert.match(await page.locator('ol.timeline').innerText(), /requeued slow@rcpt\.test: retry now, by support-admin via the web page/);
    // The trace says the same, in the same words (kept as an artifact: docs/api.md shows it).
    const trace = renderFates(await messageFate(relay!.store, MESSAGE_ID));
    assert.equal(trace.split('\n')[0], '3 recipients: 2 bounced, 1 delivered');
    writeFileSync(path.join(ARTIFACTS, 'trace.txt'), trace);
  });

  await t.test('remove the hard-bounced address from the suppression list', async () => {
    await page.getByRole('link', { name: 'Suppressions' }).click();
    const row = page.locator('tbody tr', { hasText: BAD });
    assert.match(await row.innerText(), /hard-bounce\s+hard bounce: 550 5\.1\.1 <nobody@rcpt\.test>: Recipient address rejected: User unknown/);
    await checkAccessible(page, 'suppressions');
    await shot(page, 'suppressions');
    await row.getByRole('button', { name: `Remove ${BAD}` }).click();
    assert.match(await page.locator('p.notice').innerText(), /removed from the suppression list/);
    assert.equal(await page.locator('tbody tr', { hasText: BAD }).count(), 0);
    assert.equal(await suppressionList(relay!.store).has(BAD), false);
  });

  await t.test('the health page draws its charts', async () => {
    await page.getByRole('link', { name: 'Health' }).click();
    assert.equal(await page.locator('svg.chart').count(), 3);
    assert.ok((await page.locator('#chart-0 rect.bar-delivered').count()) > 0, 'deliveries of the last hour are drawn');
    assert.ok((await page.locator('#chart-0 rect.bar-bounced').count()) > 0, 'bounces too');
    const box = await page.locator('#chart-0').boundingBox();
    assert.ok(box && box.width > 600 && box.height > 150, `the chart has a size: ${JSON.stringify(box)}`);
    assert.match(await page.locator('.rates').innerText(), /bounce rate/);
    await checkAccessible(page, 'health');
    await shot(page, 'health');
  });

  await t.test('search results and a phone-sized screen', async () => {
    await page.goto(`${API}/ui/messages?sender=orders%40shop.example.com`);
    assert.equal(await page.locator('table.results tbody tr').count(), 2);
    await checkAccessible(page, 'search');
    await shot(page, 'search');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${API}/ui/messages?q=${encodeURIComponent(MESSAGE_ID)}`);
    const width = await page.evaluate('document.documentElement.scrollWidth');
    assert.ok((width as number) <= 390, `nothing wider than the phone's screen (${width} px)`);
    await shot(page, 'message-phone');
  });

  assert.ok(Date.now() - started < 60_000, `the whole walk took ${Date.now() - started} ms`);
});
