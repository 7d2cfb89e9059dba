/**
 * The sentence shown after an action, chosen by a code in the redirect's query string (`?done=retried&n=2`).
 * Only these fixed sentences can appear: a crafted link cannot make the page say anything else.
 */
import { html, type Html } from './html.js';

const DONE: Record<string, (n: number) => string> = {
  retried: (n) => `Retry requested: ${n} recipient${n === 1 ? ' is' : 's are'} due now; the queue takes ${n === 1 ? 'it' : 'them'} up at once.`,
  cancelled: (n) => `Cancelled: ${n} recipient${n === 1 ? '' : 's'} will not be delivered.`,
  'suppression-added': () => 'The address is on the suppression list: mail to it is accepted but not sent.',
  'suppression-exists': () => 'The address was on the suppression list already; its entry was left as it was.',
  'suppression-removed': () => 'The address was removed from the suppression list: new mail to it is sent again.',
  'webhook-resent': () => 'The webhook is pending again: the relay sends it at its next poll.',
};

const ERRORS: Record<string, string> = {
  'nothing-to-retry': 'Nothing to retry: no recipient of this message is queued or deferred.',
  'nothing-to-cancel': 'Nothing to cancel: every recipient is final or being delivered right now.',
  'not-suppressed': 'That address is not on the suppression list (any more).',
  'webhook-not-failed': 'That webhook delivery has not failed: it was delivered, or it is still pending and will be sent when due.',
  'not-found': 'It is gone: nothing has that id.',
  'bad-address': 'That is not an email address such as user@example.com.',
};

export function notice(query: Record<string, unknown>): Html {
  const done = typeof query.done === 'string' ? DONE[query.done] : undefined;
  const error = typeof query.error === 'string' ? ERRORS[query.error] : undefined;
  const n = Math.max(0, Math.min(10_000, Number(query.n) || 0));
  if (done) return html`<p class="notice ok" role="status">${done(n)}</p>`;
  if (error) return html`<p class="notice error" role="alert">${error}</p>`;
  return html``;
}
