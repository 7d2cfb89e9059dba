/** Who may reach a web route: every route of src/web names one (and that marks it as the page's, not the API's). */
export type Access = 'public' | 'read' | 'admin';

/** The sign-in form and the stylesheet: nothing about mail. */
export const PUBLIC = { config: { web: 'public' as Access } };
/** A signed-in user with any token. */
export const READ = { config: { web: 'read' as Access } };
/** A signed-in user with an admin token (and, being a POST, the CSRF token). */
export const ADMIN = { config: { web: 'admin' as Access } };
