/**
 * One message: the verdict per recipient first (the sentence to repeat to a customer), then the actions,
 * the timeline with every phase of every attempt and every reply explained, the bounces received, the
 * notices sent to the sender, the webhooks, and the facts (submission, signatures, TLS, headers).
 */
import type { MessageDetails } from '../../query/details.js';
import { sentStatus, type AttemptEntry, type FateEvent, type MessageFate, type TimelineEntry } from '../../query/fate.js';
import { describeAttempt, describeEvent } from '../../query/render.js';
import { recipientSummary } from '../../query/summary.js';
import { badge, reply, sentence, size, time } from '../format.js';
import { html, url, type Html } from '../html.js';
import { csrfField, page, type PageUser } from '../layout.js';

const WAITING = new Set(['queued', 'deferred']);

/** A POST button with the CSRF token; only shown to admins (the route refuses the others anyway). */
function action(user: PageUser, path: string, label: string, hidden: Record<string, string> = {}, cls = ''): Html {
  return html`<form method="post" action="${path}" class="inline">${csrfField(user)}${Object.entries(hidden).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`;
}

function verdicts(f: MessageFate, user: PageUser, back: string): Html {
  const admin = user.principal.scope === 'admin';
  return html`<ul class="verdict-list">${f.recipients.map(
    (r) => html`<li class="verdict-${r.state}">
  <div class="who">${badge(r.state)} <span class="mono">${r.address}</span></div>
  <p class="verdict">${sentence(r.verdict)}</p>
  ${r.explanation ? html`<p class="why"><span class="label">Why:</span> ${r.explanation}</p>` : ''}
  ${admin && r.state === 'suppressed' ? action(user, '/ui/suppressions/remove', 'Remove this address from the suppression list', { address: r.address, back }, 'secondary') : ''}
</li>`,
  )}</ul>`;
}

function tlsOf(p: FateEvent): string | null {
  const d = p.detail ?? {};
  if (p.phase !== 'starttls' || typeof d.protocol !== 'string') return null;
  return [
    d.protocol,
    typeof d.cipher === 'string' ? d.cipher : null,
    d.verified === true ? 'certificate verified' : d.verified === false ? 'certificate not verified' : null,
  ]
    .filter(Boolean)
    .join(', ');
}

function phaseRow(p: FateEvent): Html {
  const error = typeof p.detail?.error === 'string' && p.code === null ? p.detail.error : null;
  const lines = (p.text ?? '').split('\n');
  const tls = tlsOf(p);
  return html`<tr>
  <th scope="row" data-label="Step">${p.phase ?? '?'}${p.phase === 'rcpt' && p.recipient ? html`<br><span class="mono small">${p.recipient}</span>` : ''}</th>
  <td class="mono" data-label="Reply">${reply({ code: p.code, enhanced: p.enhanced, text: lines[0] ?? null }, null)}${error ? html` <span class="error-code">[${error}]</span>` : ''}${lines.length > 1 ? html`<details class="more-lines"><summary>${lines.length - 1} more line${lines.length === 2 ? '' : 's'}</summary><pre>${lines.slice(1).join('\n')}</pre></details>` : ''}</td>
  <td data-label="What it means">${p.explanation ?? '—'}${tls ? html`<br><span class="tls">TLS: ${tls}</span>` : ''}</td>
  <td class="num" data-label="Time">${p.duration_ms !== null ? `${p.duration_ms} ms` : '—'}</td>
</tr>`;
}

function attempt(a: AttemptEntry, open: boolean): Html {
  const results = a.outcomes.map((o) => `${o.kind} ${o.recipient ?? ''}`.trim()).join(', ');
  return html`<details class="attempt"${open ? html` open` : ''}>
  <summary>${time(a.started_at)} — ${describeAttempt(a)}${results ? html` — <strong>${results}</strong>` : ''}</summary>
  <div class="scroll"><table class="phases stack">
    <caption class="visually-hidden">Every step of this attempt and the server's reply</caption>
    <thead><tr><th scope="col">Step</th><th scope="col">Reply</th><th scope="col">What it means</th><th scope="col">Time</th></tr></thead>
    <tbody>${a.phases.map(phaseRow)}</tbody>
  </table></div>
  ${a.outcomes.length ? html`<ul class="outcomes">${a.outcomes.map((o) => html`<li>${badge(o.kind)} <span class="mono">${o.recipient ?? ''}</span>: <span class="mono">${reply({ ...o, enhanced: sentStatus(o) })}</span>${o.explanation ? html` — ${o.explanation}` : ''}</li>`)}</ul>` : ''}
</details>`;
}

function entry(e: TimelineEntry, isLastAttempt: boolean): Html {
  if (e.type === 'attempt') return html`<li class="attempt-entry">${attempt(e, isLastAttempt)}</li>`;
  const dsn = e.kind === 'dsn-sent' && typeof e.detail?.dsn_queue_id === 'string' ? e.detail.dsn_queue_id : null;
  return html`<li>${time(e.at)} <span class="kind">${e.kind}</span> ${describeEvent(e)}${dsn ? html` — <a href="${url('/ui/messages/', dsn)}">the notice ${dsn}</a>` : ''}${
    e.explanation && e.kind !== 'received' ? html`<br><span class="why">${e.explanation}</span>` : ''
  }</li>`;
}

function timelineSection(f: MessageFate, paged: boolean): Html {
  const lastAttempt = f.timeline.reduce((i, e, n) => (e.type === 'attempt' ? n : i), -1);
  const more = f.timeline_more;
  const here = url('/ui/messages/', f.queue_id);
  return html`<section aria-labelledby="h-timeline">
<h2 id="h-timeline">Timeline</h2>
<p class="hint">Oldest first, times in UTC. Each attempt lists every step with the server's reply and what it means; the last attempt is open.</p>
${more ? html`<p class="hint">${more.omitted} earlier ${more.omitted === 1 ? 'entry is' : 'entries are'} not shown. <a href="${url('/ui/messages/', f.queue_id, { timeline_before: more.before })}#h-timeline">Show earlier entries</a></p>` : ''}
<ol class="timeline">${f.timeline.map((e, i) => entry(e, i === lastAttempt))}</ol>
${paged ? html`<p><a href="${here}#h-timeline">Back to the latest entries</a></p>` : ''}
</section>`;
}

function inboundSection(d: MessageDetails): Html {
  if (d.inbound.length === 0) return html``;
  return html`<section aria-labelledby="h-inbound">
<h2 id="h-inbound">Bounces and reports received</h2>
${d.inbound.map(
  (b) => html`<article class="card">
  <h3>${b.kind ?? 'not processed yet'} ${time(b.received_at)}</h3>
  <dl class="facts">
    <dt>From</dt><dd class="mono">${b.mail_from === '' ? '<> (null sender)' : b.mail_from}</dd>
    <dt>Format</dt><dd>${b.format ?? '—'}</dd>
    <dt>Matched by</dt><dd>${b.match_rule ?? '—'}</dd>
    <dt>Reported by</dt><dd class="mono">${b.reporting_mta ?? '—'}</dd>
    ${b.feedback_type ? html`<dt>Feedback type</dt><dd>${b.feedback_type}</dd>` : ''}
    ${b.error ? html`<dt>Parse error</dt><dd>${b.error}</dd>` : ''}
  </dl>
  ${
    b.recipients.length
      ? html`<div class="scroll"><table><caption>What it says, per recipient</caption><thead><tr><th scope="col">Recipient</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Diagnostic</th><th scope="col">Category</th></tr></thead>
<tbody>${b.recipients.map((r) => html`<tr><td class="mono">${r.address ?? '—'}</td><td>${r.action ?? '—'}</td><td class="mono">${r.status ?? '—'}</td><td class="mono">${r.diagnostic ?? '—'}</td><td>${r.category ?? '—'}${r.hard === true ? ' (hard)' : r.hard === false ? ' (soft)' : ''}</td></tr>`)}</tbody></table></div>`
      : ''
  }
  <p><a href="${url('/ui/inbound/', b.id)}">Show the mail as received (${size(b.size)})</a></p>
</article>`,
)}
</section>`;
}

/** Said under a section read from the timeline when the timeline shown is not all of it. */
const partial = (f: MessageFate, paged: boolean) =>
  f.timeline_more || paged ? html`<p class="hint">From the timeline entries shown above, not the whole history.</p>` : '';

function noticesSection(f: MessageFate): Html {
  // From the whole history, not the timeline's page: a long timeline's latest entries may not show them.
  const sent = f.reports_sent;
  if (sent.length === 0) return html``;
  return html`<section aria-labelledby="h-dsn">
<h2 id="h-dsn">Notices sent to the sender</h2>
<ul>${sent.map(
    (e) =>
      html`<li>${time(e.at)}: a ${e.type ?? ''} report about <span class="mono">${e.recipient ?? ''}</span> to <span class="mono">${f.mail_from}</span>${e.dsn_queue_id ? html` — <a href="${url('/ui/messages/', e.dsn_queue_id)}">notice ${e.dsn_queue_id}</a>` : ''}</li>`,
  )}</ul>
</section>`;
}

function webhooksSection(d: MessageDetails, user: PageUser, back: string): Html {
  if (d.webhooks.length === 0) return html``;
  const admin = user.principal.scope === 'admin';
  return html`<section aria-labelledby="h-webhooks">
<h2 id="h-webhooks">Webhooks</h2>
<div class="scroll"><table>
<caption class="visually-hidden">Webhook deliveries for this message's events</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Endpoint</th><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${d.webhooks.map(
    (w) => html`<tr>
  <td>${w.id}</td><td>${w.endpoint}</td><td>${w.type} #${w.event_id}</td><td>${badge(w.state)}</td><td class="num">${w.attempts}</td>
  <td>${w.state === 'delivered' ? html`delivered ${time(w.delivered_at)}` : (w.last_error ?? (w.last_status !== null ? `HTTP ${w.last_status}` : '—'))}${w.next_attempt_at ? html`<br>next ${time(w.next_attempt_at)}` : ''}</td>
  <td>${admin && w.state === 'failed' ? action(user, `${url('/ui/webhooks/', w.id)}/resend`, 'Send again', { back }) : ''}</td>
</tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function factsSection(f: MessageFate, d: MessageDetails | null, paged: boolean): Html {
  const s = f.submission;
  const deliveryTls = f.timeline.flatMap((e) =>
    e.type === 'attempt' ? e.phases.flatMap((p) => (tlsOf(p) ? [`${e.mx ?? e.domain ?? '?'}: ${tlsOf(p)}`] : [])) : [],
  );
  return html`<section aria-labelledby="h-facts">
<h2 id="h-facts">Submission, signatures and TLS</h2>
<dl class="facts">
  <dt>Accepted</dt><dd>${time(f.created_at)}</dd>
  <dt>By</dt><dd>${f.origin === 'dsn' ? 'mailtrail itself (a delivery status notification)' : html`user ${s.user ?? '(none)'} from <span class="mono">${s.client_ip ?? 'unknown address'}</span>${s.client_hostname ? ` (${s.client_hostname})` : ''}`}</dd>
  <dt>Envelope sender</dt><dd class="mono">${f.mail_from === '' ? '<> (null sender)' : f.mail_from}</dd>
  <dt>Size</dt><dd>${size(s.size)}</dd>
  <dt>Tag</dt><dd>${f.tag ?? '—'}</dd>
  ${s.env_id ? html`<dt>Envelope id (ENVID)</dt><dd class="mono">${s.env_id}</dd>` : ''}
  <dt>Submission TLS</dt><dd>${s.tls ? [s.tls.protocol, s.tls.cipher].filter(Boolean).join(', ') : 'none (cleartext)'}</dd>
  <dt>Delivery TLS</dt><dd>${deliveryTls.length ? html`<ul class="plain">${[...new Set(deliveryTls)].map((t) => html`<li>${t}</li>`)}</ul>` : 'none recorded'}${partial(f, paged)}</dd>
  <dt>DKIM signatures</dt><dd>${d && d.signatures.dkim.length ? html`<ul class="plain">${d.signatures.dkim.map((k) => html`<li>d=<span class="mono">${k.domain ?? '?'}</span> s=<span class="mono">${k.selector ?? '?'}</span></li>`)}</ul>` : 'none in the header'}</dd>
  ${d && d.signatures.authentication_results.length ? html`<dt>Authentication-Results</dt><dd class="mono">${d.signatures.authentication_results.map((a) => html`<div>${a}</div>`)}</dd>` : ''}
</dl>
</section>`;
}

function headersSection(d: MessageDetails | null): Html {
  return html`<section aria-labelledby="h-headers">
<h2 id="h-headers">Headers</h2>
${
  d?.headers
    ? html`<details><summary>${d.headers.length} header fields, as stored</summary><div class="scroll"><table class="headers"><caption class="visually-hidden">Header fields</caption><tbody>${d.headers.map((h) => html`<tr><th scope="row" class="mono">${h.name}</th><td class="mono">${h.value}</td></tr>`)}</tbody></table></div></details>`
    : html`<p>The content of this message is no longer kept (retention.content_days), so its headers cannot be shown.</p>`
}
</section>`;
}

export function messagePage(opts: {
  user: PageUser;
  fate: MessageFate;
  details: MessageDetails | null;
  subject: string | null;
  sameMessageId: number;
  notice: Html;
  /** The timeline shown is an earlier page (`timeline_before`). */
  paged?: boolean;
}): Html {
  const { fate: f, user } = opts;
  const back = url('/ui/messages/', f.queue_id);
  const waiting = f.recipients.some((r) => WAITING.has(r.state));
  const actions =
    user.principal.scope === 'admin' && waiting
      ? html`<div class="actions" role="group" aria-label="Actions">${action(user, `${back}/retry`, 'Retry now')}${action(user, `${back}/cancel`, 'Cancel delivery', {}, 'danger')}</div>`
      : '';
  return page({
    title: opts.subject ?? f.message_id ?? f.queue_id,
    section: 'messages',
    user,
    body: html`<p class="crumbs"><a href="/ui/messages">Messages</a> ›</p>
<h1>${opts.subject ?? '(no subject)'}</h1>
${opts.notice}
<p class="summary">${sentence(recipientSummary(f.recipients))}</p>
<dl class="ids">
  <dt>Message-ID</dt><dd class="mono">${f.message_id ? `<${f.message_id}>` : '(none)'}${f.message_id_added ? ' (added by mailtrail: the app sent none)' : ''}${
    opts.sameMessageId > 1 ? html` — <a href="${url('/ui/messages', { q: f.message_id ?? '' })}">${opts.sameMessageId} messages have this Message-ID</a>` : ''
  }</dd>
  <dt>Queue id</dt><dd class="mono">${f.queue_id}</dd>
</dl>
<section aria-labelledby="h-verdict">
<h2 id="h-verdict">What happened</h2>
${verdicts(f, user, back)}
${actions}
</section>
${timelineSection(f, opts.paged ?? false)}
${inboundSection(opts.details ?? { inbound: [], webhooks: [], headers: null, signatures: { dkim: [], authentication_results: [] } })}
${noticesSection(f)}
${opts.details ? webhooksSection(opts.details, user, back) : ''}
${factsSection(f, opts.details, opts.paged ?? false)}
${headersSection(opts.details)}`,
  });
}
