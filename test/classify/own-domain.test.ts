/**
 * The recipient's domain as a name (src/classify/own-domain.ts): which domains are masked, how, and a delivery
 * attempt's domain the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEUTRAL_NAME, domainToMask, ownDomainToMask, replyNamesToMask } from '../../src/classify/own-domain.js';

test("only a domain whose own labels hold a rule's word is masked, with every host under it", () => {
  for (const plain of ['ann@yahoo.com', 'ann@qq.com', 'ann@t-online.de', 'ann@example.co.jp', 'ann@mail.example.com', 'no-domain', ''])
    assert.equal(ownDomainToMask(plain), null, plain);
  // The suffix is not read: "co" of .co.jp or "com" hold no word, but neither would "spam.co.jp"'s suffix.
  const own = ownDomainToMask('Ann@Mail.UnknownWorlds.co.jp');
  assert.ok(own);
  assert.equal(
    own.mask('host mx1.unknownworlds.co.jp[192.0.2.7] said: 550 <ann@mail.unknownworlds.co.jp> rejected; see www.unknownworlds.co.jp.example'),
    `host ${NEUTRAL_NAME}[192.0.2.7] said: 550 <ann@${NEUTRAL_NAME}> rejected; see ${NEUTRAL_NAME}.example`,
  );
  // A filtering service's host named after the customer's domain holds the same words.
  assert.equal(own.mask('lookup of unknownworlds.co.jp.1.0001.arsmtp.com. failed'), `lookup of ${NEUTRAL_NAME}.1.0001.arsmtp.com. failed`);
  // A longer name that merely ends the same way is another domain.
  assert.equal(own.mask('relay at notunknownworlds.co.jp'), 'relay at notunknownworlds.co.jp');
  assert.ok(ownDomainToMask('kim@relay.fm'));
  assert.ok(ownDomainToMask('kim@spamcop.net'));
});

test("a delivery attempt's domain is masked as an address at it is", () => {
  assert.equal(domainToMask('timeout.test')?.mask('421 mx.timeout.test Service not available'), `421 ${NEUTRAL_NAME} Service not available`);
  assert.equal(domainToMask('example.com'), null);
});

test("the answering host's domain is masked beside the recipient's; what is shown back names the recipient's", () => {
  const names = replyNamesToMask('kim@shop.test', 'mx1.virusfree.test');
  assert.ok(names);
  assert.equal(names.mask('554 mx1.virusfree.test: rejected'), `554 ${NEUTRAL_NAME}: rejected`);
  assert.equal(names.unmask(`554 ${NEUTRAL_NAME}`), `554 ${NEUTRAL_NAME}`);
  const both = replyNamesToMask('timeout.test', 'mx1.virusfree.test');
  assert.equal(both?.mask('mx.timeout.test and mx1.virusfree.test'), `${NEUTRAL_NAME} and ${NEUTRAL_NAME}`);
  assert.equal(both?.unmask(NEUTRAL_NAME), 'timeout.test');
  assert.equal(replyNamesToMask('kim@shop.test', 'mx.shop.test'), null);
  assert.equal(replyNamesToMask(null, '192.0.2.7'), null);
});
