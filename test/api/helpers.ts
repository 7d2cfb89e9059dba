import { parseConfig } from '../../src/config/load.js';
import { createApi, type ApiOptions } from '../../src/api/app.js';
import { hashToken } from '../../src/api/auth.js';
import { silentLogger } from '../../src/log/logger.js';
import { tempStore } from '../query/fixture.js';

export const READ_TOKEN = 'read-token-0123456789abcdef-0123456789';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef-0123456789';
export const STORED_TOKEN = 'mt_stored-token-0123456789abcdef';

/** The API on 127.0.0.1 port 0 with a read token (`reader`) and an admin token (`operator`) in its config. */
export function testApiConfig(over: { host?: string; limits?: Record<string, unknown>; trusted_proxies?: string[] } = {}) {
  return parseConfig({
    api: {
      host: over.host ?? '127.0.0.1',
      port: 0,
      limits: over.limits ?? {},
      trusted_proxies: over.trusted_proxies ?? [],
      tokens: [
        { name: 'reader', token: READ_TOKEN, scope: 'read' },
        { name: 'operator', token: ADMIN_TOKEN, scope: 'admin' },
      ],
    },
  });
}

/** A store, an API on 127.0.0.1 port 0, and a fetch helper that sends a token. */
export async function startApi(over: Partial<ApiOptions> = {}, apiConfig: Parameters<typeof testApiConfig>[0] = {}) {
  const t = tempStore();
  const config = testApiConfig(apiConfig);
  await t.store.tokens.add({ name: 'stored-reader', sha256: hashToken(STORED_TOKEN), scope: 'read', createdAt: Date.now() });
  const api = createApi({ store: t.store, config, logger: silentLogger(), ...over });
  const { port } = await api.listen();
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, opts: { token?: string | null; body?: unknown } = {}) => {
    const token = opts.token === undefined ? READ_TOKEN : opts.token;
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON (metrics) */
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  return {
    ...t,
    api,
    base,
    call,
    cleanup: async () => {
      await api.close();
      await t.cleanup();
    },
  };
}
