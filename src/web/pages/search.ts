/** Search: the form (works without script: a plain GET) and one page of results, newest first, each with its verdicts. */
import type { SearchResult } from '../../query/search.js';
import { SEARCH_STATES } from '../../api/schemas.js';
import { badge, time } from '../format.js';
import { html, url, type Html } from '../html.js';
import { page, type PageUser } from '../layout.js';

export const SEARCH_FIELDS = ['q', 'recipient', 'domain', 'sender', 'subject', 'tag', 'state', 'since', 'until'] as const;
export type SearchForm = Partial<Record<(typeof SEARCH_FIELDS)[number], string>>;

function field(
  form: SearchForm,
  error: { field: string; message: string } | null,
  name: keyof SearchForm,
  label: string,
  opts: { type?: string; hint?: string; placeholder?: string } = {},
): Html {
  const bad = error?.field === name;
  const described = [opts.hint ? `${name}-hint` : null, bad ? `${name}-error` : null].filter(Boolean).join(' ');
  return html`<div class="field">
  <label for="f-${name}">${label}</label>
  <input id="f-${name}" name="${name}" type="${opts.type ?? 'text'}" value="${form[name] ?? ''}"${opts.placeholder ? html` placeholder="${opts.placeholder}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${bad ? html` aria-invalid="true"` : ''}>
  ${opts.hint ? html`<small id="${name}-hint">${opts.hint}</small>` : ''}
  ${bad ? html`<small class="field-error" id="${name}-error">${error!.message}</small>` : ''}
</div>`;
}

export function searchPage(opts: {
  user: PageUser;
  form: SearchForm;
  result: SearchResult | null;
  error: { field: string; message: string } | null;
  next: string | null;
}): Html {
  const { form, result, error } = opts;
  // A bad state (from a URL: the select offers only good ones) is said at the select, as at any field.
  const badState = error?.field === 'state';
  const state = html`<div class="field">
  <label for="f-state">State</label>
  <select id="f-state" name="state"${badState ? html` aria-invalid="true" aria-describedby="state-error"` : ''}>
    <option value="">any</option>
    ${SEARCH_STATES.map((s) => html`<option value="${s}"${form.state === s ? html` selected` : ''}>${s}</option>`)}
  </select>
  ${badState ? html`<small class="field-error" id="state-error">${error!.message}</small>` : ''}
</div>`;
  const rows = (result?.messages ?? []).map(
    (m) => html`<tr>
  <td data-label="Accepted">${time(m.created_at)}</td>
  <td data-label="Message"><a href="${url('/ui/messages/', m.queue_id)}">${m.subject ?? '(no subject)'}</a>
    <div class="ids"><span class="mono">${m.message_id ? `<${m.message_id}>` : '(no Message-ID)'}</span> · queue id <span class="mono">${m.queue_id}</span></div></td>
  <td data-label="From" class="mono">${m.mail_from === '' ? '<>' : m.mail_from}</td>
  <td data-label="Recipients"><ul class="verdicts">${m.recipients.map((r) => html`<li>${badge(r.state)} <span class="mono">${r.address}</span><br><span class="verdict">${r.verdict}</span></li>`)}</ul></td>
  <td data-label="Tag">${m.tag ?? '—'}</td>
</tr>`,
  );
  const results = result
    ? result.messages.length === 0
      ? html`<p role="status">No message matches.</p>`
      : html`<div class="scroll"><table class="results stack">
<caption>Messages, newest first</caption>
<thead><tr><th scope="col">Accepted (UTC)</th><th scope="col">Message</th><th scope="col">From</th><th scope="col">Recipients and what happened</th><th scope="col">Tag</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
${opts.next ? html`<p class="pager"><a href="${opts.next}" rel="next">Older messages →</a></p>` : ''}`
    : '';
  return page({
    title: 'Messages',
    section: 'messages',
    user: opts.user,
    body: html`<h1>Find a message</h1>
<form method="get" action="/ui/messages" class="search" role="search" aria-label="Messages">
  ${field(form, error, 'q', 'Message-ID or queue id', { hint: 'Exact; with or without < >.', placeholder: '<order-1234@shop.example>' })}
  <details class="more"${SEARCH_FIELDS.some((f) => f !== 'q' && form[f]) || (error && error.field !== 'q') ? html` open` : ''}>
    <summary>More filters</summary>
    <div class="grid">
      ${field(form, error, 'recipient', 'Recipient', { type: 'email' })}
      ${field(form, error, 'domain', 'Recipient domain')}
      ${field(form, error, 'sender', 'Sender (MAIL FROM)')}
      ${field(form, error, 'subject', 'Subject words', { hint: 'Whole words; all must appear.' })}
      ${field(form, error, 'tag', 'Tag')}
      ${state}
      ${field(form, error, 'since', 'Accepted from', { type: 'date' })}
      ${field(form, error, 'until', 'Accepted until (inclusive)', { type: 'date' })}
    </div>
  </details>
  <button type="submit">Search</button>
</form>
${error && !SEARCH_FIELDS.includes(error.field as never) ? html`<p class="notice error" role="alert">${error.message}</p>` : ''}
${results}`,
  });
}
