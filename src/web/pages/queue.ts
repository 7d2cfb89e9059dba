/** The queue: what waits, per destination, with the last reply it gave and what that means. */
import type { DestinationView } from '../../query/destinations.js';
import type { WaitingSummary } from '../../store/store.js';
import { time } from '../format.js';
import { html, url, type Html } from '../html.js';
import { page, type PageUser } from '../layout.js';

export function queuePage(opts: { user: PageUser; summary: WaitingSummary; destinations: DestinationView[]; now: number }): Html {
  const s = opts.summary;
  const rows = opts.destinations.map(
    (d) => html`<tr>
  <th scope="row" data-label="Destination"><a href="${url('/ui/messages', { domain: d.domain, state: 'deferred' })}">${d.domain}</a></th>
  <td data-label="Waiting" class="num">${d.queued + d.deferred}<span class="small"> (${d.deferred} deferred, ${d.queued} queued${d.active ? `, ${d.active} being delivered` : ''})</span></td>
  <td data-label="Oldest">${time(d.oldest_created_at)}<br><span class="small">waiting ${d.waiting_for}</span></td>
  <td data-label="Last reply">${d.last_reply ? html`<span class="mono">${d.last_reply}</span><br><span class="small">${time(d.last_reply_at)}</span>` : 'not tried yet'}</td>
  <td data-label="What it means">${d.explanation ?? '—'}</td>
  <td data-label="Next attempt">${d.next_attempt ?? '—'}</td>
</tr>`,
  );
  return page({
    title: 'Queue',
    section: 'queue',
    user: opts.user,
    body: html`<h1>Queue</h1>
<p class="summary">${s.queued + s.deferred === 0 ? 'Nothing is waiting: every message has been handed over or has failed for good.' : `${s.queued + s.deferred} recipient${s.queued + s.deferred === 1 ? '' : 's'} waiting: ${s.deferred} deferred (tried, will be tried again), ${s.queued} queued (not tried yet), ${s.leased} being delivered right now.`}${s.oldestCreatedAt !== null ? html` The oldest was accepted ${time(s.oldestCreatedAt)}.` : ''}</p>
${
  rows.length
    ? html`<div class="scroll"><table class="stack">
<caption>Destinations with mail waiting, most first</caption>
<thead><tr><th scope="col">Destination</th><th scope="col">Waiting</th><th scope="col">Oldest (UTC)</th><th scope="col">Last reply</th><th scope="col">What it means</th><th scope="col">Next attempt</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : ''
}`,
  });
}
