/**
 * A stacked bar chart as plain SVG, drawn on the server: no chart library and no script (one fewer
 * dependency to keep up, and the page works with JavaScript off). Each bar has a <title> (a tooltip on
 * hover and focus-free reading for screen readers), the SVG a title and a one-sentence summary, and the
 * page puts the same numbers in a table beside it.
 */
import { html, type Html } from './html.js';

export interface ChartSeries {
  key: string;
  label: string;
}

export interface ChartData {
  id: string;
  title: string;
  summary: string;
  series: readonly ChartSeries[];
  /** One bar per bucket: its label and a value per series key. */
  bars: { label: string; values: Record<string, number> }[];
}

const W = 720;
const H = 220;
const LEFT = 48;
const BOTTOM = 26;
const TOP = 10;

/** 1, 2, 5 × 10^n at or above `n`: round axis maxima. */
export function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export function stackedBars(c: ChartData): Html {
  const totals = c.bars.map((b) => c.series.reduce((n, s) => n + (b.values[s.key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - LEFT - 8;
  const plotH = H - TOP - BOTTOM;
  const slot = plotW / Math.max(1, c.bars.length);
  const barW = Math.max(1, slot * 0.75);
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  const labelled = new Set([0, Math.floor((c.bars.length - 1) / 2), c.bars.length - 1]);
  const bars = c.bars.map((b, i) => {
    let base = 0;
    const x = LEFT + i * slot + (slot - barW) / 2;
    const parts = c.series.map((s) => {
      const v = b.values[s.key] ?? 0;
      if (v === 0) return html``;
      const top = y(base + v);
      const h = y(base) - top;
      base += v;
      return html`<rect class="bar bar-${s.key}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(0.5, h).toFixed(1)}"/>`;
    });
    const tip = `${b.label}: ${c.series.map((s) => `${b.values[s.key] ?? 0} ${s.label}`).join(', ')}`;
    return html`<g><title>${tip}</title>${parts}<rect class="hit" x="${(LEFT + i * slot).toFixed(1)}" y="${TOP}" width="${slot.toFixed(1)}" height="${plotH}"/></g>`;
  });
  return html`<svg class="chart" id="${c.id}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${c.id}-title ${c.id}-desc" preserveAspectRatio="xMidYMid meet">
<title id="${c.id}-title">${c.title}</title>
<desc id="${c.id}-desc">${c.summary}</desc>
${ticks.map((t) => html`<line class="grid" x1="${LEFT}" x2="${W - 8}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="axis" x="${LEFT - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(t) ? t : t.toFixed(1)}</text>`)}
${bars}
${c.bars.map((b, i) => (labelled.has(i) ? html`<text class="axis" x="${(LEFT + i * slot + slot / 2).toFixed(1)}" y="${H - 8}" text-anchor="${i === 0 ? 'start' : i === c.bars.length - 1 ? 'end' : 'middle'}">${b.label}</text>` : ''))}
</svg>`;
}
