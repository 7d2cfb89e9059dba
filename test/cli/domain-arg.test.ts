import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainArg } from '../../src/cli/domain-arg.js';

test('a domain argument becomes the A-label the store and DNS use; what is no domain name is refused', () => {
  assert.equal(domainArg('Bücher.DE.'), 'xn--bcher-kva.de');
  assert.equal(domainArg(' example.com '), 'example.com');
  for (const bad of ['1.2.3.4', 'localhost', `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}com`, '-bad.example', 'bad-.example', 'a..b', 'exa mple.com'])
    assert.equal(domainArg(bad), null, bad);
  assert.equal(domainArg(`${'a'.repeat(63)}.example`), `${'a'.repeat(63)}.example`);
});
