/**
 * The page around every view: a skip link, the navigation (with the current page marked for screen
 * readers), who is signed in with which scope, the sign-out form, and one <main>. No script: the pages
 * work in any browser, and the Content-Security-Policy forbids scripts altogether.
 */
import type { Principal } from '../api/auth.js';
import { CSRF_FIELD } from './csrf.js';
import { html, type Html, type Part } from './html.js';

export type Section = 'messages' | 'queue' | 'suppressions' | 'health' | null;

export interface PageUser {
  principal: Principal;
  csrf: string;
}

const NAV: { section: Exclude<Section, null>; href: string; label: string }[] = [
  { section: 'messages', href: '/ui/messages', label: 'Messages' },
  { section: 'queue', href: '/ui/queue', label: 'Queue' },
  { section: 'suppressions', href: '/ui/suppressions', label: 'Suppressions' },
  { section: 'health', href: '/ui/health', label: 'Health' },
];

/** The hidden field every action form carries. */
export const csrfField = (user: PageUser) => html`<input type="hidden" name="${CSRF_FIELD}" value="${user.csrf}">`;

export function page(opts: { title: string; section: Section; user: PageUser | null; body: Part }): Html {
  const nav = opts.user
    ? html`<nav aria-label="Main">
        <a class="brand" href="/ui/messages">mailtrail</a>
        <ul>${NAV.map((n) => html`<li><a href="${n.href}"${opts.section === n.section ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul>
        <form class="signout" method="post" action="/ui/logout">${csrfField(opts.user)}
          <span class="who">${opts.user.principal.name} <span class="scope">(${opts.user.principal.scope === 'admin' ? 'admin: may act' : 'read only'})</span></span>
          <button type="submit">Sign out</button>
        </form>
      </nav>`
    : html`<nav aria-label="Main"><span class="brand">mailtrail</span></nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · mailtrail</title>
<link rel="stylesheet" href="/ui/assets/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>${nav}</header>
<main id="main">
${opts.body}
</main>
</body>
</html>
`;
}
