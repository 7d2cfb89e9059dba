/** The suppression list: search, add, remove, with the reason and the message that caused each entry. */
import type { SuppressionRecord } from '../../store/store.js';
import { time } from '../format.js';
import { html, url, type Html } from '../html.js';
import { csrfField, page, type PageUser } from '../layout.js';

export interface SuppressionRow extends SuppressionRecord {
  /** The message of the event that caused it (a bounce or a complaint), when known. */
  cause: { queueId: string; messageId: string | null } | null;
}

export function suppressionsPage(opts: { user: PageUser; rows: SuppressionRow[]; contains: string; total: number; next: string | null; notice: Html }): Html {
  const admin = opts.user.principal.scope === 'admin';
  const back = url('/ui/suppressions', { contains: opts.contains });
  const rows = opts.rows.map(
    (s) => html`<tr>
  <th scope="row" class="mono" data-label="Address">${s.address}</th>
  <td data-label="Source">${s.source}</td>
  <td data-label="Reason" class="mono">${s.reason}</td>
  <td data-label="Since">${time(s.createdAt)}</td>
  <td data-label="Caused by">${s.cause ? html`<a href="${url('/ui/messages/', s.cause.queueId)}">${s.cause.messageId ? `<${s.cause.messageId}>` : s.cause.queueId}</a>` : '—'}</td>
  ${admin ? html`<td><form method="post" action="/ui/suppressions/remove" class="inline">${csrfField(opts.user)}<input type="hidden" name="address" value="${s.address}"><input type="hidden" name="back" value="${back}"><button type="submit" aria-label="Remove ${s.address}">Remove</button></form></td>` : ''}
</tr>`,
  );
  return page({
    title: 'Suppressions',
    section: 'suppressions',
    user: opts.user,
    body: html`<h1>Suppression list</h1>
<p>Mail to these addresses is accepted from apps but never sent: hard bounces and complaints put them here. ${opts.total} address${opts.total === 1 ? '' : 'es'} in all.</p>
${opts.notice}
<form method="get" action="/ui/suppressions" class="search" role="search" aria-label="Suppressions">
  <div class="field"><label for="f-contains">Address contains</label><input id="f-contains" name="contains" value="${opts.contains}" aria-describedby="contains-hint"><small id="contains-hint">Any part: a name, a domain.</small></div>
  <button type="submit">Search</button>
</form>
${
  admin
    ? html`<form method="post" action="/ui/suppressions" class="add">
  ${csrfField(opts.user)}
  <fieldset><legend>Add an address</legend>
  <div class="field"><label for="f-address">Address</label><input id="f-address" name="address" type="email" required></div>
  <div class="field"><label for="f-reason">Reason</label><input id="f-reason" name="reason" maxlength="500" placeholder="added by an operator"></div>
  <button type="submit">Add</button></fieldset>
</form>`
    : ''
}
${
  rows.length
    ? html`<div class="scroll"><table class="stack">
<caption>${opts.contains ? `Addresses containing “${opts.contains}”, newest first` : 'Newest first'}</caption>
<thead><tr><th scope="col">Address</th><th scope="col">Source</th><th scope="col">Reason</th><th scope="col">Since (UTC)</th><th scope="col">Caused by</th>${admin ? html`<th scope="col"><span class="visually-hidden">Action</span></th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table></div>
${opts.next ? html`<p class="pager"><a href="${opts.next}" rel="next">More →</a></p>` : ''}`
    : html`<p role="status">No address${opts.contains ? ' matches' : ' is suppressed'}.</p>`
}`,
  });
}
