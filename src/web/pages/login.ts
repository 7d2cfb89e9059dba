/** The sign-in form: one field, an API token (read scope sees, admin scope acts). */
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';

export function loginPage(opts: { nonce: string; next: string; error?: string }): Html {
  return page({
    title: 'Sign in',
    section: null,
    user: null,
    body: html`<h1>Sign in</h1>
<p>Use an API token. A token with <strong>read</strong> scope shows messages, the queue and the health of delivery;
one with <strong>admin</strong> scope can also retry, cancel and change the suppression list.
Make one with <code>mailtrail tokens add NAME --scope read</code>.</p>
${opts.error ? html`<p class="notice error" role="alert" id="login-error">${opts.error}</p>` : ''}
<form method="post" action="/ui/login" class="login">
  <input type="hidden" name="${CSRF_FIELD}" value="${opts.nonce}">
  <input type="hidden" name="next" value="${opts.next}">
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false"${opts.error ? html` aria-describedby="login-error" aria-invalid="true"` : ''}>
  <button type="submit">Sign in</button>
</form>`,
  });
}
