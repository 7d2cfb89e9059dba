/** Random replies: every one gets a valid category, a sentence and consistent verdicts; nothing throws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryIsHard, classify } from '../../src/classify/index.js';
import { CATEGORIES } from '../../src/classify/types.js';
import { PHASES } from '../../src/types.js';
import type { ResponseInput } from '../../src/classify/types.js';
import { prng as rng } from '../helpers/prng.js';

const WORDS = [
  'user',
  'unknown',
  'mailbox',
  'full',
  'spam',
  'blocked',
  'try',
  'again',
  'later',
  'rate',
  'limit',
  'TLS',
  'required',
  'relay',
  'denied',
  'quota',
  'greylisted',
  'virus',
  'DMARC',
  'SPF',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'NXDOMAIN',
  'policy',
  'reputation',
  'Spamhaus',
  'does',
  'not',
  'exist',
  '5.1.1',
  '4.7.0',
  '550-5.7.26',
  '192.0.2.1',
  '<a@example.org>',
  '\n',
  'ok',
  'queued',
  'über',
  '💌',
  '',
];
const PHASE_CHOICES: ResponseInput['phase'][] = [...PHASES, 'dsn', null];
const CODE_CHOICES = [
  null,
  220,
  250,
  251,
  354,
  421,
  450,
  451,
  452,
  454,
  500,
  501,
  502,
  503,
  504,
  521,
  530,
  535,
  550,
  551,
  552,
  553,
  554,
  556,
  599,
  199,
  600,
  0,
  -1,
];
const STATUS_CHOICES = [
  null,
  '2.0.0',
  '2.1.5',
  '4.2.0',
  '4.4.1',
  '4.7.28',
  '5.1.1',
  '5.1.10',
  '5.2.2',
  '5.7.1',
  '5.7.26',
  '5.9.9',
  'garbage',
  '',
  '5.1',
  '4.0.0',
];

test('five hundred random replies are all classified and explained', () => {
  const rand = rng(20240501);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const categories = new Set<string>(CATEGORIES);
  for (let i = 0; i < 500; i++) {
    const n = Math.floor(rand() * 12);
    const text = rand() < 0.1 ? null : Array.from({ length: n }, () => pick(WORDS)).join(' ');
    const input: ResponseInput = { phase: pick(PHASE_CHOICES), code: pick(CODE_CHOICES), enhanced: pick(STATUS_CHOICES), text };
    if (rand() < 0.1) input.error = pick(['ECONNRESET', 'ETIMEDOUT', 'ETLS', 'ENOTFOUND', '']);
    const c = classify(input);
    const where = JSON.stringify(input);
    assert.ok(categories.has(c.category), where);
    assert.equal(typeof c.explanation, 'string', where);
    assert.ok(c.explanation.trim().length > 15, where);
    assert.match(c.explanation, /[.)]$/, where);
    assert.ok(c.rule.length > 0, where);
    assert.equal(c.hard, categoryIsHard(c.category), where);
    assert.ok(c.permanent === null || typeof c.permanent === 'boolean', where);
    if (c.permanent === null) assert.equal(c.category, 'accepted', where);
    if (c.enhanced !== null) assert.match(c.enhanced, /^[245]\.[0-7]\.\d{1,3}$/, where);
    if (input.code !== null && input.code >= 500 && input.code < 600 && input.phase !== 'dsn') assert.equal(c.permanent, true, where);
    if (input.code !== null && input.code >= 400 && input.code < 500 && input.phase !== 'dsn') assert.equal(c.permanent, false, where);
  }
});
