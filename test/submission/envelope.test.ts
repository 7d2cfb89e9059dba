import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, loggedIn, message, startHarness, storedMessages, type Harness } from './harness.js';

describe('envelope syntax, parameters and DSN', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ submission: { cleartext_auth: 'always' } });
  });
  after(() => h.close());

  test('unknown MAIL and RCPT parameters get 555 5.5.4', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.match((await c.command(`MAIL FROM:<app@${DOMAIN}> XFOO=1`))!.text, /^555 5\.5\.4 /);
    assert.match((await c.command(`MAIL FROM:<app@${DOMAIN}> REQUIRETLS`))!.text, /^555 5\.5\.4 /);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 250);
    assert.match((await c.command('RCPT TO:<r@dest.test> BAR=baz'))!.text, /^555 5\.5\.4 /);
    assert.match((await c.command('RCPT TO:<r@dest.test> SIZE=10'))!.text, /^555 5\.5\.4 /);
    c.destroy();
  });

  test('bad DSN values get 501 5.5.4: RET, ENVID (xtext, length), NOTIFY, ORCPT', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.match((await c.command(`MAIL FROM:<app@${DOMAIN}> RET=EVERYTHING`))!.text, /^501 5\.5\.4 /);
    assert.match((await c.command(`MAIL FROM:<app@${DOMAIN}> ENVID=${'e'.repeat(101)}`))!.text, /^501 5\.5\.4 /);
    assert.match((await c.command(`MAIL FROM:<app@${DOMAIN}> ENVID=a=b`))!.text, /^501 5\.5\.4 /);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}> RET=FULL ENVID=${'e'.repeat(100)}`))?.code, 250);
    assert.match((await c.command('RCPT TO:<r@dest.test> NOTIFY=SOMETIMES'))!.text, /^501 5\.5\.4 /);
    assert.match((await c.command('RCPT TO:<r@dest.test> NOTIFY=NEVER,FAILURE'))!.text, /^501 5\.5\.4 /);
    assert.match((await c.command('RCPT TO:<r@dest.test> ORCPT=nosemicolon'))!.text, /^501 5\.5\.4 /);
    c.destroy();
  });

  test('RET, ENVID, NOTIFY and ORCPT are stored with the message', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}> RET=HDRS ENVID=batch+2B42`))?.code, 250);
    assert.equal((await c.command('RCPT TO:<a@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40dest.test'))?.code, 250);
    assert.equal((await c.command('RCPT TO:<b@dest.test> NOTIFY=NEVER'))?.code, 250);
    assert.equal((await c.command('RCPT TO:<c@dest.test>'))?.code, 250);
    // An internationalised original recipient, as Postfix writes it: xtext of its UTF-8 bytes.
    assert.equal((await c.command('RCPT TO:<d@dest.test> ORCPT=rfc822;j+C3+B6rg@dest.test'))?.code, 250);
    await c.command('DATA');
    c.write(message('dsn-params@example.com') + '.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const m = (await storedMessages(h.store)).find((x) => x.message.messageId === 'dsn-params@example.com')!;
    assert.equal(m.message.ret, 'HDRS');
    assert.equal(m.message.envId, 'batch+42');
    assert.deepEqual(
      m.recipients.map((r) => [r.address, r.notify, r.orcpt]),
      [
        ['a@dest.test', ['SUCCESS', 'FAILURE'], 'rfc822;a@dest.test'],
        ['b@dest.test', ['NEVER'], null],
        ['c@dest.test', null, null],
        ['d@dest.test', null, 'rfc822;jörg@dest.test'],
      ],
    );
  });

  test('syntactically bad recipients get 501 5.1.3, bad senders 501 5.1.7', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.match((await c.command('MAIL FROM:<app@@example.com>'))!.text, /^501 5\.1\.7 /);
    assert.match((await c.command('MAIL FROM:app@example.com'))!.text, /^501 5\.1\.7 /);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 250);
    for (const bad of [
      '<no-domain>',
      '<a..b@dest.test>',
      '<a@dest..test>',
      '<>',
      'plain@dest.test',
      '<a@-dest.test>',
      '<a@dest-.test>',
      '<a@localhost>',
      '<a@[999.1.1.1]>',
    ]) {
      const r = await c.command(`RCPT TO:${bad}`);
      assert.match(r!.text, /^5\d\d 5\.1\.3 /, `RCPT TO:${bad} → ${r?.text}`);
    }
    c.destroy();
  });

  test('a CR, NUL or other control character in an address is refused and cannot inject a command', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 250);
    // A bare CR does not end an SMTP line: the whole line is one RCPT, refused; no RSET runs.
    const r = await c.command('RCPT TO:<a@dest.test>\rRSET');
    assert.match(r!.text, /^501 5\.1\.3 /);
    assert.match((await c.command('RCPT TO:<a\x00b@dest.test>'))!.text, /^501 5\.1\.3 /);
    assert.match((await c.command('RCPT TO:<a\x1bb@dest.test>'))!.text, /^501 5\.1\.3 /);
    assert.match((await c.command('RCPT TO:<ok@dest.test> NOTIFY=SUCCESS\x0b'))!.text, /^501 5\.1\.3 /);
    // The transaction is intact: MAIL is still in force (a second MAIL is a nested MAIL).
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 503);
    assert.equal((await c.command('RCPT TO:<ok@dest.test>'))?.code, 250);
    await c.command('DATA');
    c.write(message('ctl@example.com') + '.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const m = (await storedMessages(h.store)).find((x) => x.message.messageId === 'ctl@example.com')!;
    assert.deepEqual(
      m.recipients.map((x) => x.address),
      ['ok@dest.test'],
    );
    assert.ok(h.logs.some((l) => l.event === 'submission.refused' && l.reason === 'bad-address'));
  });

  test('an internationalised recipient domain is stored in its A-label form', async () => {
    const c = await loggedIn(h.starttlsPort);
    await c.command(`MAIL FROM:<app@${DOMAIN}>`);
    c.write(Buffer.from('RCPT TO:<Kim@Bücher.example>\r\n', 'utf8'));
    assert.equal((await c.read())?.code, 250);
    // The same name in latin1 is not UTF-8: undecodable, so refused rather than stored garbled.
    assert.match((await c.command('RCPT TO:<kim@b\xfccher.example>'))!.text, /^501 5\.1\.3 /);
    await c.command('DATA');
    c.write(message('idn@example.com') + '.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const m = (await storedMessages(h.store)).find((x) => x.message.messageId === 'idn@example.com')!;
    assert.deepEqual(
      m.recipients.map((x) => [x.address, x.domain]),
      [['Kim@xn--bcher-kva.example', 'xn--bcher-kva.example']],
    );
  });

  test('bytes that are not UTF-8 in an address are refused, never stored as U+FFFD; a non-ASCII local part needs SMTPUTF8', async () => {
    const c = await loggedIn(h.starttlsPort);
    assert.match((await c.command(`MAIL FROM:<a\xff@${DOMAIN}>`))!.text, /^501 5\.1\.7 .*not UTF-8/);
    assert.equal((await c.command(`MAIL FROM:<app@${DOMAIN}>`))?.code, 250);
    assert.match((await c.command('RCPT TO:<j\xe9r\xf4me@example.org>'))!.text, /^501 5\.1\.3 .*not UTF-8/);
    c.write(Buffer.from('RCPT TO:<jérôme@example.org>\r\n', 'utf8'));
    assert.match((await c.read())!.text, /^553 5\.6\.7 .*SMTPUTF8/);
    assert.equal((await c.command('RSET'))?.code, 250);
    c.write(Buffer.from(`MAIL FROM:<app@${DOMAIN}> SMTPUTF8\r\nRCPT TO:<jérôme@example.org>\r\n`, 'utf8'));
    assert.equal((await c.read())?.code, 250);
    assert.equal((await c.read())?.code, 250, 'in an SMTPUTF8 transaction the UTF-8 local part is taken');
    await c.command('DATA');
    c.write(message('utf8-local@example.com') + '.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const m = (await storedMessages(h.store)).find((x) => x.message.messageId === 'utf8-local@example.com')!;
    assert.deepEqual(
      m.recipients.map((x) => x.address),
      ['jérôme@example.org'],
    );
    assert.ok(!(await storedMessages(h.store)).some((x) => x.recipients.some((r) => r.address.includes('\ufffd'))), 'no U+FFFD stored');
  });

  test('a recipient repeated in another case is one recipient: the first, with its case and the DSN parameters it was accepted with', async () => {
    const c = await loggedIn(h.starttlsPort);
    await c.command(`MAIL FROM:<app@${DOMAIN}>`);
    assert.equal((await c.command('RCPT TO:<Smith@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Smith@example.org'))?.code, 250);
    assert.equal((await c.command('RCPT TO:<smith@example.org>'))?.code, 250);
    await c.command('DATA');
    c.write(message('case-merge@example.com') + '.\r\n');
    assert.equal((await c.read())?.code, 250);
    c.destroy();
    const m = (await storedMessages(h.store)).find((x) => x.message.messageId === 'case-merge@example.com')!;
    assert.deepEqual(
      m.recipients.map((x) => [x.address, x.notify, x.orcpt]),
      [['Smith@example.org', ['SUCCESS', 'FAILURE'], 'rfc822;Smith@example.org']],
    );
  });

  test('a refusal names an internationalised domain as the client wrote it in ASCII (an A-label), not decoded', async () => {
    const c = await loggedIn(h.starttlsPort);
    const r = await c.command('MAIL FROM:<a@xn--mnchen-3ya.example>');
    assert.match(r!.text, /^553 5\.7\.1 Sender address <a@xn--mnchen-3ya\.example> not allowed/);
    assert.ok(/^[\x20-\x7e\n]*$/.test(r!.text), 'an ASCII reply');
    c.destroy();
  });

  test('a quoted local part may hold a space: its parameters are read after the closing ">"', async () => {
    const c = await loggedIn(h.starttlsPort);
    const r = await c.command(`MAIL FROM:<"a b"@${DOMAIN}> BODY=8BITMIME`);
    assert.doesNotMatch(r!.text, /unsupported MAIL parameter/);
    c.destroy();
  });
});
