/**
 * The web page on a real HTTP server (the API's, port 0) over a store with the query fixture's history,
 * and a small browser stand-in for tests that do not need a real one: it keeps cookies, follows nothing
 * by itself, and reads the CSRF token out of the pages it gets.
 */
import { createApi } from '../../src/api/app.js';
import { suppressionList } from '../../src/suppression/list.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { registerWebUi } from '../../src/web/index.js';
import { testApiConfig } from '../api/helpers.js';
import { HOUR, seedHistory, T0, tempStore } from '../query/fixture.js';

export { ADMIN_TOKEN, READ_TOKEN } from '../api/helpers.js';
/** The clock of the pages: three hours after the fixture's first message. */
export const NOW = T0 + 3 * HOUR;

export async function startWeb(opts: { now?: () => number; limits?: Record<string, unknown>; trusted_proxies?: string[]; timelineLimit?: number } = {}) {
  const t = tempStore();
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = createLogger({ log: { level: 'debug', file: null } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const config = testApiConfig({ limits: opts.limits, trusted_proxies: opts.trusted_proxies });
  const seeded = await seedHistory(t.store);
  const suppressions = suppressionList(t.store);
  const fate = { now: NOW, ...(opts.timelineLimit ? { timeline: { limit: opts.timelineLimit } } : {}) };
  const api = createApi({ store: t.store, config, logger, suppressions, fate });
  registerWebUi(api.app, {
    store: t.store,
    config,
    logger,
    actions: api.actions,
    suppressions,
    credentialFailures: api.credentialFailures,
    fate,
    now: opts.now,
  });
  const { port } = await api.listen();
  const base = `http://127.0.0.1:${port}`;
  return {
    ...t,
    seeded,
    base,
    lines,
    api,
    browser: () => new Client(base),
    cleanup: async () => {
      await api.close();
      await t.cleanup();
    },
  };
}

export interface Page {
  status: number;
  location: string | null;
  headers: Headers;
  body: string;
}

/** Cookies and the last CSRF token seen, like a browser tab with no script. */
export class Client {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  constructor(readonly base: string) {}

  private remember(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await fetch(this.base + path, { redirect: 'manual', headers: { ...this.cookieHeader(), ...headers }, signal: AbortSignal.timeout(5000) });
    return this.read(res);
  }

  /** A form POST; `_csrf` is added from the last page unless the fields say otherwise. */
  async post(path: string, fields: Record<string, string>, opts: { csrf?: string | null } = {}): Promise<Page> {
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    const body = new URLSearchParams({ ...(csrf !== null ? { _csrf: csrf } : {}), ...fields });
    const res = await fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(5000),
    });
    return this.read(res);
  }

  private async read(res: Response): Promise<Page> {
    this.remember(res);
    const body = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(body);
    if (m) this.csrf = m[1]!;
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, body };
  }

  /** Loads the sign-in form (its nonce) and signs in with `token`. */
  async signIn(token: string): Promise<Page> {
    await this.get('/ui/login');
    return this.post('/ui/login', { token, next: '/ui/messages' });
  }
}
