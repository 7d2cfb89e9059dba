import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeFromText, normaliseEnhanced, parseEnhanced, splitReply } from '../../src/classify/index.js';

test('parseEnhanced finds the first well-formed status and ignores IP addresses and versions', () => {
  assert.equal(parseEnhanced('550-5.1.1 The email account'), '5.1.1');
  assert.equal(parseEnhanced('smtp; 550 #5.1.0 Address rejected.'), '5.1.0');
  assert.equal(parseEnhanced('Client host [192.0.2.5] blocked; see 5.7.1'), '5.7.1');
  assert.equal(parseEnhanced('relay 10.4.1.2 said no'), null);
  assert.equal(parseEnhanced('Postfix 3.5.1.4 here'), null);
  assert.equal(parseEnhanced('4.7.650 The mail server has been rate limited'), '4.7.650');
  assert.equal(parseEnhanced('status 3.1.1 is not a class'), null);
  assert.equal(parseEnhanced('5.8.1 subject 8 does not exist'), null);
  assert.equal(parseEnhanced('ends with 5.2.2.'), '5.2.2');
  assert.equal(parseEnhanced(null), null);
  assert.equal(normaliseEnhanced(' 5.1.01 '), '5.1.1');
  assert.equal(normaliseEnhanced('bogus'), null);
});

test('splitReply strips code prefixes and the repeated status of a multi-line reply', () => {
  const s = splitReply(
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address\r\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp",
  );
  assert.equal(s.code, 550);
  assert.equal(s.enhanced, '5.1.1');
  assert.equal(
    s.text,
    "The email account that you tried to reach does not exist. Please try\ndouble-checking the recipient's email address\nhttps://support.google.com/mail/?p=NoSuchUser - gsmtp",
  );
  assert.deepEqual(splitReply('250 OK'), { code: 250, enhanced: null, text: 'OK' });
  // A status of another class is text, not a prefix.
  assert.deepEqual(splitReply('421 5.7.1 odd server'), { code: 421, enhanced: null, text: '5.7.1 odd server' });
});

test('codeFromText reads the code a diagnostic starts with or quotes', () => {
  assert.equal(codeFromText('smtp; 550 5.1.1 <a@b>... User unknown'), 550);
  assert.equal(codeFromText('550-5.7.26 Unauthenticated'), 550);
  assert.equal(codeFromText('host mx.example.org[192.0.2.1] said: 554 5.7.1 rejected'), 554);
  assert.equal(codeFromText('host mx.example.org [192.0.2.1]: 452 4.2.2 full'), 452);
  assert.equal(codeFromText('Connection timed out'), null);
});
