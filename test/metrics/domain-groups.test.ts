import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainGroup } from '../../src/metrics/domain-groups.js';

test('consumer mailbox domains map to their provider group, any case', () => {
  const cases: [string, string][] = [
    ['gmail.com', 'gmail'],
    ['GoogleMail.com', 'gmail'],
    ['outlook.com', 'outlook'],
    ['hotmail.co.uk', 'outlook'],
    ['hotmail.fr', 'outlook'],
    ['live.com', 'outlook'],
    ['msn.com', 'outlook'],
    ['yahoo.com', 'yahoo'],
    ['yahoo.co.jp', 'yahoo'],
    ['ymail.com', 'yahoo'],
    ['aol.com', 'yahoo'],
    ['icloud.com', 'icloud'],
    ['me.com', 'icloud'],
    ['mac.com', 'icloud'],
    ['gmx.de', 'gmx'],
    ['gmx.net', 'gmx'],
    ['web.de', 'gmx'],
    ['gmail.com.', 'gmail'],
  ];
  for (const [domain, group] of cases) assert.equal(domainGroup(domain), group, domain);
});

test('everything else is other, including look-alikes and subdomains of unrelated hosts', () => {
  for (const domain of ['example.org', 'live.example.com', 'gmail.example.com', 'notgmail.com', 'web.com', 'me.de', 'localhost', '', null, undefined]) {
    assert.equal(domainGroup(domain), 'other', String(domain));
  }
});
