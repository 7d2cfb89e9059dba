/** One inbound mail (a bounce, a complaint…) as it was received, byte for byte as text. */
import { size, time } from '../format.js';
import { html, url, type Html } from '../html.js';
import { page, type PageUser } from '../layout.js';

/** Above this the mail is cut on the page (it stays whole in the database and in `mailtrail bounces --id N --raw`). */
export const RAW_SHOWN = 512 * 1024;

export function inboundPage(opts: {
  user: PageUser;
  id: number;
  receivedAt: number;
  mailFrom: string;
  kind: string | null;
  raw: Buffer;
  message: { queueId: string } | null;
}): Html {
  const cut = opts.raw.length > RAW_SHOWN;
  return page({
    title: `Inbound mail ${opts.id}`,
    section: 'messages',
    user: opts.user,
    body: html`${opts.message ? html`<p class="crumbs"><a href="${url('/ui/messages/', opts.message.queueId)}">Back to message ${opts.message.queueId}</a></p>` : ''}
<h1>Inbound mail ${opts.id}</h1>
<dl class="facts"><dt>Received</dt><dd>${time(opts.receivedAt)}</dd><dt>From</dt><dd class="mono">${opts.mailFrom === '' ? '<> (null sender)' : opts.mailFrom}</dd><dt>Kind</dt><dd>${opts.kind ?? 'not processed yet'}</dd><dt>Size</dt><dd>${size(opts.raw.length)}</dd></dl>
${cut ? html`<p class="notice">Only the first ${size(RAW_SHOWN)} are shown; <code>mailtrail bounces --id ${opts.id} --raw</code> prints it all.</p>` : ''}
<pre class="raw" tabindex="0" aria-label="The mail as received">${opts.raw.subarray(0, RAW_SHOWN).toString('utf8')}</pre>`,
  });
}
