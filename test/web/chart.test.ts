import assert from 'node:assert/strict';
import { test } from 'node:test';
import { niceMax, stackedBars } from '../../src/web/chart.js';

test('axis maxima are round: 1, 2 or 5 times a power of ten', () => {
  assert.deepEqual([0, 1, 3, 7, 10, 11, 180, 2400].map(niceMax), [1, 1, 5, 10, 10, 20, 200, 5000]);
});

test('bars stack in series order, scaled to the axis; empty parts are not drawn; every bar has its numbers as a title', () => {
  const svg = stackedBars({
    id: 'c',
    title: 'T',
    summary: 'S',
    series: [
      { key: 'a', label: 'alpha' },
      { key: 'b', label: 'beta' },
    ],
    bars: [
      { label: '10:00', values: { a: 5, b: 5 } },
      { label: '11:00', values: { a: 0, b: 2 } },
    ],
  }).value;
  assert.match(
    svg,
    /<title>10:00: 5 alpha, 5 beta<\/title><rect class="bar bar-a" x="[\d.]+" y="102\.0" width="[\d.]+" height="92\.0"\/><rect class="bar bar-b" x="[\d.]+" y="10\.0" width="[\d.]+" height="92\.0"\/>/,
  );
  assert.match(svg, /<title>11:00: 0 alpha, 2 beta<\/title><rect class="bar bar-b"/, 'no rectangle for a zero');
  assert.match(svg, /role="img" aria-labelledby="c-title c-desc"/);
});
