/** Delivery health: outcomes over three windows, bounce and complaint rates, the domains that fail most. */
import { SERIES, type Chart, type HealthReport } from '../../query/health.js';
import { stackedBars } from '../chart.js';
import { percent } from '../format.js';
import { html, url, type Html } from '../html.js';
import { page, type PageUser } from '../layout.js';

const LABELS: Record<(typeof SERIES)[number], string> = { delivered: 'delivered', deferred: 'deferred', bounced: 'bounced', complained: 'complained' };

function bucketLabel(c: Chart, start: string): string {
  return c.unit === 'day' ? start.slice(5, 10) : start.slice(11, 16);
}

function chartSection(c: Chart, i: number): Html {
  const id = `chart-${i}`;
  const total = (k: (typeof SERIES)[number]) => c.buckets.reduce((n, b) => n + b[k], 0);
  const summary = `Per ${c.unit}: ${SERIES.map((k) => `${total(k)} ${LABELS[k]}`).join(', ')} in all.`;
  return html`<section class="chart-block" aria-labelledby="${id}-h">
<h2 id="${id}-h">${c.title} <span class="small">(per ${c.unit}, UTC)</span></h2>
${stackedBars({
  id,
  title: `${c.title}: outcomes per ${c.unit}`,
  summary,
  series: SERIES.map((k) => ({ key: k, label: LABELS[k] })),
  bars: c.buckets.map((b) => ({
    label: bucketLabel(c, b.start),
    values: { delivered: b.delivered, deferred: b.deferred, bounced: b.bounced, complained: b.complained },
  })),
})}
<p class="small">${summary}</p>
<details><summary>The numbers</summary><div class="scroll"><table class="numbers">
<caption class="visually-hidden">${c.title}</caption>
<thead><tr><th scope="col">${c.unit === 'day' ? 'Day' : 'From'}</th>${SERIES.map((k) => html`<th scope="col">${LABELS[k]}</th>`)}</tr></thead>
<tbody>${c.buckets.map((b) => html`<tr><th scope="row">${c.unit === 'day' ? b.start.slice(0, 10) : b.start.slice(0, 16).replace('T', ' ')}</th>${SERIES.map((k) => html`<td class="num">${b[k]}</td>`)}</tr>`)}</tbody>
</table></div></details>
</section>`;
}

export function healthPage(opts: { user: PageUser; report: HealthReport }): Html {
  const r = opts.report;
  return page({
    title: 'Health',
    section: 'health',
    user: opts.user,
    body: html`<h1>Delivery health</h1>
<ul class="legend" aria-label="Legend">${SERIES.map((k) => html`<li><span class="swatch bar-${k}" aria-hidden="true"></span>${LABELS[k]}</li>`)}</ul>
<div class="rates">${r.rates.map(
      (x) => html`<section class="card" aria-label="Rates, ${x.window}">
  <h2>${x.window}</h2>
  <p><span class="big">${percent(x.bounce_rate)}</span> bounce rate <span class="small">(${x.bounced} bounced of ${x.delivered + x.bounced} sent)</span></p>
  <p><span class="big">${percent(x.complaint_rate)}</span> complaint rate <span class="small">(${x.complained} of ${x.delivered} delivered)</span></p>
</section>`,
    )}</div>
${r.charts.map(chartSection)}
<section aria-labelledby="h-failing">
<h2 id="h-failing">Destinations failing most (last 24 hours)</h2>
${
  r.failing.length
    ? html`<div class="scroll"><table class="stack">
<caption class="visually-hidden">Domains with the most bounces and deferrals, and their most common reply</caption>
<thead><tr><th scope="col">Domain</th><th scope="col">Failures</th><th scope="col">Most common reply</th><th scope="col">What it means</th></tr></thead>
<tbody>${r.failing.map(
        (f) => html`<tr><th scope="row" data-label="Domain"><a href="${url('/ui/messages', { domain: f.domain })}">${f.domain}</a></th>
<td data-label="Failures" class="num">${f.failures}<span class="small"> (${f.bounced} bounced, ${f.deferred} deferred)</span></td>
<td data-label="Most common reply"><span class="mono">${f.reply}</span><span class="small"> ×${f.reply_count}</span></td>
<td data-label="What it means">${f.explanation ?? '—'}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>No failures in the last 24 hours.</p>`
}
</section>
<p class="small">Generated ${r.generated_at.slice(0, 19).replace('T', ' ')} UTC. Counts are of events: a message delivered and bounced later by mail counts in both.</p>`,
  });
}
