/** A page that says what went wrong and where to go next. */
import { html, type Html } from '../html.js';
import { page, type PageUser } from '../layout.js';

export function errorPage(opts: { user: PageUser | null; title: string; message: string }): Html {
  return page({
    title: opts.title,
    section: null,
    user: opts.user,
    body: html`<h1>${opts.title}</h1><p>${opts.message}</p><p><a href="${opts.user ? '/ui/messages' : '/ui/login'}">${opts.user ? 'Find a message' : 'Sign in'}</a></p>`,
  });
}
