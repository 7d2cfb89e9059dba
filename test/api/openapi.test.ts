import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, startApi } from './helpers.js';

let h: Awaited<ReturnType<typeof startApi>>;
before(async () => {
  h = await startApi();
});
after(() => h.cleanup());

type Doc = { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

test('the document is served without a token and is OpenAPI 3.1', async () => {
  const r = await h.call('GET', '/v1/openapi.json', { token: null });
  assert.equal(r.status, 200);
  assert.equal((r.json as Doc).openapi, '3.1.0');
});

test('every registered route is in the document with the same methods, and nothing else is', async () => {
  const doc = (await h.call('GET', '/v1/openapi.json', { token: null })).json as Doc;
  // HEAD routes are fastify's automatic twins of GET routes; OpenAPI describes GET.
  const registered = new Set(h.api.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${toOpenApiPath(r.url)}`));
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  assert.ok(registered.size >= 12, `expected the full route table, got ${[...registered].join(', ')}`);
  assert.deepEqual([...registered].sort(), [...documented].sort());
  // Cross-check with fastify's own router, independently of the onRoute list.
  for (const entry of documented) {
    const [method, path] = entry.split(' ');
    assert.ok(h.api.app.hasRoute({ method: method as 'GET', url: path.replace(/\{([^}]+)\}/g, ':$1') }), `${entry} is documented but not routed`);
  }
});

test('path parameters in the document match the route parameters', async () => {
  const doc = (await h.call('GET', '/v1/openapi.json', { token: null })).json as Doc;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const [method, op] of Object.entries(ops)) {
      const declared = (op.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      assert.deepEqual(declared, inPath, `${method.toUpperCase()} ${path}`);
    }
  }
});

test('the search parameters documented are exactly those the endpoint accepts', async () => {
  const doc = (await h.call('GET', '/v1/openapi.json', { token: null })).json as Doc;
  const names = (doc.paths['/v1/messages'].get.parameters ?? []).map((p) => p.name);
  assert.deepEqual(names.sort(), ['cursor', 'domain', 'limit', 'message', 'recipient', 'sender', 'since', 'state', 'subject', 'tag', 'until']);
  for (const name of names) {
    const r = await h.call('GET', `/v1/messages?${name}=%00invalid%00`);
    assert.notEqual(r.json?.message ?? '', 'unknown parameter', `${name} is accepted by the endpoint`);
    assert.notEqual(r.json?.field === name && /unknown parameter/.test(r.json?.message ?? ''), true);
  }
});

test('a body the HTTP layer refuses (wrong content type, too large) gets a status the document lists, with an error', async () => {
  const doc = (await h.call('GET', '/v1/openapi.json', { token: null })).json as {
    paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
  };
  const withBody = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.requestBody)
      .map(([method]) => ({ method: method.toUpperCase(), path })),
  );
  assert.ok(withBody.length >= 1);
  for (const { method, path } of withBody) {
    const send = (contentType: string, text: string) =>
      fetch(h.base + path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType }, body: text });
    const form = await send('application/x-www-form-urlencoded', 'address=x%40example.com');
    const big = await send('application/json', JSON.stringify({ address: 'x@example.com', reason: 'x'.repeat(70 * 1024) }));
    for (const [r, expected] of [
      [form, 415],
      [big, 413],
    ] as const) {
      assert.equal(r.status, expected, `${method} ${path}`);
      assert.ok(doc.paths[path][method.toLowerCase()].responses[String(expected)], `${method} ${path} documents ${expected}`);
      assert.equal(typeof ((await r.json()) as { error?: unknown }).error, 'string');
    }
  }
});
